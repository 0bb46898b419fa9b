"""Logins, sessions and the headers every answer carries.

A session is Flask's signed cookie holding the account id, the account's generation (a password
reset or a disabling ends it), when the login happened and when a page was last opened: it ends
after ``session_hours`` whatever happens, and after ``idle_minutes`` without a page. The account
is read from the database on every request, so a disabled account is out at once.
"""

from __future__ import annotations

import functools
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, abort, flash, g, redirect, request, session, url_for

from mailbot.accounts import current
from mailbot.web.console import Console

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
# the digest preview only: the digest is mail HTML with inline styles; shown sandboxed, scripts never run
FRAMED_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # never to another site; Flask-WTF checks it on HTTPS (WTF_CSRF_SSL_STRICT)
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def secret_key(var_dir: Path) -> bytes:
    """The key that signs sessions and CSRF tokens: made once, kept in the state folder (mode 0600), so
    logins survive a restart and every console process on the machine shares it."""
    path = Path(var_dir) / "console-secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(descriptor, "wb") as file:
        file.write(secrets.token_bytes(32))
    return path.read_bytes()


def configure(app: Flask, console: Console) -> None:
    web = console.settings.web
    app.config.update(
        SECRET_KEY=secret_key(console.settings.var_dir),
        SESSION_COOKIE_NAME="mailbot_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=web.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=web.session_hours),
        WTF_CSRF_TIME_LIMIT=int(web.session_hours * 3600),
        WTF_CSRF_SSL_STRICT=web.secure_cookies,
        MAX_CONTENT_LENGTH=1024 * 1024,  # forms only: nothing is uploaded to the console
    )

    @app.before_request
    def load_user() -> None:
        g.user = None
        if "uid" not in session:
            return
        now = console.now().timestamp()
        started, seen = session.get("login_at", 0), session.get("seen_at", 0)
        if now - started > web.session_hours * 3600 or now - seen > web.idle_minutes * 60:
            session.clear()
            g.expired = True
            return
        g.user = current(console.store, session["uid"], session.get("gen", -1))
        if g.user is None:  # disabled, or its password was reset: every session of it ends
            session.clear()
            return
        session["seen_at"] = now

    @app.after_request
    def headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cache-Control", "no-store")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.user is None:
            if request.method != "GET":
                abort(401)
            if getattr(g, "expired", False):
                flash("登录已超时，请重新登录。", "error")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


def admin_required(view):
    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not g.user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def safe_next(target: str | None) -> str:
    """Where to go after login: a path of this console only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("overview.index")
    return target
