"""What office staff receive: the digest (with the consolidated workbook), exports and reminders.

Plain functions over the runtime; the daemon's scheduler and the CLI both call them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from mailbot import queries as q
from mailbot import store as db
from mailbot.digest import context, digest_message, render, workbook_name
from mailbot.letters import office_letter
from mailbot.models import DigestRecord
from mailbot.outbox import queue
from mailbot.runtime import Runtime
from mailbot.progress import Progress, build_progress
from mailbot.reminders import Reminder, due_reminders, queue_reminders
from mailbot.rules import Campaign
from mailbot.settings import Settings
from mailbot.workbook import consolidated_workbook


def progress_for(rt: Runtime, campaign: Campaign, now: datetime, since_last_digest: bool = True) -> Progress:
    with rt.store.session() as session:
        since = q.last_digest_at(session, campaign.id) if since_last_digest else None
        return build_progress(session, rt.rules, campaign, now, since)


def digest_recipients(rt: Runtime, settings: Settings) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*rt.rules.roster.staff, *(a.lower() for a in settings.digest.recipients))))


def queue_digest(rt: Runtime, settings: Settings, campaign: Campaign, now: datetime, once: str | None = None) -> int:
    """The digest into the outbox (one row per recipient) and remembered as sent, in one transaction.

    ``once``: the scheduled digest's key (campaign and day): of several workers, one sends it.
    """
    recipients = digest_recipients(rt, settings)
    if not recipients:
        return 0
    progress = progress_for(rt, campaign, now)
    message = digest_message(rt.templates, progress, consolidated_workbook(progress, rt.rules), rt.office,
                             recipients, now)
    with rt.store.session() as session:
        queue(session, message, *recipients)
        session.add(DigestRecord(campaign=campaign.id, created_at=now, recipients=", ".join(recipients)))
        if once is None:
            session.commit()
        elif not db.commit_once(session, once):
            return 0
    return len(recipients)


def preview_digest(rt: Runtime, campaign: Campaign, folder: Path, now: datetime) -> list[Path]:
    """digest.html, digest.txt and the workbook in ``folder``, for looking at; nothing is sent or recorded."""
    progress = progress_for(rt, campaign, now)
    text, html = render(rt.templates, context(progress))
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "digest.html", folder / "digest.txt", folder / workbook_name(progress)]
    paths[0].write_text(html, encoding="utf-8")
    paths[1].write_text(text, encoding="utf-8")
    paths[2].write_bytes(consolidated_workbook(progress, rt.rules))
    return paths


def export_workbook(rt: Runtime, campaign: Campaign, path: Path, now: datetime) -> Path:
    path.write_bytes(consolidated_workbook(progress_for(rt, campaign, now, since_last_digest=False), rt.rules))
    return path


def reminders_due(rt: Runtime, settings: Settings, campaign: Campaign, now: datetime) -> list[Reminder]:
    with rt.store.session() as session:
        return due_reminders(session, rt, campaign, settings.reminders, settings.timezone, now)


def send_reminders(rt: Runtime, settings: Settings, campaign: Campaign, now: datetime) -> int:
    return queue_reminders(rt, campaign, reminders_due(rt, settings, campaign, now), settings.timezone, now)


def queue_rules_alert(rt: Runtime, version: str, problems: list[str]) -> int:
    """Tell the staff that an edit of rules/ (``version``) was refused and which rules are still in force;
    once per version, however many workers found it."""
    staff = rt.rules.roster.staff
    if not staff:
        return 0
    lines = "\n".join(f"  · {p}" for p in problems)
    message = office_letter(rt.office, ", ".join(staff), "【规则修改未生效】rules/ 中的修改有误，系统仍按原规则运行",
                            rt.clock(), f"对 rules/ 的最近一次修改有以下错误，未予采用；系统仍按版本 {rt.rules.version} "
                            f"的规则运行：\n\n{lines}\n\n请改正后保存，系统会自动重新加载；可先运行 `mailbot rules check` 检查。")
    with rt.store.session() as session:
        queue(session, message, *staff)
        if not db.commit_once(session, f"rules-refused/{version}"):
            return 0
    return len(staff)
