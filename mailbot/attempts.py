"""How many times a mail's processing began, and what a failure records: retries are bounded and counted.

An attempt is counted and committed *before* the mail is read, so a mail that kills the process (not only
one that raises) uses up its attempts: it can never make the daemon crash and restart forever. A failed
mail is tried again at the next start, at most :data:`MAX_ATTEMPTS` times in all; then it waits for a
person (``mailbot flags --retry ID`` once the cause is fixed). Its one ``failed`` flag says how many
attempts it had; notes about the mail's intake (a receive time that was not the server's) are flagged
at its first attempt.
"""

from __future__ import annotations

from mailbot import queries as q
from mailbot import store as db
from mailbot.mail_types import RawMail
from mailbot.models import FlagRecord, MessageRecord
from mailbot.store import DatabaseError, Store

MAX_ATTEMPTS = 5


def begin(store: Store, raw: RawMail) -> bool:
    """Count an attempt at ``raw`` (committed); False when it must not be read: another worker has it,
    it is done, or it has had MAX_ATTEMPTS already (then it is recorded failed, for a person)."""
    with store.session() as session:
        record = q.message_by_key(session, raw.mailbox, raw.key)
        if record is None:
            record = MessageRecord(mailbox=raw.mailbox, key=raw.key, sha256="", received_at=raw.received_at,
                                   too_large_bytes=raw.too_large_bytes)
            session.add(record)
            if not db.try_commit(session):  # another worker recorded it first: it is that worker's mail
                return False
        claimed = db.claim_message(session, record.id)  # FOR UPDATE SKIP LOCKED: one worker per mail
        if claimed is None:
            return False
        if claimed.attempts >= MAX_ATTEMPTS:
            fail(session, claimed, "处理这封邮件时程序多次中断（如内存耗尽被系统终止）")
            session.commit()
            return False
        claimed.attempts += 1
        session.add(claimed)
        if claimed.attempts == 1 and raw.note:
            session.add(FlagRecord(message_id=claimed.id, kind="receive_time", detail=raw.note))
        session.commit()
        return True


def fail(session, record: MessageRecord, why: str) -> str:
    """Mark ``record`` failed and say so in its one open ``failed`` flag, with the attempts it had (not
    committed). Returns the reason recorded."""
    flag = q.open_flag(session, record.id, "failed")
    if flag is None:
        flag = FlagRecord(message_id=record.id, kind="failed", detail="")
        session.add(flag)
        session.flush()  # its number, for the retry command the reason names
    if record.attempts >= MAX_ATTEMPTS:
        then = f"已尝试 {record.attempts} 次，不再自动重试：原因排除后，用 mailbot flags --retry {flag.id} 重新处理"
    else:
        then = f"第 {record.attempts} 次尝试（最多 {MAX_ATTEMPTS} 次），下次启动时重试"
    reason = f"处理出错（{then}）：{why}"[:500]
    record.state, record.reason, flag.detail = "failed", reason, reason
    session.add_all([record, flag])
    return reason


def retry(session, flag_id: int) -> MessageRecord | None:
    """A person asks for a failed mail to be processed again (the cause fixed): its attempts start over and
    its flag is resolved (not committed). None when ``flag_id`` is not a failed mail's flag."""
    flag = session.get(FlagRecord, flag_id)
    record = session.get(MessageRecord, flag.message_id) if flag and flag.kind == "failed" and flag.message_id else None
    if record is None or record.state != "failed":
        return None
    record.attempts = 0
    flag.resolved = True
    session.add_all([record, flag])
    return record


def refund(store: Store, raws: list[RawMail]) -> None:
    """Give back the attempts of mails begun but not finished because the cycle stopped (the disk, the database,
    SIGTERM): best effort, as the database may be what failed."""
    if not raws:
        return
    try:
        with store.session() as session:
            for raw in raws:
                record = q.message_by_key(session, raw.mailbox, raw.key)
                if record is not None and record.state in ("new", "failed") and record.attempts > 0:
                    record.attempts -= 1
                    session.add(record)
            session.commit()
    except DatabaseError:
        pass
