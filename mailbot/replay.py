"""`mailbot rules replay`: judge the stored mail again with the rules as edited now, and say what changes.

Each unit's newest verdict is rebuilt from the archive (the raw mail, its ledger and its report by
sha256) and judged with the current rules. Nothing is sent unless ``apply``: then each changed
verdict is recorded anew with a corrected reply (【更正回执】) through the usual outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlmodel import select

from mailbot import store as q
from mailbot.archive import ArchiveMissing
from mailbot.dossier import Dossier
from mailbot.identify import identify
from mailbot.intake import Accepted, read_attachments
from mailbot.judge import judge
from mailbot.mail_types import RawMail
from mailbot.models import FindingRecord, MessageRecord
from mailbot.pipeline import Runtime, _record, first_submission, prepare
from mailbot.rules import Campaign
from parsers.sniff import make_attachment


@dataclass(frozen=True)
class ReplayChange:
    unit: str
    receipt: str
    old_tag: str
    new_tag: str
    added: tuple[str, ...] = ()  # finding codes (with severity) that appear now
    removed: tuple[str, ...] = ()  # that disappear
    missing: str = ""  # why this unit could not be judged again (its files are not in the archive)

    @property
    def changed(self) -> bool:
        return not self.missing and (self.old_tag != self.new_tag or bool(self.added or self.removed))

    def describe(self) -> str:
        if self.missing:
            return f"{self.unit}（回执 {self.receipt}）：未能重审。{self.missing}"
        head = f"{self.unit}（回执 {self.receipt}）：{self.old_tag}" + (
            f" → {self.new_tag}" if self.old_tag != self.new_tag else "（结论不变）")
        parts = [f"  + {code}" for code in self.added] + [f"  - {code}" for code in self.removed]
        return "\n".join([head, *parts])


def replay(rt: Runtime, campaign: Campaign, since: date | None = None, unit: str | None = None,
           apply: bool = False) -> list[ReplayChange]:
    changes = []
    with rt.store.session() as session:
        latest = q.latest_verdicts(session, campaign.id)
        for name, old in latest.items():
            if unit and name != unit:
                continue
            if since and old.received_at < datetime.combine(since, time(0), tzinfo=timezone.utc):
                continue
            message = session.get(MessageRecord, old.message_id)
            try:
                raw = RawMail(message.mailbox, message.key, rt.archive.get(message.sha256), message.received_at)
                files = [make_attachment(n.rsplit("/", 1)[-1], rt.archive.get(sha)) for n, sha in
                         ((old.ledger_name, old.ledger_sha256), (old.report_name, old.report_sha256)) if sha]
            except ArchiveMissing as missing:
                changes.append(ReplayChange(name, old.receipt, old.tag, old.tag, missing=str(missing)))
                continue
            prepared = prepare(raw, rt)
            stored = read_attachments(files, [], Accepted.of(campaign), rt.sandbox)
            dossier = Dossier(stored.ledgers, stored.reports, prepared.current.refused)
            identity = identify(prepared.mail, prepared.current, rt.rules.roster, rt.staff)
            verdict = judge(dossier, campaign, rt.rules.roster, rt.rules.version, rt.rules.roster.get(name), identity,
                            message.received_at, first_submission(session, name, campaign))
            before = {f"{f.code}（{f.severity}）" for f in
                      session.exec(select(FindingRecord).where(FindingRecord.verdict_id == old.id))}
            after = {f"{f.code}（{f.severity.value}）" for f in verdict.findings}
            change = ReplayChange(name, old.receipt, old.tag, verdict.tag.value,
                                  tuple(sorted(after - before)), tuple(sorted(before - after)))
            changes.append(change)
            if apply and change.changed:
                _record(session, message.id, prepared.mail, raw, campaign, prepared.current, dossier, identity,
                        verdict, None, rt)
    return changes
