"""审计: who did what, newest first, from the console and from the commands."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from mailbot import queries as q
from mailbot.audit import ACTION_LABELS, VIA_LABELS
from mailbot.web.common import get_console
from mailbot.web.security import login_required

bp = Blueprint("audit_page", __name__)
PAGE = 100


@bp.route("/audit")
@login_required
def index():
    action, who = request.args.get("action", ""), request.args.get("who", "").strip()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with get_console().store.session() as session:
        rows = q.audit_entries(session, PAGE + 1, (page - 1) * PAGE, action if action in ACTION_LABELS else "", who)
    return render_template("audit.html", rows=rows[:PAGE], more=len(rows) > PAGE, page=page, action=action, who=who,
                           actions=ACTION_LABELS, via=VIA_LABELS)
