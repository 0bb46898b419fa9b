"""Drain the outbox table through a transport, after the verdict's transaction committed.

A transport raises :class:`DeliveryError` (``permanent`` for 5xx-like refusals);
temporary failures are retried on the next drain with the row kept pending,
permanent ones are marked failed and flagged for staff.

Delivery is at least once, never lost. The Maildir transport is idempotent per reply (its file is
named after the reply's Message-ID), so a crash between delivering and marking never sends twice. SMTP cannot be: a crash in the moment between
the server's 250 and our commit sends that reply again on restart, with the same Message-ID.
A unit may then see one receipt twice; the other order (mark, then send) could lose it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8  # CRLF line ends: what SMTP servers require
from typing import Protocol

from mailbot import queries as q
from mailbot import store as db
from mailbot.models import FlagRecord, OutboxRecord
from mailbot.store import Store

log = logging.getLogger("mailbot")
MAX_ATTEMPTS = 20
MAX_BACKOFF = timedelta(hours=1)


class DeliveryError(Exception):
    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    """``key`` names the delivery: an outbox row id, or a string for mail that has no row (outage alerts)."""

    def deliver(self, key: int | str, envelope_from: str, to: str, raw: bytes) -> None: ...

    def close(self) -> None: ...


def wire(message: EmailMessage) -> bytes:
    """The bytes a mail server takes: CRLF line ends (email.policy.SMTP); in UTF-8 (RFC 6532) when an address
    has a local part that is not ASCII, which encoded words would turn into an address nobody has."""
    addresses = [a for name in ("To", "Cc", "From") for a in getattr(message[name], "addresses", ())]
    utf8 = any(not a.username.isascii() for a in addresses)
    return message.as_bytes(policy=SMTPUTF8 if utf8 else SMTP)


def queue(session, message: EmailMessage, *to: str, message_id: int | None = None,
          verdict_id: int | None = None) -> None:
    """Put ``message`` into the outbox table, one row per address in ``to``, in the caller's transaction:
    it goes out after commit. Serialised once (a digest carries a workbook)."""
    raw = wire(message)
    for address in to:
        session.add(OutboxRecord(message_id=message_id, verdict_id=verdict_id, to_address=address,
                                 subject=str(message["Subject"]), rfc_message_id=message["Message-ID"], raw=raw))


@dataclass(frozen=True)
class Drained:
    sent: int = 0
    retry: int = 0
    failed: int = 0


def deliver_pending(store: Store, transport: Transport, envelope_from: str, retry_base: float = 60.0) -> Drained:
    """Send every due reply once; a temporary failure waits retry_base × 2^attempts (at most an hour).

    Each reply is locked (FOR UPDATE SKIP LOCKED) while it is sent and marked, so several workers
    on one PostgreSQL never send the same reply twice.
    """
    sent = retry = failed = 0
    with store.session() as session:
        ids = [row.id for row in q.pending_outbox(session, datetime.now(timezone.utc))]
    for outbox_id in ids:
        with store.session() as session:
            row = db.claim_outbox(session, outbox_id)
            if row is None:
                continue
            try:
                try:
                    transport.deliver(row.id, envelope_from, row.to_address, row.raw)
                except (DeliveryError, OSError):  # OSError: the outbox's disk, the cycle's problem (outage alarm)
                    raise
                except Exception as exc:  # noqa: BLE001 - one reply's failure is that reply's, never the cycle's
                    raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
            except DeliveryError as exc:
                permanent = exc.permanent or row.attempts + 1 >= MAX_ATTEMPTS
                delay = min(timedelta(seconds=retry_base * 2 ** row.attempts), MAX_BACKOFF)
                _mark(session, row, "failed" if permanent else "pending", str(exc), permanent, delay)
                failed, retry = failed + permanent, retry + (not permanent)
                log.warning("reply %s to %s %s: %s", row.id, row.to_address, "failed" if permanent else "deferred",
                            exc)
                continue
            _mark(session, row, "sent", "", False)
            sent += 1
            log.info("reply %s sent to %s: %s", row.id, row.to_address, row.subject)
    if ids:
        transport.close()
    return Drained(sent, retry, failed)


def _mark(session, row: OutboxRecord, state: str, error: str, flag: bool, delay: timedelta = timedelta(0)) -> None:
    row.state, row.last_error = state, error[:500]
    row.attempts += 1
    now = datetime.now(timezone.utc)
    if state == "sent":
        row.sent_at = now
    row.next_attempt_at = now + delay if state == "pending" else None
    session.add(row)
    if flag:
        session.add(FlagRecord(message_id=row.message_id, kind="delivery_failed", outbox_id=row.id,
                               detail=f"回执无法送达 {row.to_address}：{error[:200]}"))
    session.commit()
