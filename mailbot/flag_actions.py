"""What a person does with a flag (an item of 待处理): mark it dealt with, send an undeliverable reply again,
or have a failed mail processed again.

The console and `mailbot flags` call these; each writes its audit row in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailbot import store as db
from mailbot import queries as q
from mailbot.attempts import retry
from mailbot.audit import Actor, note
from mailbot.models import FlagRecord, OutboxRecord
from mailbot.store import Store


class FlagError(Exception):
    """The act does not fit the flag (none of that number, not an undeliverable reply, already done); Chinese."""


@dataclass(frozen=True)
class Requeued:
    flag: int
    outbox_ids: tuple[int, ...]
    addresses: tuple[str, ...]


def resolve(store: Store, ids: tuple[int, ...], actor: Actor, now: datetime, comment: str = "") -> None:
    """Mark flags dealt with, all or none (FlagError names the numbers that do not exist)."""
    with store.session() as session:
        found = {i: session.get(FlagRecord, i) for i in dict.fromkeys(ids)}
        unknown = [i for i, flag in found.items() if flag is None]
        if unknown:
            raise FlagError(f"没有编号为 {'、'.join(map(str, unknown))} 的事项")
        for number, flag in found.items():
            if flag.resolved:
                continue
            flag.resolved = True
            session.add(flag)
            why = f"；说明：{comment}" if comment else ""
            note(session, actor, "flag.resolve", f"事项 {number}", f"{flag.detail[:300]}{why}", now)
        session.commit()


def requeue_reply(store: Store, flag_id: int, actor: Actor, now: datetime) -> Requeued:
    """Put the reply an undeliverable-reply flag is about back in the outbox, as new, and close the flag.

    The caller then drains the outbox, as `mailbot override` does; if delivery fails again, the
    outbox flags it again. The reply's rows are locked while they change, so a worker draining the
    outbox at this moment never sees a half-made change.
    """
    with store.session() as session:
        db.begin_write(session)
        flag = session.get(FlagRecord, flag_id)
        if flag is None:
            raise FlagError(f"没有编号为 {flag_id} 的事项")
        if flag.kind != "delivery_failed":
            raise FlagError(f"事项 {flag_id} 不是无法送达的回执，无需重新发送")
        if flag.resolved:
            raise FlagError(f"事项 {flag_id} 已标记为已处理")
        rows = q.failed_outbox(session, flag)
        if not rows:
            raise FlagError(f"事项 {flag_id} 所说的邮件已不在“发送失败”状态（可能已重新发送），无需再发")
        for row in rows:
            row.state, row.attempts, row.next_attempt_at = "pending", 0, None
            session.add(row)
        flag.resolved = True
        session.add(flag)
        addresses = tuple(dict.fromkeys(row.to_address for row in rows))
        note(session, actor, "reply.retry", f"事项 {flag_id}",
             f"重新发送《{rows[0].subject[:120]}》至 {'、'.join(addresses)}（上次失败：{rows[0].last_error[:200]}）", now)
        session.commit()
        return Requeued(flag_id, tuple(row.id for row in rows), addresses)


def reprocess(store: Store, flag_id: int, actor: Actor, now: datetime) -> int:
    """A failed mail, its cause fixed, processed again at the daemon's next cycle (its attempts start over);
    the number of the mail."""
    with store.session() as session:
        db.begin_write(session)
        flag = session.get(FlagRecord, flag_id)
        if flag is None:
            raise FlagError(f"没有编号为 {flag_id} 的事项")
        record = retry(session, flag_id)
        if record is None:
            raise FlagError(f"事项 {flag_id} 不是“处理出错的邮件”，或该邮件已处理完")
        note(session, actor, "mail.retry", f"事项 {flag_id}", f"来信 {record.id} 重新处理（{flag.detail[:200]}）", now)
        session.commit()
        return record.id


def delivery_states(store: Store, outbox_ids: tuple[int, ...]) -> dict[int, str]:
    """pending | sent | failed of each requeued reply, after the drain: what to tell the person."""
    with store.session() as session:
        return {i: session.get(OutboxRecord, i).state for i in outbox_ids}
