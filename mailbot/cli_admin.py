"""Commands for administrators: rules (check, list, replay), campaigns, database migrations."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from mailbot.checks import all_issues
from mailbot.cli_context import Context, Day, Refused, campaign_of
from mailbot.daemon import build_outgoing
from mailbot.rules_loader import RulesError
from mailbot.store import DatabaseError, Store


@click.group()
def campaign() -> None:
    """报送任务相关命令。"""


@campaign.command("new")
@click.argument("campaign_id")
@click.option("--template", "workbook", required=True, type=click.Path(path_type=Path),
              help="随通知下发的台账模板（.xlsx）。")
@click.option("--title", required=True, help="通知标题。")
@click.option("--deadline", required=True, type=Day("截止日期"), help="截止日期，如 2022-06-30。")
@click.option("--doc-number", default="", help="文号，如 西政办函〔2022〕12号。")
@click.option("--notice-date", type=Day("印发日期"), help="通知印发日期，如 2022-06-10：落款早于此日的报告会被提示。")
@click.option("--keyword", "keywords", multiple=True, help="邮件主题中用于识别本任务的词，可多次指定。")
@click.option("--like", "base", help="参照哪个已有任务的设置（默认最新的一个）。")
@click.option("--by", "who", help="操作人（记入操作记录），默认为当前系统用户。")
@click.pass_obj
def campaign_new(obj: Context, campaign_id: str, workbook: Path, title: str, deadline: date, doc_number: str,
                 notice_date: date | None, keywords: tuple[str, ...], base: str | None, who: str | None) -> None:
    """新建报送任务：复制模板、生成 campaign.toml，并检查全部规则。"""
    from mailbot.campaign_new import new_campaign

    try:
        loaded = new_campaign(obj.rules_dir, campaign_id, workbook, title, deadline, doc_number,
                              keywords, base, notice_date)
    except ValueError as exc:
        raise Refused(str(exc)) from exc
    except RulesError as exc:
        click.echo("新任务未建立，规则检查发现以下问题：", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(2)
    created = loaded.campaigns[campaign_id]
    click.echo(f"已建立任务 {campaign_id}：{len(created.problems)} 个问题，截止 {created.spec.deadline.date}；"
               f"请检查 {obj.rules_dir}/campaigns/{campaign_id}/campaign.toml 中的各项设置。")
    _audit_new(obj, campaign_id, f"新建报送任务“{title}”（{len(created.problems)} 个问题，截止 {deadline}）", who)


def _audit_new(obj: Context, campaign_id: str, detail: str, who: str | None) -> None:
    """The operations record names who opened a round. The rules files are written already: a database
    not set up yet (a first campaign before `db upgrade`) is said, not an error."""
    from datetime import datetime, timezone

    from mailbot.audit import Actor, note
    from mailbot.schema import SchemaError, ensure_current

    try:
        store = Store(obj.settings.db_url)
        ensure_current(store.engine)  # a new database is created at the newest version, as by other commands
        with store.session() as session:
            note(session, Actor.at_shell(who), "campaign.new", campaign_id, detail, datetime.now(timezone.utc))
            session.commit()
    except (DatabaseError, SchemaError, OSError) as exc:
        click.echo(f"任务已建立，但操作记录未能写入数据库：{getattr(exc, 'orig', None) or exc}", err=True)


@click.group()
def db() -> None:
    """数据库结构（迁移）相关命令。"""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(obj: Context) -> None:
    """把数据库结构升级到本程序需要的版本（升级前请先备份）。"""
    from mailbot.schema import SchemaError, upgrade

    try:
        before, after = upgrade(Store(obj.settings.db_url).engine)
    except SchemaError as exc:  # newer or unregistered: nothing was changed, a person must decide
        click.echo(str(exc), err=True)
        sys.exit(2)
    except DatabaseError as exc:
        click.echo(f"无法连接或写入数据库，结构未作改动：{exc.orig or exc}。请检查数据库后再试", err=True)
        sys.exit(1)
    click.echo(f"数据库结构：{before or '（新数据库）'} → {after}" if before != after else f"数据库结构已是最新（{after}）")


@db.command("current")
@click.pass_obj
def db_current(obj: Context) -> None:
    """显示数据库结构的当前版本和本程序需要的版本；不是最新时退出码为 1。"""
    from mailbot.schema import head, state_at

    try:
        found = state_at(obj.settings.db_url)
    except DatabaseError as exc:
        click.echo(f"无法连接数据库：{exc.orig or exc}", err=True)
        sys.exit(1)
    shown = found.revision or ("（未登记）" if found.tables else "（未建立）") if found else "（未建立）"
    click.echo(f"当前：{shown}　需要：{head()}")
    if found is None or found.kind == "empty":
        click.echo("数据库尚未建立：首次运行 mailbot run 时自动建立，也可以现在运行 mailbot db upgrade")
        sys.exit(1)
    if (problem := found.problem()) is not None:
        click.echo(problem)
        sys.exit(1)


@click.group()
def rules() -> None:
    """规则（名册、报送任务）相关命令。"""


@rules.command("check")
@click.pass_obj
def rules_check(obj: Context) -> None:
    """检查 rules/ 下全部文件，并打印摘要。"""
    from mailbot.rules_summary import summary_lines

    click.echo("\n".join(summary_lines(obj.rules())))


@rules.command("replay")
@click.option("--since", type=Day("起始日期"), help="只重审此日期（含）以后收到的报送。")
@click.option("--unit", help="只重审这个单位。")
@click.option("--apply", is_flag=True, help="记录新的结论，并向结论有变化的单位发送更正回执。")
@click.option("--campaign", "campaign_id", help="报送任务编号（有多个任务时必填）。")
@click.pass_obj
def rules_replay(obj: Context, since, unit: str | None, apply: bool, campaign_id: str | None) -> None:
    """按现在的规则重新审核已收到的材料，列出每个单位结论和问题的变化。默认不发送任何邮件。"""
    from mailbot.replay import issue_titles, replay

    loaded = obj.rules()
    chosen = loaded.roster.get(unit) if unit else None
    if unit and chosen is None:
        raise click.UsageError(f"名册中没有单位「{unit}」")
    campaign = campaign_of(loaded, campaign_id)
    outgoing = build_outgoing(obj.settings, loaded)
    try:
        changes = replay(outgoing.rt, campaign, since, chosen.name if chosen else None, apply)
        applied = [c for c in changes if c.applies] if apply else []
        if applied:
            _note_replay(outgoing.rt.store, applied, loaded.version)
            outgoing.drain()
    finally:
        outgoing.close()
    click.echo(replay_report(changes, loaded.version, chosen.name if chosen else None, apply, issue_titles()))
    if any(c.missing for c in changes):
        click.echo(f"{sum(1 for c in changes if c.missing)} 封来信未能重审（见上）。", err=True)
        sys.exit(1)


def _note_replay(store, applied, version: str) -> None:
    from datetime import datetime, timezone

    from mailbot.audit import Actor, note

    with store.session() as session:
        note(session, Actor.at_shell(), "replay.apply", f"{len(applied)} 封来信",
             f"按规则版本 {version} 重审并记录新结论、发出更正回执：" + "、".join(f"{c.unit}（回执 {c.receipt}）" for c in applied),
             datetime.now(timezone.utc))
        session.commit()


def replay_report(changes, version: str, unit: str | None, apply: bool, titles: dict[str, str]) -> str:
    """What replay says: how many were judged again, each change, and what was (or would be) sent."""
    if not changes:
        return f"{unit}尚无报送记录，没有可重审的来信。" if unit else "尚无报送记录，没有可重审的来信。"
    changed = [c for c in changes if c.changed]
    missing = [c for c in changes if c.missing]
    scope = f"{unit}的 {len(changes)} 封来信" if unit else f" {len(changes)} 封来信（各单位最新一次报送，及无法确认单位的来信）"
    lines = [f"按现行规则（版本 {version}）重审{scope}："
             + (f"{len(changed)} 封的结论或问题有变化。" if changed else "结论和问题均无变化。")]
    lines += [c.describe(titles) for c in changed + missing]
    applicable = [c for c in changed if c.applies]
    if apply and applicable:
        lines.append(f"已记录新结论，并发出 {len(applicable)} 封更正回执。")
    elif applicable:
        lines.append(f"（未记录、未发送任何邮件；确认无误后加 --apply，记录新结论并发出 {len(applicable)} 封更正回执。）")
    return "\n".join(lines)


@rules.command("checks")
@click.pass_obj
def rules_checks(obj: Context) -> None:
    """列出全部校验项、默认严重程度及当前任务中的设置。"""
    loaded = obj.rules()
    for issue in all_issues():
        current = " ".join(f"{c.id}={c.severity(issue.code, issue.default).value}" for c in loaded.campaigns.values())
        click.echo(f"{issue.code:28} {issue.default.value:8} {current:30} {issue.title}")
