"""What every command needs, built once from the global options: settings, rules, the database."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mailbot.rules import Rules
from mailbot.rules_loader import RulesError, load_rules
from mailbot.schema import SchemaError, ensure_current
from mailbot.settings import Settings, SettingsError, load_settings
from mailbot.store import Store


class Context:
    """What every command needs, built once from the options."""

    def __init__(self, settings_path: Path | None, rules_dir: Path | None) -> None:
        try:
            self.settings: Settings = load_settings(settings_path)
        except SettingsError as exc:
            raise click.UsageError(f"设置有误：\n{exc}") from exc
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
            raise click.UsageError(f"找不到规则目录：{self.rules_dir}") from exc


def campaign_of(loaded: Rules, campaign_id: str | None):
    try:
        return loaded.campaign(campaign_id)
    except KeyError as exc:
        raise click.UsageError(exc.args[0]) from exc
