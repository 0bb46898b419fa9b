"""汇总: the consolidated workbook to download, and the digest as it would be sent today."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from mailbot.digest import context, render, workbook_name
from mailbot.downloads import CONTENT_TYPES, content_disposition
from mailbot.staff import digest_recipients, progress_for
from mailbot.web.common import chosen_campaign, get_console
from mailbot.web.security import FRAMED_CSP, login_required
from mailbot.workbook import consolidated_workbook
from parsers.types import FileKind

bp = Blueprint("summary", __name__)


def _today():
    console = get_console()
    campaign = chosen_campaign()
    return console, campaign, progress_for(console.runtime, campaign, console.now())


@bp.route("/summary")
@login_required
def index():
    console, campaign, progress = _today()
    ctx = context(progress)
    text, _ = render(console.runtime.templates, ctx)
    return render_template("summary.html", campaign=campaign, digest=ctx, text=text,
                           recipients=digest_recipients(console.runtime, console.settings),
                           workbook=workbook_name(progress))


@bp.route("/summary/digest.html")
@login_required
def digest_html():
    """The digest's HTML, as mail clients show it: framed by the 汇总 page, sandboxed, no script can run."""
    console, campaign, progress = _today()
    _, html = render(console.runtime.templates, context(progress))
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = FRAMED_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/summary/workbook.xlsx")
@login_required
def workbook():
    console, campaign, progress = _today()
    data = consolidated_workbook(progress_for(console.runtime, campaign, console.now(), since_last_digest=False),
                                 console.rules)
    response = Response(data, mimetype=CONTENT_TYPES[FileKind.XLSX])
    response.headers["Content-Disposition"] = content_disposition(workbook_name(progress))
    return response


