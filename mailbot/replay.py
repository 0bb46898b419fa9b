"""`mailbot rules replay`: judge the stored mail again with the rules as edited now, and say what changes.

Each unit's newest verdict, and each mail whose unit could not be determined, is judged again from
the archive through the same steps as a new mail (:func:`mailbot.pipeline.prepare` and
:func:`~mailbot.pipeline.judge_mail`), so a replayed verdict is exactly what that mail would get now.
Nothing is written or sent unless ``apply``: then each changed verdict is recorded anew with a
【更正回执】 naming the receipt it replaces. A person's decision (`mailbot override`) is never
replaced by the machine's: such units are shown, not changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time

from mailbot import queries as q
from mailbot import store as db
from mailbot.archive import ArchiveMissing
from mailbot.checks import all_issues
from mailbot.findings import Place, Severity
from mailbot.mail_types import RawMail
from mailbot.models import MessageRecord, VerdictRecord
from mailbot.pipeline import judge_mail, prepare, trust_of
from mailbot.replies import review_command
from mailbot.record import Judged, record_verdict
from mailbot.rules import Campaign
from mailbot.runtime import Runtime
from parsers.sandbox import ParserStalled

UNKNOWN_UNIT = "无法确认单位的来信"


@dataclass(frozen=True)
class Seen:
    """A finding as the unit sees it: which problem, how serious, where. Rewording is no change, nor is
    a file renamed: the file is shown, not compared."""

    code: str
    severity: str
    sheet: str = ""
    cell: str = ""
    seq: int | None = None
    page: int | None = None
    file: str = field(default="", compare=False)

    def describe(self, titles: dict[str, str], was: str = "") -> str:
        """「title」（需补正）：place; with ``was`` (the old severity): 「title」由提示改为需补正：place."""
        place = Place(file=self.file, sheet=self.sheet, cell=self.cell, seq=self.seq, page=self.page).describe()
        label = Severity(self.severity).label
        grade = f"由{Severity(was).label}改为{label}" if was else f"（{label}）"
        return f"「{titles.get(self.code, self.code)}」{grade}" + (f"：{place}" if place else "")

    @property
    def spot(self) -> tuple:
        """The same problem at the same place, whatever its severity."""
        return self.code, self.sheet, self.cell, self.seq, self.page

    def key(self) -> tuple:
        return self.code, self.severity, self.sheet, self.cell, self.seq or 0, self.page or 0


@dataclass(frozen=True)
class ReplayChange:
    unit: str  # the unit as judged now (UNKNOWN_UNIT when still unknown)
    receipt: str
    old: str  # "需补正", "已受理（逾期）", "无法确认单位"
    new: str = ""
    added: tuple[Seen, ...] = ()  # findings that appear now
    removed: tuple[Seen, ...] = ()  # findings that disappear
    was_unit: str = ""  # the unit of the old verdict
    old_version: str = ""  # the rules version that gave the old verdict
    kept: str = ""  # why the change is shown but not applied (a person decided; a newer mail)
    missing: str = ""  # why this mail could not be judged again

    @property
    def changed(self) -> bool:
        return not self.missing and (self.old != self.new or bool(self.added or self.removed))

    @property
    def applies(self) -> bool:
        return self.changed and not self.kept

    def describe(self, titles: dict[str, str]) -> str:
        who = f"{self.was_unit} → {self.unit}" if self.was_unit and self.was_unit != self.unit else self.unit
        version = f"，原依据规则版本 {self.old_version}" if self.old_version else ""
        head = f"{who}（回执 {self.receipt}{version}）："
        if self.missing:
            return f"{head}未能重审。{self.missing}"
        head += f"{self.old} → {self.new}" if self.old != self.new else f"{self.old}（结论不变）"
        was = {s.spot: s.severity for s in self.removed}
        now = {s.spot for s in self.added}
        lines = [head] + [f"  {'' if s.spot in was else '新增：'}{s.describe(titles, was.get(s.spot, ''))}"
                          for s in self.added] + \
            [f"  不再有：{s.describe(titles)}" for s in self.removed if s.spot not in now]
        if self.kept:
            lines.append(f"  （{self.kept}）")
        return "\n".join(lines)


BUSY = "服务器过于繁忙，附件未能读完，请稍后重试"


def replay(rt: Runtime, campaign: Campaign, since: date | None = None, unit: str | None = None,
           apply: bool = False) -> list[ReplayChange]:
    """Every replayed mail's change (or why it could not be replayed); with ``apply``, changed ones recorded."""
    start = datetime.combine(since, time(0), tzinfo=rt.office.tz) if since else None
    changes = []
    with rt.store.session() as session:
        latest = q.latest_verdicts(session, campaign.id)
        olds = [v for name, v in latest.items() if unit in (None, name)] + q.unidentified_verdicts(session, campaign.id)
        stalled = _read_scans(session, rt, [old for old in olds if not (start and old.received_at < start)])
        for old in olds:
            if start and old.received_at < start:
                continue
            if old.message_id in stalled:
                change = ReplayChange(old.unit or UNKNOWN_UNIT, old.receipt, _shown(old.tag, old.late), missing=BUSY)
            else:
                if apply:  # judged and recorded as one, while the daemon may be recording too
                    db.begin_write(session)
                change = _replay_one(session, rt, campaign, old, latest, apply)
            if not (apply and change.applies):
                session.rollback()  # nothing recorded: the unit's lock (and SQLite's write lock) let go at once
            if unit is None or change.unit == unit or change.was_unit == unit:
                changes.append(change)
    return changes


def _replay_one(session, rt: Runtime, campaign: Campaign, old: VerdictRecord, latest: dict[str, VerdictRecord],
                apply: bool) -> ReplayChange:
    message = session.get(MessageRecord, old.message_id)
    was = _shown(old.tag, old.late)
    try:
        data = rt.archive.head(message.sha256) if message.too_large_bytes else rt.archive.get(message.sha256)
        raw = RawMail(message.mailbox, message.key, data, message.received_at, too_large_bytes=message.too_large_bytes)
        prepared = prepare(raw, rt)
        if isinstance(prepared.error, ParserStalled):
            raise prepared.error
        if prepared.current is not None:  # scans as read when the mail came (or just now, by _read_scans)
            prepared = replace(prepared, current=rt.scans.cached(prepared.current))
        if prepared.error is not None or not prepared.screen.answer:
            why = f"处理出错：{prepared.error}" if prepared.error else f"按现行规则不予回复（{prepared.screen.reason}）"
            return ReplayChange(old.unit or UNKNOWN_UNIT, old.receipt, was, missing=why)
        judged = judge_mail(session, prepared.mail, prepared.current, campaign, message.received_at, rt)
    except ArchiveMissing as lost:
        return ReplayChange(old.unit or UNKNOWN_UNIT, old.receipt, was, missing=str(lost))
    except ParserStalled:  # re-reading an earlier file of the unit's dossier: the machine, not the file
        return ReplayChange(old.unit or UNKNOWN_UNIT, old.receipt, was, missing=BUSY)
    before = {_seen(f.code, f.severity, f) for f in q.findings_of(session, old.id)}
    after = {_seen(f.code, f.severity.value, f.place) for f in judged.verdict.findings}
    now_unit = judged.verdict.summary.unit
    change = ReplayChange(now_unit or UNKNOWN_UNIT, old.receipt, was,
                          _shown(judged.verdict.tag.value, judged.verdict.late),
                          tuple(sorted(after - before, key=Seen.key)), tuple(sorted(before - after, key=Seen.key)),
                          was_unit=old.unit or UNKNOWN_UNIT, old_version=old.rules_version,
                          kept=_untrusted(rt, campaign, old, prepared, now_unit, message.id)
                          or _kept(session, old, judged, latest))
    if apply and change.applies:
        record_verdict(session, message.id, prepared.mail, raw, judged, prepared.sizes, rt, corrects=old.receipt)
    return change


def _untrusted(rt: Runtime, campaign: Campaign, old: VerdictRecord, prepared, unit: str | None, message_id: int) -> str:
    """Mail of an unknown unit that now names one is credited only if its sender may write for that
    unit (mailbot.trust): otherwise a person decides, as for new held mail."""
    if old.unit is not None or unit is None:
        return ""
    decision = trust_of(prepared.mail, prepared, campaign, rt)
    if decision.credits:
        return ""
    return (f"发件邮箱不能自行代表“{unit}”报送（{decision.trust.label}），须人工确认："
            f"{review_command(message_id, unit)}")


def _read_scans(session, rt: Runtime, olds: list[VerdictRecord]) -> set[int]:
    """Read by OCR the scans no reading is on record for (OCR installed after they came), before any write
    lock is taken: reading takes seconds, and the reading is recorded in its own transaction.
    Returns the messages whose files the busy server could not read now (not replayed, said so)."""
    stalled: set[int] = set()
    if not rt.scans.enabled:
        return stalled
    for old in olds:
        message = session.get(MessageRecord, old.message_id)
        try:
            prepared = prepare(RawMail(message.mailbox, message.key, rt.archive.get(message.sha256), message.received_at), rt)
        except ArchiveMissing:
            continue  # said by _replay_one
        if isinstance(prepared.error, ParserStalled):
            stalled.add(message.id)
        elif prepared.current is not None and rt.scans.pending(rt.scans.cached(prepared.current)):
            rt.scans.read(prepared.current, rt.archive.get)
    session.rollback()
    return stalled


def _kept(session, old: VerdictRecord, judged: Judged, latest: dict[str, VerdictRecord]) -> str:
    """Why a change must not be applied, or ""."""
    newer_now = q.newest_verdict_after(session, old) if old.unit else None  # recorded by a worker meanwhile
    if newer_now is not None:
        return f"该单位已有更新的报送（回执 {newer_now.receipt}），以最新一次报送为准"
    decided = q.override_of(session, old.id)
    if decided is not None:
        return f"已由{decided.by}人工认定为“{decided.tag}”，重审不改变人工结论；如需改变，请再次使用 mailbot override"
    unit = judged.verdict.summary.unit
    newer = latest.get(unit) if unit and unit != old.unit else None
    if newer is not None and newer.received_at > old.received_at:
        return f"该单位已有更新的报送（回执 {newer.receipt}），不以这封较早的来信为准"
    return ""


def _seen(code: str, severity: str, place) -> Seen:
    return Seen(code, severity, place.sheet or "", place.cell or "", place.seq, place.page, place.file or "")


def _shown(tag: str, late: bool) -> str:
    return tag + ("（逾期）" if late else "")


def issue_titles() -> dict[str, str]:
    return {issue.code: issue.title for issue in all_issues()}
