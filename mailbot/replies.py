"""The reply a unit receives: rendered from ``outbox_templates/`` (jinja2), text + HTML, UTF-8.

Headers follow RFC 3834 so auto-responders and our own screening never answer
it: Auto-Submitted: auto-replied, X-Auto-Response-Suppress: All, our loop
header carrying the receipt number, and In-Reply-To/References for threading.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from mailbot.dossier import Dossier, Refusal
from mailbot.findings import MAX_NAME, Finding, Severity, Verdict, VerdictTag, shorten
from mailbot.letters import office_letter
from mailbot.mail_types import Office, ParsedMail
from parsers.report import find_dates
from parsers.types import Report
from mailbot.shown import shown

TEMPLATES = Path(__file__).resolve().parents[1] / "outbox_templates"  # beside mailbot/, in the repo and in a wheel install
MISSING_CODES = {"ledger.missing": "整改台账（Excel）", "report.missing": "整改报告（PDF）"}


def environment(templates: Path = TEMPLATES) -> Environment:
    """Every mail mailbot writes is rendered here; each value a template shows passes through
    :func:`mailbot.shown.shown` (direction controls and invisible characters from a mail never reach a reader)."""
    return Environment(loader=FileSystemLoader(str(templates)), undefined=StrictUndefined,
                       autoescape=select_autoescape(["html", "html.j2"]), keep_trailing_newline=True,
                       trim_blocks=True, lstrip_blocks=True, finalize=_shown)


def _shown(value):
    if isinstance(value, Markup):
        return Markup(shown(str(value)))
    return shown(value) if isinstance(value, str) else value


def reply_subject(verdict: Verdict, receipt: str, corrects: str = "") -> str:
    late = "（逾期）" if verdict.late else ""
    unit = verdict.summary.unit or ""
    kind = "更正回执" if corrects else "回执"
    return f"【{verdict.tag.value}】{late}{unit}整改材料{kind}（编号 {receipt}）"


def scan_note(report: Report) -> str:
    """What OCR read on a scanned report, quoted so the unit sees what the checks saw."""
    if not report.from_scan:
        return ""
    read = [f"标题“{shorten(report.title, 40)}”" if report.title else ""]
    closing = [line for line in report.closing_text.splitlines() if line.strip()]
    dated = [i for i, line in enumerate(closing) if find_dates(line)]
    signed = closing[max(0, dated[-1] - 1):dated[-1] + 1] if dated else closing[-2:]  # 落款 and its date
    read.append(f"落款“{shorten(' '.join(signed), 40)}”" if signed else "")
    said = "，".join(part for part in read if part)
    return f"（扫描件，识别出{said}）" if said else "（扫描件）"


def _finding_view(f: Finding) -> dict:
    place = f.place.describe()
    return {"where": f"{place}：" if place else "", "place": place or "—", "message": f.message, "hint": f.hint}


def _once_advised(findings: list[Finding]) -> list[dict]:
    """Warnings as shown: the same advice under 18 photos is given once, under the first."""
    views, given = [], set()
    for f in findings:
        view = _finding_view(f)
        if view["hint"] in given:
            view["hint"] = ""
        given.add(view["hint"])
        views.append(view)
    return views


def context(verdict: Verdict, mail: ParsedMail, dossier: Dossier, receipt: str, received_at: datetime,
            office: Office, now: datetime, corrects: str = "", question: bool = False, confirmed: bool = False) -> dict:
    """What the reply templates show. ``corrects``: the receipt a re-judgement replaces (更正回执)."""
    received_local = office.time_of(received_at)
    files = []
    for lf in dossier.ledgers:
        files.append(f"整改台账《{shorten(lf.name, MAX_NAME)}》")
    for rf in dossier.reports:
        pages = f"，共 {rf.report.pages} 页{scan_note(rf.report)}" if rf.report else ""
        files.append(f"整改报告《{shorten(rf.name, MAX_NAME)}》{pages}")
    for refused in dossier.refused:
        if refused.reason is Refusal.MAIL_PART:
            continue  # not a file the unit named: the finding says what was not read
        if refused.reason is Refusal.LINK:
            files.append(f"{refused.name}的下载链接（系统不下载链接中的文件）")
        elif refused.reason is not Refusal.TOO_MANY:
            files.append(f"《{shorten(refused.name, MAX_NAME)}》（未受理，原因见上）")
    unread = sum(r.reason is Refusal.TOO_MANY for r in dossier.refused)
    if unread:
        files.append(f"另有 {unread} 个文件因附件过多未予读取")
    codes = {f.code for f in verdict.findings}
    missing = "、".join(label for code, label in MISSING_CODES.items() if code in codes)
    ordered = sorted(verdict.findings, key=lambda f: (f.place.file, f.place.seq or 0))
    summary = verdict.summary
    subject = shorten(mail.subject, MAX_NAME) or "（无主题）"
    late = next((f.message for f in verdict.findings if f.code == "deadline.late"), "")  # verdict.late iff found
    return {
        "subject": reply_subject(verdict, receipt, corrects),
        "greeting": summary.unit or "您好",
        "received_line": (f"贵单位于 {received_local} 发来的邮件（主题：“{subject}”）已按修订后的审核规则重新核对，"
                          f"本回执取代此前编号为 {corrects} 的回执。" if corrects else
                          f"贵单位于 {received_local} 发来的邮件（主题：“{subject}”）经县政府办公室核实，现予登记。"
                          if confirmed else f"贵单位于 {received_local} 发来的邮件（主题：“{subject}”）已收到。"),
        "received_local": received_local,
        "receipt": receipt,
        "tag": verdict.tag.value,
        "late": verdict.late,
        "late_line": f"注意：{late}记为逾期报送。" if late else "",  # names the cutoff, extension included
        "errors": [_finding_view(f) for f in ordered if f.severity is Severity.ERROR],
        "warnings": _once_advised([f for f in ordered if f.severity is Severity.WARNING and f.code != "deadline.late"]),
        "received_files": files,
        "summary_line": summary.line() if summary.ledger_file and verdict.tag is not VerdictTag.UNIT_UNKNOWN else "",
        "still_missing": missing,
        "question": question,  # the mail asks something: a person will answer
        "contact": office.phone,
        "office_name": office.name,
        "today": office.date_of(now),
    }


def held_notice(env: Environment, mail: ParsedMail, unit: str | None, address: str, reference: int,
                received_at: datetime, office: Office, now: datetime, staff: bool = False) -> EmailMessage:
    """The one 【待确认】 reply to held mail: it arrived, this address is not the unit's, the office will
    confirm. It says nothing of the files, the checks or any other mail (the sender is not vouched for)."""
    subject = f"【待确认】整改材料已收到（来信编号 {reference}）"
    ctx = {"subject": subject, "greeting": "您好",
           "received_line": f"您于 {office.time_of(received_at)} 发来的邮件（主题：“{shorten(mail.subject, MAX_NAME) or '（无主题）'}”）已收到。",
           "address": address, "unit": unit or "", "reference": reference, "staff": staff,
           "command": review_command(reference, unit), "contact": office.phone, "office_name": office.name,
           "today": office.date_of(now)}
    return office_letter(office, mail.from_address, subject, now.astimezone(office.tz),
                         env.get_template("held.txt.j2").render(ctx), env.get_template("held.html.j2").render(ctx),
                         auto="auto-replied", loop=f"held-{reference}",
                         answering=(mail.message_id, tuple(mail.references)) if mail.message_id else None)


def review_command(reference: int, unit: str | None) -> str:
    """The command a person runs to credit held mail to its unit."""
    return f"mailbot confirm {reference} --unit {unit or '单位名称'} --by 姓名"


def held_commands(kind: str, reference: int, unit: str | None) -> str:
    """How a person at a shell resolves a held (or suspected, or quarantined) mail, said in one sentence."""
    close = f"mailbot reject {reference} --by 姓名 --comment 说明"
    if kind == "quarantined":
        return f"不会计入任何单位，核实后关闭：{close}"
    return f"确认后计入：{review_command(reference, unit)}（加 --register 同时登记该邮箱）；否则：{close}"


def build_reply(env: Environment, ctx: dict, mail: ParsedMail, office: Office, now: datetime) -> EmailMessage:
    return office_letter(office, mail.from_address, ctx["subject"], now.astimezone(office.tz),
                         env.get_template("reply.txt.j2").render(ctx), env.get_template("reply.html.j2").render(ctx),
                         auto="auto-replied", loop=ctx["receipt"],
                         message_id=f"<{ctx['receipt']}.{uuid.uuid4().hex[:12]}@{office.domain}>",
                         answering=(mail.message_id, tuple(mail.references)) if mail.message_id else None)
