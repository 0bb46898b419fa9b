"""The ``mailbot`` command. Thin: parse arguments, build settings and rules once, call the steps.

Everyday commands live here; staff commands in cli_staff, administrator commands in cli_admin.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from mailbot import cli_admin, cli_staff, cli_users
from mailbot.cli_context import Context, Refused, campaign_of, usage_text
from mailbot.daemon import build_daemon
from mailbot.intake import read_files
from mailbot.scans import ScanReader
from mailbot.judge import judge, unit_from_ledger
from mailbot.logs import configure_logging
from mailbot.settings import SettingsError
from mailbot.shown import ShownWriter
from mailbot.store import DatabaseError, explain
from mailbot.status import format_message, format_receipt, format_states, unit_states
from mailbot.verdict_text import format_verdict
from parsers.sandbox import ParserStalled


UNAVAILABLE = 3  # the database, the mailbox or the disk failed: nothing lost, run again once it is fixed


class MailbotGroup(click.Group):
    """Click frames an error in English ("Usage: … Try 'mailbot --help' for help. Error: …") around
    our Chinese message; an administrator reads the same facts in Chinese. Exit codes stay click's
    (2 for a usage error)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        sys.stdout, sys.stderr = ShownWriter(sys.stdout), ShownWriter(sys.stderr)  # file names, subjects: see shown.py
        try:
            done = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # `mailbot` alone: the help, as it is
            click.echo(exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "mailbot"
            click.echo(f"{command}：{usage_text(exc)}\n（用法见 {command} --help）", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"错误：{exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("已取消。", err=True)
            sys.exit(1)
        except DatabaseError as exc:  # unreachable, damaged, read-only: said in one line with what to do
            click.echo(f"错误：{explain(exc)}", err=True)
            sys.exit(UNAVAILABLE)
        sys.exit(done if isinstance(done, int) else 0)


@click.group(cls=MailbotGroup)
# readable=False and folders allowed: load_settings says in Chinese what is wrong (click would in English)
@click.option("--settings", "settings_path", type=click.Path(readable=False, path_type=Path),
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
    """核对台账和报告文件。通过退出码 0，需补正 1，用法错误 2，服务器过忙未能读完 3。"""
    rules = obj.rules()
    campaign = campaign_of(rules, campaign_id)
    chosen = None
    if unit:
        chosen = rules.roster.get(unit)
        if chosen is None:
            raise click.UsageError(f"名册中没有单位「{unit}」（见 {obj.rules_dir}/units.toml）")
    scans = ScanReader(obj.settings.ocr)  # no database here: scans are read every time
    try:
        dossier = read_files(((p.name, p.read_bytes()) for p in files), campaign, obj.settings.limits.to_limits(), scans)
    except ParserStalled as exc:  # the machine, not the file: say so instead of a verdict
        click.echo(f"本机过于繁忙，文件未能在规定时间内读完（不是文件的问题），请稍后重试。（{exc}）", err=True)
        sys.exit(3)
    finally:
        scans.close()
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
    """收取并处理邮件、发送回执（守护进程，SIGTERM/Ctrl-C 安全退出）。

    --once 的退出码：0 全部邮件已处理（或没有新邮件）；1 有邮件处理出错（已记录，见 mailbot flags）；
    2 设置、规则或数据库结构有误，未开始处理；3 邮箱、数据库或磁盘出错，本次未能处理完。
    """
    configure_logging(obj.settings.log_format)
    obj.store()  # refuses an out-of-date schema before anything runs
    try:
        daemon = build_daemon(obj.settings, obj.rules(), obj.rules_dir)
    except SettingsError as exc:  # a 授权码 not set, a password file not readable: no restart mends it
        click.echo(f"设置有误：{exc}", err=True)
        sys.exit(2)
    if once:
        try:
            outcomes = daemon.run_once()
        except DatabaseError:
            raise  # said by MailbotGroup in one line
        except Exception as exc:  # noqa: BLE001 - the mailbox or the disk: nothing is lost, run again later
            click.echo(f"错误：本次未能处理完（{type(exc).__name__}: {' '.join(str(exc).split())[:300]}）。"
                       "已处理的邮件均已记录，请排除故障（mailbot doctor 可逐项检查）后再运行", err=True)
            sys.exit(UNAVAILABLE)
        finally:
            daemon.close()
        done = [o for o in outcomes if o.state != "skipped"]
        labels = {"processed": "已回执", "held": "待人工确认", "ignored": "不予回复", "duplicate": "重复邮件",
                  "failed": "处理出错"}
        parts = [f"{labels[s]} {sum(1 for o in done if o.state == s)}" for s in labels if any(o.state == s for o in done)]
        click.echo(f"本次处理 {len(done)} 封邮件" + (f"：{'，'.join(parts)}" if parts else "（没有新邮件）"))
        if any(o.state == "failed" for o in done):
            click.echo("有邮件处理出错，已记录并转人工处理，详见 mailbot flags", err=True)
            sys.exit(1)
    else:
        daemon.run_forever()


@main.command()
@click.option("--campaign", "campaign_id", help="报送任务编号。")
@click.pass_obj
def status(obj: Context, campaign_id: str | None) -> None:
    """名册中每个单位的报送状态。"""
    loaded = obj.rules()
    campaign = campaign_of(loaded, campaign_id)
    store = obj.store()
    with store.session() as session:
        states = unit_states(session, loaded, campaign, datetime.now(timezone.utc))
    click.echo(f"{campaign.spec.doc_number}《{campaign.spec.title}》")
    click.echo(format_states(states, campaign.spec.deadline.timezone))


@main.command()
@click.argument("receipt", metavar="回执编号或来信编号")
@click.pass_obj
def show(obj: Context, receipt: str) -> None:
    """按回执编号查看一次报送的详情，或按来信编号查看一封来信（含待确认、隔离的来信）。"""
    store = obj.store()
    with store.session() as session:
        text = format_receipt(session, receipt, obj.settings.timezone) or format_message(session, receipt,
                                                                                       obj.settings.timezone)
    if text is None:
        raise Refused(f"没有回执编号或来信编号为 {receipt} 的记录")
    click.echo(text)


@main.command()
@click.option("--send-test", "send_to", metavar="ADDRESS", help="再给这个地址发一封测试邮件。")
@click.pass_obj
def doctor(obj: Context, send_to: str | None) -> None:
    """检查规则、数据库、磁盘空间，并用当前设置连接邮箱和发信服务器，逐项说明是否正常。"""
    from mailbot.doctor import check_inbox, check_outbox, check_state

    checks = check_state(obj.settings, obj.rules_dir) + check_inbox(obj.settings) + check_outbox(obj.settings, send_to)
    for item in checks:
        click.echo(item.line())
    sys.exit(0 if all(item.ok for item in checks) else 1)


@main.command()
@click.pass_obj
def health(obj: Context) -> None:
    """供容器健康检查和监控使用：数据库结构为最新、mailbot run 最近完成过处理时退出码为 0，否则为 1 并说明原因。"""
    from mailbot.doctor import check_health

    result = check_health(obj.settings)
    click.echo(result.text, err=not result.ok)
    sys.exit(0 if result.ok else 1)


for _command in (cli_staff.digest, cli_staff.export, cli_staff.remind, cli_staff.override, cli_staff.flags,
                 cli_staff.confirm, cli_staff.reject,
                 cli_admin.rules, cli_admin.db, cli_admin.campaign, cli_users.user, cli_users.web, cli_users.audit):
    main.add_command(_command)
