"""A person's decision on mail the machine would not credit: `mailbot confirm` and `mailbot reject`.

Held mail (an unregistered address writing for a unit that registered addresses, a staff member
sending files directly), suspected impersonation, and mail whose unit could not be determined wait
for a person. ``confirm`` credits the mail to a unit: it is judged with that unit's dossier as a new
mail would be and answered with a normal receipt; ``register`` also adds the sender's address to the
unit in rules/units.toml (comments kept) and puts the edited rules in force. ``reject`` closes it
without crediting anyone. Both are recorded with who and when, and take the unit's lock as
`mailbot override` does, so a worker recording the same unit meanwhile is waited for.

Hostile mail (mailbot.hostile) can only be rejected: it is never credited to any unit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mailbot import queries as q
from mailbot import store as db
from mailbot.archive import ArchiveMissing
from mailbot.audit import Actor, note
from mailbot.campaigns import match_campaign
from mailbot.mail_types import RawMail
from mailbot.models import MessageRecord, ReviewRecord
from mailbot.pipeline import judge_mail, prepare
from mailbot.record import record_verdict
from mailbot.toml_edit import add_address, write_checked
from mailbot.rules_loader import RulesError, load_rules
from mailbot.runtime import Runtime
from mailbot.trust import Trust

RESOLVED_BY_REVIEW = ("held", "suspected", "quarantined", "unknown_unit", "unit_conflict", "unregistered_address")
_RECEIPT = re.compile(r"^\d{8}-\d{5,}$")


class ReviewError(Exception):
    """The decision cannot be recorded; the message says why, in Chinese."""


@dataclass(frozen=True)
class Confirmed:
    message: int
    unit: str
    receipt: str
    tag: str
    registered: str  # the address added to the roster, "" when not
    answered: str  # where the receipt went


@dataclass(frozen=True)
class Rejected:
    message: int
    claimed: str  # the unit the mail named, "" when none


def confirm(rt: Runtime, ref: str, unit_name: str | None, who: str, now: datetime, register: bool = False,
            rules_dir: Path | None = None, via: str = "cli") -> Confirmed:
    """Credit held (or unidentified) mail to a unit and answer it with a normal receipt (and an audit
    row, ``via`` the console or a command)."""
    _need_name(who)
    with rt.store.session() as session:
        db.begin_write(session)  # the daemon may record this unit meanwhile: checked and written as one
        message = _waiting(session, ref)
        if message.trust == Trust.HOSTILE.value:
            raise ReviewError(f"来信 {message.id} 含有可疑内容（{_reasons(message)}），不能计入任何单位；"
                              f"请核实后用 mailbot reject {message.id} 关闭，并请该单位用登记的邮箱重新发送")
        unit = rt.rules.roster.get(unit_name or message.claimed_unit or "")
        if unit is None:
            named = f"「{unit_name}」不在名册中" if unit_name else "这封来信没有写明是哪个单位的"
            raise ReviewError(f"{named}，请用 --unit 指定名册中的单位全称或简称")
        address = message.sender_address or message.from_address
        registered = ""
        if register:
            registered = _register(rt, rules_dir, unit.name, address)
        raw = RawMail(message.mailbox, message.key, _archived(rt, message), message.received_at)
        prepared = prepare(raw, rt)
        if prepared.error is not None or prepared.mail is None:
            raise ReviewError(f"来信 {message.id} 无法重新读取：{prepared.error}")
        campaign = rt.rules.campaigns.get(message.campaign or "") or match_campaign(
            rt.rules, prepared.mail, prepared.current, message.received_at, frozenset())
        judged = judge_mail(session, prepared.mail, prepared.current, campaign, message.received_at, rt,
                            given=unit.name)  # takes the unit's lock
        _close(session, message, "confirmed", who, "", now, unit=unit.name, registered=bool(registered))
        told = f"，登记了发件邮箱 {registered}" if registered else ""
        note(session, Actor(who.strip(), via), "mail.confirm", f"来信 {message.id}",
             f"计入{unit.name}（{Trust(message.trust).label if message.trust else '无法确认单位'}）{told}", now)
        row = record_verdict(session, message.id, prepared.mail, raw, judged, prepared.sizes, rt, confirmed=True)
        answered = next((r.to_address for r in q.replies_of(session, row.id)), "")
        return Confirmed(message.id, unit.name, row.receipt, row.tag, registered, answered)


def reject(rt: Runtime, ref: str, who: str, comment: str, now: datetime, via: str = "cli") -> Rejected:
    """Close held (or unidentified) mail without crediting any unit; nothing is sent."""
    _need_name(who)
    if not comment.strip():
        raise ReviewError("--comment 须写明不予计入的理由，如 --comment \"经电话核实，非该单位所发\"")
    with rt.store.session() as session:
        db.begin_write(session)
        message = _waiting(session, ref)
        if message.claimed_unit and message.campaign:
            db.lock(session, f"dossier/{message.campaign}/{message.claimed_unit}")
        claimed = message.claimed_unit or ""
        _close(session, message, "rejected", who, comment, now)
        note(session, Actor(who.strip(), via), "mail.reject", f"来信 {message.id}",
             f"不予计入{('（来信所称单位：' + claimed + '）') if claimed else ''}，理由：{comment.strip()}", now)
        message.state = "rejected"
        session.add(message)
        session.commit()
        return Rejected(message.id, claimed)


def find_message(session, ref: str) -> MessageRecord | None:
    """A message by its number (来信编号, as flags and the 【待确认】 notice give it) or by a receipt."""
    ref = (ref or "").strip()
    if ref.isdigit():
        return session.get(MessageRecord, int(ref))
    if _RECEIPT.match(ref):
        verdict = q.verdict_by_receipt(session, ref)
        return session.get(MessageRecord, verdict.message_id) if verdict else None
    return None


def _waiting(session, ref: str) -> MessageRecord:
    """The message ``ref`` names, if it waits for a person; else a ReviewError saying what it is."""
    message = find_message(session, ref)
    if message is None:
        raise ReviewError(f"没有来信编号或回执编号为 {ref} 的邮件（来信编号见 mailbot flags 或日报“需要人工处理”）")
    if message.state == "held":
        return message
    if message.state == "rejected":
        raise ReviewError(f"来信 {message.id} 已被人工关闭（不予计入），不能再处理")
    if message.state == "processed" and message.unit is None:
        return message  # its unit could not be determined: a person may say which it is
    if message.state == "processed":
        newest = q.newest_verdict_of_message(session, message.id)
        receipt = newest.receipt if newest else ""
        raise ReviewError(f"来信 {message.id} 已计入「{message.unit}」（回执 {receipt}），无需确认；"
                          f"如需改变结论，请用 mailbot override {receipt}")
    raise ReviewError(f"来信 {message.id} 的状态是“{message.state}”，不是等待人工确认的来信")


def _register(rt: Runtime, rules_dir: Path | None, unit: str, address: str) -> str:
    """Add ``address`` to ``unit`` in units.toml and put the edited rules in force."""
    if not address or "@" not in address:
        raise ReviewError("这封来信的发件邮箱无法识别，不能登记")
    if address in rt.staff:
        raise ReviewError(f"{address} 是工作人员的邮箱，不能登记为单位的报送邮箱")
    owner = rt.rules.roster.by_address(address)
    if owner is not None and owner.name != unit:
        raise ReviewError(f"{address} 已登记在「{owner.name}」名下，不能再登记给「{unit}」")
    if owner is not None:
        return address
    if rules_dir is None:
        raise ReviewError("不知道规则目录在哪里，无法登记邮箱")
    path = Path(rules_dir) / "units.toml"
    try:
        text = add_address(path.read_text(encoding="utf-8-sig"), unit, address)
        rt.rules = write_checked(path, text, lambda: load_rules(rules_dir, rt.limits))
    except KeyError:
        raise ReviewError(f"{path} 中没有名为「{unit}」的 [[units]]（可能写的是简称），请手工登记") from None
    except RulesError as exc:
        raise ReviewError(f"登记后规则无法通过检查，已恢复原文件：{'；'.join(map(str, exc.problems))}") from exc
    except OSError as exc:
        raise ReviewError(f"无法写入 {path}（{exc.strerror or exc}）：请用有写权限的账号运行，或手工登记该邮箱") from exc
    return address


def _archived(rt: Runtime, message: MessageRecord) -> bytes:
    try:
        return rt.archive.get(message.sha256)
    except ArchiveMissing as lost:
        raise ReviewError(f"来信 {message.id} 的原始邮件不在存档中，无法处理：{lost}") from lost


def _close(session, message: MessageRecord, action: str, who: str, comment: str, now: datetime,
           unit: str | None = None, registered: bool = False) -> None:
    session.add(ReviewRecord(message_id=message.id, action=action, unit=unit, registered=registered, by=who.strip(),
                             comment=comment.strip(), created_at=now))
    for flag in q.flags_of_message(session, message.id):
        if flag.kind in RESOLVED_BY_REVIEW and not flag.resolved:
            flag.resolved = True
            session.add(flag)


def _reasons(message: MessageRecord) -> str:
    return "；".join(json.loads(message.trust_reasons or "[]")) or "见 mailbot show"


def _need_name(who: str) -> None:
    if not who.strip():
        raise ReviewError("--by 须写明作出决定的人的姓名，如 --by 王雪倩")

