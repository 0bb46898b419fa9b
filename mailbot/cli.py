"""The ``mailbot`` command. Thin: parse arguments, build settings and rules once, call the steps."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from mailbot import store as q
from mailbot.checks import all_issues
from mailbot.daemon import build_daemon
from mailbot.intake import read_files
from mailbot.judge import judge, unit_from_ledger
from mailbot.logs import configure_logging
from mailbot.rules import Rules, UnitKind
from mailbot.rules_loader import RulesError, load_rules
from mailbot.schema import SchemaError, ensure_current
from mailbot.settings import Settings, SettingsError, load_settings
from mailbot.status import format_receipt, format_states, unit_states
from mailbot.store import Store
from mailbot.verdict_text import format_verdict


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


@click.group()
@click.option("--settings", "settings_path", type=click.Path(dir_okay=False, path_type=Path),
              envvar="MAILBOT_SETTINGS", help="设置文件（TOML）。")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path),
              help="规则目录，默认取设置中的 rules_dir（rules/）。")
@click.pass_context
def main(ctx: click.Context, settings_path: Path | None, rules_dir: Path | None) -> None:
    """mailbot：按邮件收取、核对各单位报送的整改台账和整改报告。"""
    ctx.obj = Context(settings_path, rules_dir)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", help="报送单位（名称或简称）；不指定时取台账“单位”栏。")
@click.option("--campaign", "campaign_id", help="报送任务编号（rules/campaigns/ 下的文件夹名）。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（含稳定的校验代码），供脚本使用。")
@click.pass_obj
def check(obj: Context, files: tuple[Path, ...], unit: str | None, campaign_id: str | None, as_json: bool) -> None:
    """核对台账和报告文件。通过退出码 0，需补正 1，用法错误 2。"""
    rules = obj.rules()
    campaign = _campaign(rules, campaign_id)
    chosen = None
    if unit:
        chosen = rules.roster.get(unit)
        if chosen is None:
            raise click.UsageError(f"名册中没有单位「{unit}」（见 {obj.rules_dir}/units.toml）")
    dossier = read_files(((p.name, p.read_bytes()) for p in files), campaign, obj.settings.limits.to_limits())
    if chosen is None:
        chosen = unit_from_ledger(dossier, rules.roster)
    verdict = judge(dossier, campaign, rules.roster, rules.version, chosen)
    if as_json:
        click.echo(json.dumps({"campaign": campaign.id, **verdict.as_dict()}, ensure_ascii=False, indent=2))
    else:
        click.echo(format_verdict(verdict))
    sys.exit(0 if verdict.accepted else 1)


@main.command()
@click.option("--once", is_flag=True, help="处理一遍收件箱后退出。")
@click.pass_obj
def run(obj: Context, once: bool) -> None:
    """收取并处理邮件、发送回执（守护进程，SIGTERM/Ctrl-C 安全退出）。"""
    configure_logging(obj.settings.log_format)
    obj.store()  # refuses an out-of-date schema before anything runs
    daemon = build_daemon(obj.settings, obj.rules())
    if once:
        try:
            outcomes = daemon.run_once()
        finally:
            daemon.close()
        done = [o for o in outcomes if o.state != "skipped"]
        labels = {"processed": "已回执", "ignored": "不予回复", "duplicate": "重复邮件", "failed": "处理出错"}
        parts = [f"{labels[s]} {sum(1 for o in done if o.state == s)}" for s in labels if any(o.state == s for o in done)]
        click.echo(f"本次处理 {len(done)} 封邮件" + (f"：{'，'.join(parts)}" if parts else "（没有新邮件）"))
    else:
        daemon.run_forever()


@main.command()
@click.option("--campaign", "campaign_id", help="报送任务编号。")
@click.pass_obj
def status(obj: Context, campaign_id: str | None) -> None:
    """名册中每个单位的报送状态。"""
    loaded = obj.rules()
    campaign = _campaign(loaded, campaign_id)
    store = obj.store()
    with store.session() as session:
        states = unit_states(session, loaded, campaign, datetime.now(timezone.utc))
    click.echo(f"{campaign.spec.doc_number}《{campaign.spec.title}》")
    click.echo(format_states(states, campaign.spec.deadline.timezone))


@main.command()
@click.argument("receipt")
@click.pass_obj
def show(obj: Context, receipt: str) -> None:
    """按回执编号查看一次报送的详情。"""
    store = obj.store()
    with store.session() as session:
        text = format_receipt(session, receipt, "Asia/Shanghai")
    if text is None:
        raise click.UsageError(f"没有回执编号为 {receipt} 的记录")
    click.echo(text)


@main.command()
@click.option("--send-test", "send_to", metavar="ADDRESS", help="再给这个地址发一封测试邮件。")
@click.pass_obj
def doctor(obj: Context, send_to: str | None) -> None:
    """用当前设置连接邮箱和发信服务器，逐项说明是否正常。"""
    from mailbot.doctor import check_inbox, check_outbox

    checks = check_inbox(obj.settings) + check_outbox(obj.settings, send_to)
    for item in checks:
        click.echo(item.line())
    sys.exit(0 if all(item.ok for item in checks) else 1)


@main.command()
@click.option("--send", is_flag=True, help="立即生成并发送日报给工作人员。")
@click.option("--preview", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="把日报（HTML、文本）和汇总台账写到这个文件夹，供查看；不发送。")
@click.option("--campaign", "campaign_id", help="报送任务编号（有多个任务时必填）。")
@click.pass_obj
def digest(obj: Context, send: bool, preview: Path | None, campaign_id: str | None) -> None:
    """每日汇总：报送进度、变化、需人工处理事项，附汇总台账。"""
    from mailbot.staff import digest_recipients, preview_digest, queue_digest

    if not send and preview is None:
        raise click.UsageError("请指定 --send 或 --preview DIR")
    daemon = build_daemon(obj.settings, obj.rules())
    rt, now = daemon.rt, datetime.now(timezone.utc)
    try:
        campaign = _campaign(rt.rules, campaign_id)
        if preview is not None:
            for path in preview_digest(rt, campaign, preview, now):
                click.echo(f"已写入 {path}")
        if send:
            count = queue_digest(rt, obj.settings, campaign, now)
            if not count:
                raise click.UsageError("没有收件人：请在 rules/units.toml 的 staff 或设置 [digest] recipients 中填写邮箱")
            daemon.drain()
            click.echo(f"日报已发送给：{'、'.join(digest_recipients(rt, obj.settings))}")
    finally:
        daemon.close()


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--campaign", "campaign_id", help="报送任务编号（有多个任务时必填）。")
@click.pass_obj
def export(obj: Context, file: Path, campaign_id: str | None) -> None:
    """导出汇总台账（汇总台账、报送进度、问题整改情况三个工作表）。"""
    from mailbot.daemon import build_runtime
    from mailbot.staff import export_workbook

    rt = build_runtime(obj.settings, obj.rules())
    try:
        click.echo(f"已导出 {export_workbook(rt, _campaign(rt.rules, campaign_id), file, datetime.now(timezone.utc))}")
    finally:
        rt.sandbox.close()


@main.command()
@click.option("--dry-run", is_flag=True, help="只列出现在会提醒哪些单位，不发送。")
@click.option("--campaign", "campaign_id", help="报送任务编号（有多个任务时必填）。")
@click.pass_obj
def remind(obj: Context, dry_run: bool, campaign_id: str | None) -> None:
    """向尚未受理的单位发送截止前提醒（按设置中的提醒时间，每个时间点每单位一次）。"""
    from mailbot.staff import reminders_due, send_reminders

    daemon = build_daemon(obj.settings, obj.rules())
    rt, now = daemon.rt, datetime.now(timezone.utc)
    try:
        campaign = _campaign(rt.rules, campaign_id)
        due = reminders_due(rt, obj.settings, campaign, now)
        if not due:
            click.echo("现在没有需要发送的提醒。")
        for r in due:
            where = "、".join(r.addresses) if r.addresses else "（无邮箱：未登记且从未来信，无法提醒）"
            click.echo(f"{r.unit}（{r.state}）→ {where}")
        if not dry_run and due:
            count = send_reminders(rt, obj.settings, campaign, now)
            daemon.drain()
            click.echo(f"已发送 {count} 封提醒。")
    finally:
        daemon.close()


@main.command()
@click.argument("receipt")
@click.option("--accept", "decision", flag_value="已受理", help="人工认定为已受理。")
@click.option("--reject", "decision", flag_value="需补正", help="人工认定为需补正。")
@click.option("--by", "who", required=True, help="作出决定的人（姓名）。")
@click.option("--comment", default="", help="理由，如“纸质版已盖章报送”。")
@click.pass_obj
def override(obj: Context, receipt: str, decision: str | None, who: str, comment: str) -> None:
    """人工改定一次报送的结论（记录何人、何时、何故）；不发送邮件。"""
    from mailbot.models import OverrideRecord

    if decision is None:
        raise click.UsageError("请指定 --accept 或 --reject")
    store = obj.store()
    with store.session() as session:
        verdict = q.verdict_by_receipt(session, receipt)
        if verdict is None:
            raise click.UsageError(f"没有回执编号为 {receipt} 的记录")
        session.add(OverrideRecord(verdict_id=verdict.id, tag=decision, by=who, comment=comment))
        session.commit()
    click.echo(f"已记录：{verdict.unit} 回执 {receipt} 由 {who} 人工认定为“{decision}”。")


@main.command()
@click.option("--resolve", "resolve_ids", type=int, multiple=True, metavar="ID", help="把这条事项标为已处理（可多次指定）。")
@click.option("--all", "show_all", is_flag=True, help="也列出已处理的事项。")
@click.pass_obj
def flags(obj: Context, resolve_ids: tuple[int, ...], show_all: bool) -> None:
    """需要人工处理的事项（日报中同样列出）；处理后用 --resolve 标记。"""
    from sqlmodel import select

    from mailbot.models import FlagRecord
    from mailbot.progress import FLAG_LABELS

    store = obj.store()
    with store.session() as session:
        for flag_id in resolve_ids:
            flag = session.get(FlagRecord, flag_id)
            if flag is None:
                raise click.UsageError(f"没有编号为 {flag_id} 的事项")
            flag.resolved = True
            session.add(flag)
        session.commit()
        query = select(FlagRecord).order_by(FlagRecord.id)
        if not show_all:
            query = query.where(FlagRecord.resolved == False)  # noqa: E712
        rows = session.exec(query).all()
    for flag in rows:
        mark = "（已处理）" if flag.resolved else ""
        click.echo(f"{flag.id:>5}  {FLAG_LABELS.get(flag.kind, flag.kind)}{mark}：{flag.detail}")
    if not rows:
        click.echo("没有待处理的事项。")


def _campaign(loaded: Rules, campaign_id: str | None):
    try:
        return loaded.campaign(campaign_id)
    except KeyError as exc:
        raise click.UsageError(exc.args[0]) from exc


@main.group()
def campaign() -> None:
    """报送任务相关命令。"""


@campaign.command("new")
@click.argument("campaign_id")
@click.option("--template", "workbook", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="随通知下发的台账模板（.xlsx）。")
@click.option("--title", required=True, help="通知标题。")
@click.option("--deadline", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="截止日期，如 2022-06-30。")
@click.option("--doc-number", default="", help="文号，如 西政办函〔2022〕12号。")
@click.option("--keyword", "keywords", multiple=True, help="邮件主题中用于识别本任务的词，可多次指定。")
@click.option("--like", "base", help="参照哪个已有任务的设置（默认最新的一个）。")
@click.pass_obj
def campaign_new(obj: Context, campaign_id: str, workbook: Path, title: str, deadline, doc_number: str,
                 keywords: tuple[str, ...], base: str | None) -> None:
    """新建报送任务：复制模板、生成 campaign.toml，并检查全部规则。"""
    from mailbot.campaign_new import new_campaign

    try:
        loaded = new_campaign(obj.rules_dir, campaign_id, workbook, title, deadline.date(), doc_number, keywords, base)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    except RulesError as exc:
        click.echo("新任务未建立，规则检查发现以下问题：", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(2)
    created = loaded.campaigns[campaign_id]
    click.echo(f"已建立任务 {campaign_id}：{len(created.problems)} 个问题，截止 {created.spec.deadline.date}；"
               f"请检查 {obj.rules_dir}/campaigns/{campaign_id}/campaign.toml 中的各项设置。")


@main.group()
def db() -> None:
    """数据库结构（迁移）相关命令。"""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(obj: Context) -> None:
    """把数据库结构升级到本程序需要的版本（升级前请先备份）。"""
    from mailbot.schema import upgrade

    before, after = upgrade(Store(obj.settings.db_url).engine)
    click.echo(f"数据库结构：{before or '（新数据库）'} → {after}" if before != after else f"数据库结构已是最新（{after}）")


@db.command("current")
@click.pass_obj
def db_current(obj: Context) -> None:
    """显示数据库结构的当前版本和本程序需要的版本。"""
    from mailbot.schema import current, head

    engine = Store(obj.settings.db_url).engine
    click.echo(f"当前：{current(engine) or '（未建立）'}　需要：{head(engine)}")


@main.group()
def rules() -> None:
    """规则（名册、报送任务）相关命令。"""


@rules.command("check")
@click.pass_obj
def rules_check(obj: Context) -> None:
    """检查 rules/ 下全部文件，并打印摘要。"""
    loaded = obj.rules()
    roster = loaded.roster
    towns, depts = len(roster.of_kind(UnitKind.TOWNSHIP)), len(roster.of_kind(UnitKind.DEPARTMENT))
    click.echo(f"规则无误（版本 {loaded.version}）")
    registered = sum(1 for u in roster.units if u.addresses)
    click.echo(f"名册：{len(roster.units)} 个单位（乡镇 {towns}，部门 {depts}），"
               f"{registered} 个已登记邮箱；工作人员邮箱 {len(roster.staff)} 个")
    for campaign in loaded.campaigns.values():
        spec = campaign.spec
        d = spec.deadline
        rule = "含当日" if d.inclusive else "不含当日"
        cutoff = d.cutoff().strftime("%Y-%m-%d %H:%M")
        click.echo(f"\n任务 {campaign.id}：{spec.doc_number}《{spec.title}》")
        grace = f"，宽限 {d.grace_hours:g} 小时" if d.grace_hours else ""
        click.echo(f"  截止：{d.date} 前（{rule}{grace}），即 {cutoff}（{d.timezone}）之前收到为按时")
        for name, day in spec.extensions.items():
            click.echo(f"  延期：{name} 至 {day}")
        click.echo(f"  问题：{len(campaign.problems)} 个（来自 {spec.ledger.template}）")
        nobody = [p.seq for p in campaign.problems if not any(p.concerns(u) for u in roster.units)]
        groups: dict[tuple[int, ...], list[str]] = {}
        for unit in roster.units:
            groups.setdefault(tuple(p.seq for p in campaign.problems_for(unit)), []).append(unit.name)
        for seqs, names in groups.items():
            who = f"{names[0]} 等 {len(names)} 个单位" if len(names) > 3 else "、".join(names)
            each = "各 " if len(names) > 1 else ""
            click.echo(f"    {who}：{each}{len(seqs)} 项（序号 {_ranges(list(seqs))}）")
        if nobody:
            click.echo(f"  注意：序号 {_ranges(nobody)} 没有对应的责任单位")


@rules.command("replay")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="只重审此日期（含）以后收到的报送。")
@click.option("--unit", help="只重审这个单位。")
@click.option("--apply", is_flag=True, help="记录新的结论，并向结论有变化的单位发送更正回执。")
@click.option("--campaign", "campaign_id", help="报送任务编号（有多个任务时必填）。")
@click.pass_obj
def rules_replay(obj: Context, since, unit: str | None, apply: bool, campaign_id: str | None) -> None:
    """按现在的规则重新审核已收到的材料，列出每个单位结论和问题的变化。默认不发送任何邮件。"""
    from mailbot.replay import replay

    loaded = obj.rules()
    if unit and loaded.roster.get(unit) is None:
        raise click.UsageError(f"名册中没有单位「{unit}」")
    daemon = build_daemon(obj.settings, loaded)
    try:
        name = loaded.roster.get(unit).name if unit else None
        changes = replay(daemon.rt, _campaign(loaded, campaign_id), since.date() if since else None, name, apply)
        changed = [c for c in changes if c.changed]
        click.echo(f"按规则版本 {loaded.version} 重审 {len(changes)} 个单位的最新报送，{len(changed)} 个有变化：")
        for change in changed:
            click.echo(change.describe())
        if apply and changed:
            daemon.drain()
            click.echo(f"已记录新结论并发出 {len(changed)} 封更正回执。")
        elif changed:
            click.echo("（未发送任何邮件；确认无误后加 --apply 发送更正回执。）")
    finally:
        daemon.close()


@rules.command("checks")
@click.pass_obj
def rules_checks(obj: Context) -> None:
    """列出全部校验项、默认严重程度及当前任务中的设置。"""
    loaded = obj.rules()
    for issue in all_issues():
        current = " ".join(f"{c.id}={c.severity(issue.code, issue.default).value}" for c in loaded.campaigns.values())
        click.echo(f"{issue.code:28} {issue.default.value:8} {current:30} {issue.title}")


def _ranges(numbers: list[int]) -> str:
    """[1,2,3,5] → '1-3, 5'."""
    out: list[str] = []
    for n in sorted(numbers):
        if out and out[-1].split("-")[-1] == str(n - 1):
            out[-1] = out[-1].split("-")[0] + f"-{n}"
        else:
            out.append(str(n))
    return ", ".join(out) or "无"
