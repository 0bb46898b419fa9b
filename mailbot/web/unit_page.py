"""单位: one unit's mail, verdicts, findings and replies, its current ledger, downloads from the archive,
and a person's decision over its newest verdict (the same function as `mailbot override`)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from mailbot import queries as q
from mailbot.archive import ArchiveMissing
from mailbot.downloads import content_disposition, content_type
from mailbot.history import ledger_view, mail_view, unit_history
from mailbot.models import AttachmentRecord, MessageRecord
from mailbot.overrides import OverrideError, override
from mailbot.status import unit_states
from mailbot.web.common import chosen_campaign, get_console
from mailbot.web.overview import STATE_CLASS
from mailbot.web.security import login_required

bp = Blueprint("unit_page", __name__)
DECISIONS = ("已受理", "需补正")


@bp.route("/unit/<name>")
@login_required
def unit(name: str):
    console = get_console()
    roster_unit = console.rules.roster.get(name)
    if roster_unit is None:
        abort(404)
    campaign = chosen_campaign()
    with console.store.session() as session:
        state = next(s for s in unit_states(session, console.rules, campaign, console.now()) if s.unit == roster_unit.name)
        newest = q.latest_verdicts(session, campaign.id).get(roster_unit.name)
        ledger = ledger_view(session, campaign, roster_unit, newest)
        mails = unit_history(session, roster_unit.name)
    return render_template("unit.html", unit=roster_unit, state=state, campaign=campaign, ledger=ledger, mails=mails,
                           newest=newest, state_class=STATE_CLASS, decisions=DECISIONS,
                           cutoff=campaign.cutoff_for(roster_unit), last_day=campaign.last_day_for(roster_unit.name),
                           only_marked=request.args.get("rows") == "marked", extension=campaign.spec.extensions.get(roster_unit.name))


@bp.route("/mail/<int:message_id>")
@login_required
def mail(message_id: int):
    with get_console().store.session() as session:
        view = mail_view(session, message_id)
    if view is None:
        abort(404)
    return render_template("mail.html", mail=view)


@bp.route("/file/<int:attachment_id>")
@login_required
def file(attachment_id: int):
    console = get_console()
    with console.store.session() as session:
        record = session.get(AttachmentRecord, attachment_id)
    if record is None or not record.sha256:
        abort(404)
    return _download(record.sha256, record.name.rsplit("/", 1)[-1])


@bp.route("/mail/<int:message_id>/original.eml")
@login_required
def original(message_id: int):
    with get_console().store.session() as session:
        message = session.get(MessageRecord, message_id)
    if message is None:
        abort(404)
    return _download(message.sha256, f"原始邮件-{message_id}.eml", "message/rfc822")


def _download(sha256: str, name: str, kind: str | None = None) -> Response:
    try:
        data = get_console().runtime.archive.get(sha256)
    except ArchiveMissing:
        abort(404)
    response = Response(data, mimetype=kind or content_type(data, name))
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"  # if a browser rendered it anyway
    return response


@bp.route("/override", methods=["POST"])
@login_required
def decide():
    """人工认定 from the unit page or an item of 待处理: the same checks and records as `mailbot override`."""
    back = request.form.get("back", "")
    message = decide_receipt(request.form.get("receipt", ""), request.form.get("decision", ""),
                             request.form.get("comment", ""), request.form.get("notify") == "1")
    flash(*message)
    return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("overview.index"))


def decide_receipt(receipt: str, decision: str, comment: str, notify: bool) -> tuple[str, str]:
    """(message, "ok" | "error") for the person, after recording the decision and sending the notice."""
    console = get_console()
    comment = comment.strip()
    if decision not in DECISIONS:
        return "请选择“已受理”或“需补正”。", "error"
    if decision == "需补正" and not comment:
        return "认定为需补正时，须在“理由”中写明需要补正什么，单位才能照改。", "error"
    try:
        with console.outbox() as drain:
            done = override(console.runtime, receipt, decision, g.user.name, comment, notify, console.now(), via="web")
            if done.notified:
                drain()
    except OverrideError as exc:
        return str(exc), "error"
    told = f"已发邮件告知 {done.notified}。" if done.notified else ("该来信没有发件地址，未能告知单位，请另行联系。" if notify else "")
    return f"已记录：{done.unit}回执 {receipt} 人工认定为“{decision}”（系统结论为“{done.machine_tag}”）。{told}", "ok"
