"""Console accounts and the console itself: `mailbot user …` and `mailbot web`."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone

import click

from mailbot.cli_context import Context, Refused


def _password(env: str | None) -> str:
    """From ``--password-env VAR`` (scripts), else asked twice on the terminal, never echoed."""
    from mailbot.accounts import password_problem

    if env:
        if env not in os.environ:
            raise Refused(f"环境变量 {env} 未设置")
        password = os.environ[env]
        if problem := password_problem(password):
            raise Refused(f"环境变量 {env} 中的密码不可用：{problem}")
        return password
    if not sys.stdin.isatty():
        raise Refused("请在终端上运行以输入密码，或用 --password-env 变量名 从环境变量读取密码")
    for _ in range(3):
        first = click.prompt("密码（输入时不显示）", hide_input=True, show_default=False, err=True)
        if problem := password_problem(first):
            click.echo(problem, err=True)
            continue
        if click.prompt("再输入一次", hide_input=True, show_default=False, err=True) == first:
            return first
        click.echo("两次输入的密码不一致，请重新输入。", err=True)
    raise Refused("没有设定密码，账号未作改动")


@click.group()
def user() -> None:
    """网页控制台的账号：新建、列出、停用、启用、重设密码。"""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["staff", "admin"]), required=True,
              help="staff：工作人员（查看、处理待办事项）；admin：管理员（另可修改规则）。")
@click.option("--password-env", metavar="VAR", help="从这个环境变量读取密码（供脚本使用）；不指定时在终端上输入两次。")
@click.option("--by", "who", help="操作人（记入操作记录），默认为当前系统用户。")
@click.pass_obj
def user_add(obj: Context, name: str, role: str, password_env: str | None, who: str | None) -> None:
    """新建账号。"""
    from mailbot.accounts import ROLES, AccountError, add_user
    from mailbot.audit import Actor

    store = obj.store()
    password = _password(password_env)
    try:
        add_user(store, name.strip(), role, password, Actor.at_shell(who), _now())
    except AccountError as exc:
        raise Refused(str(exc)) from exc
    click.echo(f"已新建{ROLES[role]}账号 {name.strip()}。用 mailbot web 启动网页控制台后即可登录。")


@user.command("list")
@click.pass_obj
def user_list(obj: Context) -> None:
    """列出全部账号。"""
    from mailbot.accounts import list_users

    accounts = list_users(obj.store())
    if not accounts:
        click.echo("还没有账号。新建：mailbot user add 用户名 --role staff（或 admin）")
    for a in accounts:
        click.echo(f"{a.name}\t{a.role_label}\t{'启用' if a.active else '已停用'}\t建立于 {a.created_at:%Y-%m-%d}")


@user.command("disable")
@click.argument("name")
@click.option("--by", "who", help="操作人（记入操作记录），默认为当前系统用户。")
@click.pass_obj
def user_disable(obj: Context, name: str, who: str | None) -> None:
    """停用账号（立即退出其所有登录；记录保留，可再启用）。"""
    _active(obj, name, False, who)


@user.command("enable")
@click.argument("name")
@click.option("--by", "who", help="操作人（记入操作记录），默认为当前系统用户。")
@click.pass_obj
def user_enable(obj: Context, name: str, who: str | None) -> None:
    """重新启用停用的账号。"""
    _active(obj, name, True, who)


def _active(obj: Context, name: str, active: bool, who: str | None) -> None:
    from mailbot.accounts import AccountError, set_active
    from mailbot.audit import Actor

    try:
        set_active(obj.store(), name, active, Actor.at_shell(who), _now())
    except AccountError as exc:
        raise Refused(str(exc)) from exc
    click.echo(f"账号 {name} 已{'启用' if active else '停用，其登录已全部失效'}。")


@user.command("reset")
@click.argument("name")
@click.option("--password-env", metavar="VAR", help="从这个环境变量读取新密码；不指定时在终端上输入两次。")
@click.option("--by", "who", help="操作人（记入操作记录），默认为当前系统用户。")
@click.pass_obj
def user_reset(obj: Context, name: str, password_env: str | None, who: str | None) -> None:
    """重设密码（该账号已有的登录全部失效）。"""
    from mailbot.accounts import AccountError, reset_password
    from mailbot.audit import Actor

    store = obj.store()
    password = _password(password_env)
    try:
        reset_password(store, name, password, Actor.at_shell(who), _now())
    except AccountError as exc:
        raise Refused(str(exc)) from exc
    click.echo(f"已重设账号 {name} 的密码，其原有登录已全部失效。")


@click.command()
@click.option("--host", help="监听地址，默认取设置 [web] host（127.0.0.1，只允许本机访问）。")
@click.option("--port", type=int, help="端口，默认取设置 [web] port（8080）。")
@click.pass_obj
def web(obj: Context, host: str | None, port: int | None) -> None:
    """启动工作人员网页控制台（Ctrl-C 或 SIGTERM 停止）。"""
    from mailbot.logs import configure_logging
    from mailbot.settings import SettingsError
    from mailbot.web import serve
    from mailbot.web.console import open_console

    configure_logging(obj.settings.log_format)
    obj.store()  # refuses an out-of-date schema, as `run` does
    try:
        console = open_console(obj.settings, obj.rules_dir, obj.rules())  # broken rules: every problem, exit 2
    except SettingsError as exc:
        raise Refused(f"设置有误：{exc}") from exc
    host, port = host or obj.settings.web.host, port or obj.settings.web.port
    with_users = _count_users(console)
    click.echo(f"网页控制台：http://{host}:{port}/（Ctrl-C 停止）", err=True)
    if not with_users:
        click.echo("还没有任何账号，请先运行 mailbot user add 用户名 --role admin", err=True)
    try:
        serve(console, host, port)
    finally:
        console.close()


def _count_users(console) -> int:
    from mailbot.accounts import list_users

    return len(list_users(console.store))


@click.command()
@click.option("--limit", type=int, default=50, show_default=True, help="显示最近多少条。")
@click.pass_obj
def audit(obj: Context, limit: int) -> None:
    """操作记录：谁在何时通过网页或命令做了什么（人工认定、处理事项、重发回执、修改规则、账号）。"""
    from zoneinfo import ZoneInfo

    from mailbot import queries as q
    from mailbot.audit import ACTION_LABELS, VIA_LABELS

    zone = ZoneInfo(obj.settings.timezone)
    with obj.store().session() as session:
        rows = q.audit_entries(session, max(1, limit))
    for r in rows:
        click.echo(f"{r.created_at.astimezone(zone):%Y-%m-%d %H:%M}  {r.who}（{VIA_LABELS.get(r.via, r.via)}）"
                   f"  {ACTION_LABELS.get(r.action, r.action)}  {r.target}  {r.detail}")
    if not rows:
        click.echo("还没有操作记录。")


def _now() -> datetime:
    return datetime.now(timezone.utc)
