"""What every command needs, built once from the global options: settings, rules, the database."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from pathlib import Path

import click

from mailbot.rules import Rules
from mailbot.rules_loader import RulesError, load_rules
from mailbot.schema import SchemaError, ensure_current
from mailbot.settings import Settings, SettingsError, load_settings
from mailbot.store import Store


class Refused(click.ClickException):
    """The command was typed right but cannot be done (no such receipt, a superseded one, settings wrong):
    said without click's "see --help", which would send a person looking in the wrong place."""

    exit_code = 2


class Day(click.ParamType):
    """A date typed as 2022-06-30; anything else is refused in Chinese (click.DateTime says it in English)."""

    name = "日期"

    def __init__(self, what: str = "日期") -> None:
        self.what = what

    def convert(self, value, param, ctx) -> date:
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(str(value).strip(), "%Y-%m-%d").date()
        except ValueError:
            self.fail(f"{self.what}「{value}」的写法不对，请写成 2022-06-30 这样的格式（年-月-日）", param, ctx)


def usage_text(exc: click.UsageError) -> str:
    """click's usage errors in Chinese; our own (already Chinese) pass through."""
    param = getattr(exc, "param", None)
    name = (param.opts[0] if isinstance(param, click.Option) else param.human_readable_name) if param else ""
    if isinstance(exc, click.MissingParameter):
        return f"缺少{'选项' if isinstance(param, click.Option) else '参数'} {name}".rstrip()
    if isinstance(exc, click.NoSuchOption):
        similar = f"（是否要用 {'、'.join(sorted(exc.possibilities))}？）" if exc.possibilities else ""
        return f"没有 {exc.option_name} 这个选项{similar}"
    if isinstance(exc, click.BadParameter) and param is not None:
        return f"{name} 的值有误：{exc.message}"
    english = (
        (r"No such command '(.+)'\.", "没有 {} 这个命令"),
        (r"Option '(.+)' requires an argument\.", "选项 {} 后面要写一个值"),
        (r"Got unexpected extra arguments? \((.+)\)", "多余的参数：{}"),
        (r"Missing command\.", "请写明要运行的命令"),
    )
    for pattern, chinese in english:
        if found := re.fullmatch(pattern, exc.message):
            return chinese.format(*found.groups())
    return exc.format_message()


class Context:
    """What every command needs, built once from the options."""

    def __init__(self, settings_path: Path | None, rules_dir: Path | None) -> None:
        try:
            self.settings: Settings = load_settings(settings_path)
        except SettingsError as exc:
            raise Refused(f"设置有误：\n{exc}") from exc
        self.rules_dir = rules_dir or self.settings.rules_dir

    def store(self) -> Store:
        """The database, its schema checked (a new one is created at the newest version)."""
        store = Store(self.settings.db_url)
        try:
            ensure_current(store.engine)
        except SchemaError as exc:
            click.echo(str(exc), err=True)
            sys.exit(2)
        return store

    def rules(self) -> Rules:
        try:
            return load_rules(self.rules_dir, self.settings.limits.to_limits())
        except RulesError as exc:
            click.echo(f"规则文件有误（{self.rules_dir}）：", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            sys.exit(2)
        except FileNotFoundError as exc:
            raise Refused(f"找不到规则目录：{self.rules_dir}") from exc


def campaign_of(loaded: Rules, campaign_id: str | None):
    try:
        return loaded.campaign(campaign_id)
    except KeyError as exc:
        raise click.UsageError(exc.args[0]) from exc
