"""The daily digest for office staff: one mail, HTML + text, the consolidated workbook attached."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from jinja2 import Environment

from mailbot.progress import FLAG_LABELS, NO_ANSWER, Progress
from mailbot.letters import office_letter
from mailbot.mail_types import Office
from mailbot.status import ACCEPTED, NEEDS_FIX, NOT_SUBMITTED, OVERDUE, UNIT_UNKNOWN

# the roster in the digest: what needs chasing first, roster order within each state (sorted() is stable)
URGENCY = {NEEDS_FIX: 0, UNIT_UNKNOWN: 1, OVERDUE: 2, NOT_SUBMITTED: 3, ACCEPTED: 4}
XLSX = "application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLOURS = {ACCEPTED: "#1a7f37", NEEDS_FIX: "#cf222e", NOT_SUBMITTED: "#8c959f", OVERDUE: "#bf8700"}
LIGHT = {ACCEPTED: "#dafbe1", NEEDS_FIX: "#ffebe9", NOT_SUBMITTED: "#f6f8fa", OVERDUE: "#fff8c5",
         UNIT_UNKNOWN: "#fff8c5", "完成整改": "#dafbe1", "正在整改": "#fff8c5", "未整改": "#ffebe9",
         NO_ANSWER: "#f6f8fa"}


def workbook_name(progress: Progress) -> str:
    zone = ZoneInfo(progress.campaign.spec.deadline.timezone)
    return f"汇总台账_{progress.now.astimezone(zone):%Y%m%d}.xlsx"


def context(progress: Progress) -> dict:
    zone = ZoneInfo(progress.campaign.spec.deadline.timezone)
    total = len(progress.states)
    accepted, fixing, missing = progress.count(ACCEPTED), progress.count(NEEDS_FIX), progress.missing
    days = progress.days_left
    cutoff = progress.campaign.cutoff_for(None).astimezone(zone)
    deadline_line = (f"距截止还有 {days} 天（{progress.campaign.spec.deadline.date} 前）" if days > 0 else
                     "今天是报送截止日" if days == 0 else f"已于 {cutoff:%Y年%m月%d日 %H:%M} 截止")
    when = lambda moment: moment.astimezone(zone).strftime("%m-%d %H:%M") if moment else ""  # noqa: E731
    bar = [(ACCEPTED, accepted), (NEEDS_FIX, fixing), (NOT_SUBMITTED, missing)]
    statuses = (*progress.campaign.spec.statuses.allowed, NO_ANSWER)
    best_day = max((n for _, n in progress.daily_accepted), default=1) or 1
    return {
        "subject": f"【报送日报】{progress.campaign.spec.title}：已受理 {accepted}/{total}",
        "title": f"报送情况日报：{progress.campaign.spec.title}",
        "doc_number": progress.campaign.spec.doc_number,
        "today": progress.now.astimezone(zone).strftime("%Y年%m月%d日"),
        "deadline_line": deadline_line,
        "headline_sentence": f"应报送 {total} 个单位，已受理 {accepted}，需补正 {fixing}，未报送 {missing}，"
                             f"逾期 {progress.late}；{deadline_line}。",
        "headline": [
            {"label": "应报送", "value": total, "bg": "#ffffff", "fg": "#222"},
            {"label": ACCEPTED, "value": accepted, "bg": LIGHT[ACCEPTED], "fg": COLOURS[ACCEPTED]},
            {"label": NEEDS_FIX, "value": fixing, "bg": LIGHT[NEEDS_FIX], "fg": COLOURS[NEEDS_FIX]},
            {"label": NOT_SUBMITTED, "value": missing, "bg": LIGHT[NOT_SUBMITTED], "fg": "#57606a"},
            {"label": "逾期", "value": progress.late, "bg": LIGHT[OVERDUE], "fg": COLOURS[OVERDUE]},
        ],
        "bar": [{"label": label, "value": value, "percent": round(100 * value / total) if total else 0,
                 "bg": COLOURS.get(label, COLOURS[NOT_SUBMITTED])} for label, value in bar],
        "daily": [{"label": day, "value": n, "width": max(2, round(300 * n / best_day))}
                  for day, n in progress.daily_accepted],
        "changes": [f"{when(c.when)} {c.unit}：{c.tag}{'（逾期）' if c.late else ''}（回执 {c.receipt}"
                    f"{'；' + c.sender if c.sender else ''}）" for c in progress.changes],
        "attention": [{"label": FLAG_LABELS.get(a.kind, a.kind), "detail": a.detail + a.todo, "when": when(a.when)}
                      for a in progress.attention],
        "roster": [{"unit": s.unit, "state": s.state + ("（逾期）" if s.late and s.state != OVERDUE else ""),
                    "bg": LIGHT.get(s.state, "#ffffff"), "last": when(s.last_mail), "errors": s.open_findings or "",
                    "receipt": s.receipt} for s in sorted(progress.states, key=lambda s: URGENCY.get(s.state, 9))],
        "status_names": statuses,
        "problems": [{"seq": p.seq, "problem": p.problem if len(p.problem) <= 40 else p.problem[:39] + "…",
                      "expected": p.expected,
                      "cells": [{"value": p.counts.get(s, 0), "bg": LIGHT.get(s, "#ffffff") if p.counts.get(s) else "#ffffff"}
                                for s in statuses]} for p in progress.problems],
        "workbook_name": workbook_name(progress),
    }


def render(env: Environment, ctx: dict) -> tuple[str, str]:
    return env.get_template("digest.txt.j2").render(ctx), env.get_template("digest.html.j2").render(ctx)


def digest_message(env: Environment, progress: Progress, workbook: bytes, office: Office, to: tuple[str, ...],
                   now: datetime) -> EmailMessage:
    ctx = context(progress)
    text, html = render(env, ctx)
    msg = office_letter(office, ", ".join(to), ctx["subject"], now, text, html)
    msg.add_attachment(workbook, maintype=XLSX[0], subtype=XLSX[1], filename=ctx["workbook_name"])
    return msg
