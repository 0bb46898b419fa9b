"""总览: every unit's state, the headline counts and the progress picture of the digest, filters and search."""

from __future__ import annotations

import re

from flask import Blueprint, redirect, render_template, request, url_for

from mailbot import queries as q
from mailbot.digest import URGENCY, context
from mailbot.models import VerdictRecord
from mailbot.progress import Progress
from mailbot.roster import normalize_name
from mailbot.staff import progress_for
from mailbot.status import ACCEPTED, NEEDS_FIX, NOT_SUBMITTED, OVERDUE, UNIT_UNKNOWN
from mailbot.web.common import chosen_campaign, get_console
from mailbot.web.security import login_required

bp = Blueprint("overview", __name__)
STATE_FILTERS = {"": "全部状态", NEEDS_FIX: NEEDS_FIX, NOT_SUBMITTED: NOT_SUBMITTED, OVERDUE: OVERDUE,
                 ACCEPTED: ACCEPTED, "late": "有逾期标记"}
KIND_FILTERS = {"": "全部单位", "乡镇": "乡镇", "部门": "部门"}
STATE_CLASS = {ACCEPTED: "ok", NEEDS_FIX: "bad", NOT_SUBMITTED: "none", OVERDUE: "late", UNIT_UNKNOWN: "late"}
RECEIPT = re.compile(r"^\d{8}-\d{5}$")


@bp.route("/")
@login_required
def index():
    console = get_console()
    campaign = chosen_campaign()
    found = request.args.get("q", "").strip()
    if RECEIPT.match(found):
        with console.store.session() as session:
            verdict = q.verdict_by_receipt(session, found)
        if verdict is not None:
            return redirect(receipt_url(verdict))
    progress = progress_for(console.runtime, campaign, console.now(), since_last_digest=False)
    state, kind = request.args.get("state", ""), request.args.get("kind", "")
    rows = [s for s in sorted(progress.states, key=lambda s: URGENCY.get(s.state, 9))
            if _matches(s, state, kind, found, console.rules.roster)]
    return render_template("overview.html", campaign=campaign, progress=progress, digest=context(progress),
                           rows=rows, state=state, kind=kind, found=found, states=STATE_FILTERS, kinds=KIND_FILTERS,
                           state_class=STATE_CLASS, pictures=pictures(progress), not_found=found and not rows)


def receipt_url(verdict: VerdictRecord) -> str:
    if verdict.unit:
        return url_for("unit_page.unit", name=verdict.unit, c=verdict.campaign) + f"#m{verdict.message_id}"
    return url_for("unit_page.mail", message_id=verdict.message_id)


def _matches(s, state: str, kind: str, found: str, roster) -> bool:
    if state == "late" and not s.late or state and state != "late" and s.state != state:
        return False
    if kind and s.kind != kind:
        return False
    if found:
        unit = roster.get(s.unit)
        key = normalize_name(found)
        names = (s.unit, *(unit.aliases if unit else ()))
        return any(key in normalize_name(n) for n in names) or found == s.receipt
    return True


def pictures(progress: Progress) -> dict:
    """The digest's progress bar and daily chart as SVG geometry (no inline styles: the page's CSP forbids them)."""
    total = len(progress.states) or 1
    x, bar = 0.0, []
    for label, value, css in ((ACCEPTED, progress.count(ACCEPTED), "ok"), (NEEDS_FIX, progress.count(NEEDS_FIX), "bad"),
                              (NOT_SUBMITTED, progress.missing, "none")):
        width = 1000 * value / total
        bar.append({"label": label, "value": value, "x": round(x, 1), "width": round(width, 1), "css": css,
                    "mid": round(x + width / 2, 1)})
        x += width
    best = max((n for _, n in progress.daily_accepted), default=0) or 1
    daily = [{"label": day, "value": n, "y": 22 * i, "width": max(2, round(600 * n / best))}
             for i, (day, n) in enumerate(progress.daily_accepted[-14:])]
    return {"bar": bar, "daily": daily, "daily_height": 22 * len(daily)}
