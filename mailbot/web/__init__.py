"""The staff console (`mailbot web`): server-rendered Chinese pages over the daemon's database and rules.

Only this package imports Flask. Every action calls the same function as the matching command
(override, flags, rules), so the console and the shell take the same locks and write the same
records, with the logged-in person as who did it.
"""

from __future__ import annotations

from flask import Flask, g, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from mailbot import queries as q
from mailbot.history import KIND_LABELS
from mailbot.web import audit_page, auth, overview, pending, rules_page, summary, unit_page
from mailbot.web.common import KEY, Lines, finalize, size, when
from mailbot.web.console import Console
from mailbot.web.security import configure


def create_app(console: Console) -> Flask:
    app = Flask(__name__)
    app.extensions[KEY] = console
    configure(app, console)
    CSRFProtect(app)
    app.jinja_env.finalize = finalize
    app.jinja_env.filters.update(when=when, size=size, kind=lambda k: KIND_LABELS.get(k, k or "—"),
                                  lines=Lines)
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    for module in (auth, overview, unit_page, pending, summary, rules_page, audit_page):
        app.register_blueprint(module.bp)
    if console.settings.web.trusted_proxies:
        n = console.settings.web.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)

    @app.context_processor
    def common():
        if g.get("user") is None:
            return {"open_items": 0}
        with console.store.session() as session:
            return {"open_items": len(q.flags(session)), "rules_refused": console.refused,
                    "campaigns": console.rules.campaigns}

    def error(code: int, title: str, text: str):
        return lambda exc: (render_template("error.html", title=title, text=text), code)

    app.register_error_handler(CSRFError, error(400, "请求未被接受",
                                                "页面已过期或请求来源不明（缺少安全校验）。请返回上一页、刷新后再操作。"))
    app.register_error_handler(401, error(401, "请先登录", "登录已失效，请重新登录后再操作。"))
    app.register_error_handler(403, error(403, "没有权限", "此页面仅限管理员使用。"))
    app.register_error_handler(404, error(404, "找不到页面", "要查看的内容不存在，可能已被删除或地址有误。"))
    app.register_error_handler(405, error(405, "请求未被接受", "此操作只能通过页面上的按钮进行。"))
    return app


def serve(console: Console, host: str, port: int) -> None:
    """Serve with waitress (a production WSGI server) until Ctrl-C / SIGTERM."""
    from waitress import serve as waitress_serve

    waitress_serve(create_app(console), host=host, port=port, threads=console.settings.web.threads,
                   ident="mailbot", clear_untrusted_proxy_headers=True)
