"""Log in and out."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from mailbot.accounts import log_in
from mailbot.web.common import get_console
from mailbot.web.security import login_required, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    console = get_console()
    target = request.values.get("next", "")
    if request.method == "POST":
        result = log_in(console.store, request.form.get("name", ""), request.form.get("password", ""),
                        request.remote_addr or "", console.now())
        if result.account is None:
            flash(result.refused, "error")
            return render_template("login.html", next=target, name=request.form.get("name", "")), 401
        now = console.now().timestamp()
        session.clear()
        session.permanent = True
        session.update(uid=result.account.id, gen=result.account.generation, login_at=now, seen_at=now)
        return redirect(safe_next(target))
    if g.user is not None:
        return redirect(safe_next(target))
    return render_template("login.html", next=target, name="")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    session.clear()
    flash("已退出登录。", "ok")
    return redirect(url_for("auth.login"))
