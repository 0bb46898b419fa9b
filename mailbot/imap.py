"""Read the office mailbox over IMAP (imap-tools; the only module that imports it).

What real servers need (see PITFALLS.md):
- NetEase (126/163/yeah.net) refuse SELECT with "Unsafe Login" unless the client
  sends ID (RFC 2971) after LOGIN: we log in without selecting, send ID when the
  server offers it, then select. ID is sent again after every reconnect.
- imaplib keeps the pre-login CAPABILITY list: refreshed after login, or MOVE
  and IDLE look absent.
- Mail is fetched with BODY.PEEK (never marked read), by UID, in batches of
  bounded size, together with INTERNALDATE (the receive time that counts; one
  the server wrote out of range falls back per mail: mailbot/receive_time.py).
  A message over the size limit is not downloaded: only its header is.
- Keys are "<UIDVALIDITY>:<UID>"; a new UIDVALIDITY makes every key new, and the
  pipeline's sha256 check recognises the mail already processed.
- No IDLE (126/163): polling. No MOVE: UID COPY + UID STORE \\Deleted + UID EXPUNGE,
  never a bare EXPUNGE that would remove other people's deleted mail.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
import threading
from collections.abc import Iterator
from datetime import datetime, timezone

import imap_tools.errors
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import MailboxLoginError
from imap_tools.imap_utf7 import utf7_encode

from mailbot.mail_types import RawMail
from mailbot.receive_time import imap_time
from mailbot.settings import ImapSettings

log = logging.getLogger("mailbot")
imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))  # imaplib has no ID entry
imaplib.Commands.setdefault("MOVE", ("SELECTED",))
CLIENT_ID = {"name": "mailbot", "version": "0.1", "vendor": "mailbot"}
IDLE_MAX_SECONDS = 25 * 60  # servers drop IDLE after 29 minutes
# errors after which the connection is dropped and made again
CONNECTION_ERRORS = (imaplib.IMAP4.abort, imaplib.IMAP4.error, ConnectionError, TimeoutError, OSError, EOFError)
_META = re.compile(rb"UID (\d+)|INTERNALDATE \"([^\"]+)\"|RFC822\.SIZE (\d+)")


class ImapError(Exception):
    """The mailbox cannot be used: login refused, folder missing. Said in plain words."""


def ssl_context(settings: ImapSettings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)


def send_id(client: imaplib.IMAP4, fields: dict[str, str]) -> dict[str, str]:
    arg = "(" + " ".join(f'"{k}" "{v}"' for k, v in fields.items()) + ")"
    typ, data = client._simple_command("ID", arg)
    typ, data = client._untagged_response(typ, data, "ID")
    tokens = [t.decode() for t in re.findall(rb'"((?:[^"\\]|\\.)*)"', (data[0] or b"") if data else b"")]
    return dict(zip(tokens[0::2], tokens[1::2]))


def refresh_capabilities(client: imaplib.IMAP4) -> tuple[str, ...]:
    typ, data = client.capability()
    client.capabilities = tuple(data[-1].decode().upper().split())
    return client.capabilities


class ImapInbox:
    def __init__(self, settings: ImapSettings, password: str) -> None:
        self.settings = settings
        self.password = password
        self.name = f"imap:{settings.username}@{settings.host}/{settings.folder}"
        self.box = None
        self.uidvalidity = ""
        self.server_id: dict[str, str] = {}

    # -- connection -------------------------------------------------------------------------
    def connect(self) -> None:
        s = self.settings
        if s.security == "ssl":
            box = MailBox(s.host, s.port, timeout=s.timeout_seconds, ssl_context=ssl_context(s))
        elif s.security == "starttls":
            box = MailBoxStartTls(s.host, s.port, timeout=s.timeout_seconds, ssl_context=ssl_context(s))
        else:
            box = MailBoxUnencrypted(s.host, s.port, timeout=s.timeout_seconds)
        try:
            box.login(s.username, self.password, initial_folder=None)
        except MailboxLoginError as exc:
            raise ImapError(f"登录 {s.host} 被拒绝：用户名或密码（授权码）不正确，或未开启 IMAP 服务") from exc
        capabilities = refresh_capabilities(box.client)
        if s.wants_id and "ID" in capabilities:
            self.server_id = send_id(box.client, CLIENT_ID)
        status = box.folder.status(s.folder, ("UIDVALIDITY",))
        box.folder.set(s.folder)
        self.uidvalidity = str(status["UIDVALIDITY"])
        self.box = box
        log.info("IMAP connected to %s as %s, folder %s (UIDVALIDITY %s)", s.host, s.username, s.folder,
                 self.uidvalidity)

    def close(self) -> None:
        if self.box is not None:
            try:
                self.box.logout()
            except Exception:  # noqa: BLE001 - the connection may already be gone
                pass
        self.box = None

    def drop(self) -> None:
        """Forget a broken connection; the next call connects again."""
        try:
            if self.box is not None:
                self.box.client.shutdown()
        except Exception:  # noqa: BLE001
            pass
        self.box = None

    @property
    def capabilities(self) -> tuple[str, ...]:
        return tuple(self.box.client.capabilities) if self.box else ()

    def _ready(self):
        if self.box is None:
            self.connect()
        return self.box

    # -- reading ----------------------------------------------------------------------------
    def pending(self, done: set[str]) -> Iterator[RawMail]:
        box = self._ready()
        try:
            box.client.noop()  # let the server sync our view: SEARCH alone may not show mail that just arrived
            uids = [int(u) for u in box.uids("ALL")]
        except CONNECTION_ERRORS:
            self.drop()
            raise
        todo = [u for u in sorted(uids) if f"{self.uidvalidity}:{u}" not in done]
        for batch in self._batches(todo):
            yield from self._fetch(batch)

    def _meta(self, uids: list[int]) -> dict[int, tuple[bytes, int]]:
        """UID → (INTERNALDATE as the server wrote it, size); the date is read in _fetch, per mail."""
        typ, data = self.box.client.uid("FETCH", ",".join(map(str, uids)), "(UID INTERNALDATE RFC822.SIZE)")
        meta = {}
        for line in data:
            line = line[0] if isinstance(line, tuple) else line
            if not line:
                continue
            found = {k: v for m in _META.finditer(line) for k, v in zip(("uid", "date", "size"), m.groups()) if v}
            if "uid" in found:
                meta[int(found["uid"])] = (found.get("date", b""), int(found.get("size", 0)))
        return meta

    def _batches(self, uids: list[int]) -> Iterator[list[tuple[int, bytes, int]]]:
        """UIDs grouped so one batch holds at most ``batch_bytes`` of mail (memory stays bounded)."""
        for start in range(0, len(uids), 200):
            meta = self._meta(uids[start:start + 200])
            batch, size = [], 0
            for uid in uids[start:start + 200]:
                if uid not in meta:
                    continue
                when, octets = meta[uid]
                if batch and size + octets > self.settings.batch_bytes:
                    yield batch
                    batch, size = [], 0
                batch.append((uid, when, octets))
                size += min(octets, self.settings.max_message_bytes)
            if batch:
                yield batch

    def _fetch(self, batch: list[tuple[int, bytes, int]]) -> Iterator[RawMail]:
        limit = self.settings.max_message_bytes
        whole = [uid for uid, _, size in batch if size <= limit]
        bodies = self._bodies(whole, "BODY.PEEK[]") if whole else {}
        headers = self._bodies([uid for uid, _, size in batch if size > limit], "BODY.PEEK[HEADER]")
        for uid, internal_date, size in batch:
            key = f"{self.uidvalidity}:{uid}"
            data = bodies.get(uid, headers.get(uid))
            if data is None:
                continue  # expunged meanwhile
            stamp = imap_time(internal_date, data, datetime.now(timezone.utc))
            yield RawMail(self.name, key, data, stamp.moment, too_large_bytes=size if uid in headers else 0,
                          note=stamp.note)

    def _bodies(self, uids: list[int], part: str) -> dict[int, bytes]:
        if not uids:
            return {}
        typ, data = self.box.client.uid("FETCH", ",".join(map(str, uids)), f"(UID {part})")
        out = {}
        for item in data:
            if isinstance(item, tuple):
                found = re.search(rb"UID (\d+)", item[0])
                if found:
                    out[int(found.group(1))] = item[1]
        return out

    # -- waiting ----------------------------------------------------------------------------
    def wait(self, seconds: float, stopping: threading.Event) -> None:
        """IDLE until new mail or ``seconds`` pass when the server offers it; else just sleep."""
        if not (self.settings.idle and self.box is not None and "IDLE" in self.capabilities):
            stopping.wait(seconds)
            return
        remaining = min(seconds, IDLE_MAX_SECONDS)
        try:
            self.box.idle.start()
            while remaining > 0 and not stopping.is_set():
                step = min(1.0, remaining)
                if self.box.idle.poll(timeout=step):
                    break
                remaining -= step
            self.box.idle.stop()
        except CONNECTION_ERRORS:
            self.drop()
            raise

    # -- filing -----------------------------------------------------------------------------
    def file(self, key: str, needs_attention: bool) -> None:
        """Move a handled mail to the configured folder; by default nothing moves."""
        folder = self.settings.attention_folder if needs_attention else self.settings.processed_folder
        validity, _, uid = key.partition(":")
        if not folder or self.box is None or validity != self.uidvalidity:
            return
        client = self.box.client
        try:
            if not self.box.folder.exists(folder):
                self.box.folder.create(folder)
            if "MOVE" in self.capabilities:
                client.uid("MOVE", uid, _quote(folder))
            elif "UIDPLUS" in self.capabilities:
                client.uid("COPY", uid, _quote(folder))
                client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
                client.uid("EXPUNGE", uid)
            # without MOVE or UIDPLUS a move would need a bare EXPUNGE: leave the mail where it is
        except imaplib.IMAP4.abort:
            raise  # the connection is gone: the cycle's problem
        except (imaplib.IMAP4.error, imap_tools.errors.ImapToolsError) as exc:  # this mail stays where it is
            log.warning("mail %s not moved to %s: %s", key, folder, exc)


def _quote(folder: str) -> str:
    """A folder name as an IMAP astring, in modified UTF-7 so Chinese names work (RFC 3501 5.1.3)."""
    encoded = utf7_encode(folder)
    text = encoded.decode() if isinstance(encoded, bytes) else encoded
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
