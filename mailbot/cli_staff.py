"""Commands for office staff: the digest, the consolidated workbook, reminders, overrides, flags, and
confirming or rejecting held mail."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from mailbot.cli_context import Context, Refused, campaign_of
from mailbot.daemon import build_outgoing


@click.command()
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
    outgoing = build_outgoing(obj.settings, obj.rules())
    rt, now = outgoing.rt, datetime.now(timezone.utc)
    try:
        campaign = campaign_of(rt.rules, campaign_id)
        if preview is not None:
            for path in preview_digest(rt, campaign, preview, now):
                click.echo(f"已写入 {path}")
        if send:
            count = queue_digest(rt, obj.settings, campaign, now)
            if not count:
                raise Refused("没有收件人：请在 rules/units.toml 的 staff 或设置 [digest] recipients 中填写邮箱")
            outgoing.drain()
            click.echo(f"日报已发送给：{'、'.join(digest_recipients(rt, obj.settings))}")
    finally:
        outgoing.close()


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--campaign", "campaign_id", help="报送任务编号（有多个任务时必填）。")
@click.pass_obj
def export(obj: Context, file: Path, campaign_id: str | None) -> None:
    """导出汇总台账（汇总台账、报送进度、问题整改情况三个工作表）。"""
    from mailbot.runtime import build_runtime
    from mailbot.staff import export_workbook

    rt = build_runtime(obj.settings, obj.rules())
    try:
        click.echo(f"已导出 {export_workbook(rt, campaign_of(rt.rules, campaign_id), file, datetime.now(timezone.utc))}")
    finally:
        rt.close()


@click.command()
@click.option("--dry-run", is_flag=True, help="只列出现在会提醒哪些单位，不发送。")
@click.option("--campaign", "campaign_id", help="报送任务编号（有多个任务时必填）。")
@click.pass_obj
def remind(obj: Context, dry_run: bool, campaign_id: str | None) -> None:
    """向尚未受理的单位发送截止前提醒（按设置中的提醒时间，每个时间点每单位一次）。"""
    from mailbot.staff import reminders_due, send_reminders

    outgoing = build_outgoing(obj.settings, obj.rules())
    rt, now = outgoing.rt, datetime.now(timezone.utc)
    try:
        campaign = campaign_of(rt.rules, campaign_id)
        due = reminders_due(rt, obj.settings, campaign, now)
        if not due:
            click.echo("现在没有需要发送的提醒。")
        for r in due:
            where = "、".join(r.addresses) if r.addresses else "（无邮箱：未登记且从未来信，无法提醒）"
            click.echo(f"{r.unit}（{r.state}）→ {where}")
        if not dry_run and due:
            count = send_reminders(rt, obj.settings, campaign, now)
            outgoing.drain()
            click.echo(f"已发送 {count} 封提醒。")
    finally:
        outgoing.close()


@click.command()
@click.argument("receipt")
@click.option("--accept", "decision", flag_value="已受理", help="人工认定为已受理。")
@click.option("--reject", "decision", flag_value="需补正", help="人工认定为需补正（须用 --comment 说明要改什么）。")
@click.option("--by", "who", required=True, help="作出决定的人（姓名）。")
@click.option("--comment", default="", help="理由，如“纸质版已盖章报送”；会写进发给单位的邮件。")
@click.option("--notify/--no-notify", default=True, show_default=True,
              help="把人工审核结果发邮件告知报送单位（回复其来信）。")
@click.pass_obj
def override(obj: Context, receipt: str, decision: str | None, who: str, comment: str, notify: bool) -> None:
    """人工改定一次报送的结论（记录何人、何时、何故），并默认邮件告知该单位。"""
    from mailbot.overrides import OverrideError
    from mailbot.overrides import override as record

    if decision is None:
        raise click.UsageError("请指定 --accept 或 --reject")
    if decision == "需补正" and not comment.strip():
        raise click.UsageError("--reject 须用 --comment 说明需要补正什么，单位才能照改")
    outgoing = build_outgoing(obj.settings, obj.rules())
    try:
        done = record(outgoing.rt, receipt, decision, who.strip(), comment.strip(), notify, datetime.now(timezone.utc))
        click.echo(f"已记录：{done.unit}回执 {receipt} 由{who.strip()}人工认定为“{decision}”（系统结论为“{done.machine_tag}”）。")
        if done.notified:
            outgoing.drain()
            click.echo(f"已发邮件告知 {done.notified}。")
        elif notify:
            click.echo("该来信没有发件地址，未能告知单位，请另行联系。")
    except OverrideError as exc:
        raise Refused(str(exc)) from exc
    finally:
        outgoing.close()


@click.command()
@click.option("--resolve", "resolve_ids", type=int, multiple=True, metavar="ID", help="把这条事项标为已处理（可多次指定）。")
@click.option("--retry", "retry_ids", type=int, multiple=True, metavar="ID",
              help="原因排除后重试：“回执无法送达”的邮件重新发送，“处理出错的邮件”由 mailbot 重新处理（可多次指定）。")
@click.option("--comment", default="", help="处理说明（记入操作记录），如“已电话通知重新报送”。")
@click.option("--by", "who", help="处理人（记入操作记录），默认为当前系统用户。")
@click.option("--all", "show_all", is_flag=True, help="也列出已处理的事项。")
@click.pass_obj
def flags(obj: Context, resolve_ids: tuple[int, ...], retry_ids: tuple[int, ...], comment: str, who: str | None,
          show_all: bool) -> None:
    """需要人工处理的事项（日报和网页控制台的“待处理”中同样列出）；处理后用 --resolve 标记。"""
    from mailbot import queries as q
    from mailbot.audit import Actor
    from mailbot.flag_actions import FlagError, reprocess, resolve
    from mailbot.models import FlagRecord
    from mailbot.progress import FLAG_LABELS, held_todo

    store = obj.store()
    now = datetime.now(timezone.utc)
    try:
        if resolve_ids:
            resolve(store, resolve_ids, Actor.at_shell(who), now, comment.strip())
        for flag_id in retry_ids:
            with store.session() as session:
                flag = session.get(FlagRecord, flag_id)
            if flag is not None and flag.kind == "delivery_failed":
                _retry(obj, flag_id, Actor.at_shell(who), now)
            else:
                number = reprocess(store, flag_id, Actor.at_shell(who), now)
                click.echo(f"来信 {number} 将在 mailbot 下次处理收件箱时（或运行 mailbot run --once 时）重新处理。")
    except FlagError as exc:
        raise Refused(str(exc)) from exc
    with store.session() as session:
        rows = q.flags(session, resolved_too=show_all)
        todo = held_todo(session, rows)
    for flag in rows:
        mark = "（已处理）" if flag.resolved else ""
        click.echo(f"{flag.id:>5}  {FLAG_LABELS.get(flag.kind, flag.kind)}{mark}：{flag.detail}{todo.get(flag.id, '')}")
    if not rows:
        click.echo("没有待处理的事项。")


@click.command()
@click.argument("ref", metavar="来信编号或回执编号")
@click.option("--unit", help="计入哪个单位（名册中的全称或简称）；不写时取来信所写的单位。")
@click.option("--register", is_flag=True, help="同时把发件邮箱登记为该单位的报送邮箱（写入 units.toml）。")
@click.option("--by", "who", required=True, help="作出决定的人（姓名）。")
@click.pass_obj
def confirm(obj: Context, ref: str, unit: str | None, register: bool, who: str) -> None:
    """确认一封待确认的来信（发件邮箱未登记、工作人员直接发来、疑似冒充或无法确认单位）属于某单位：按该单位的材料核对并发送回执。"""
    from mailbot.review import ReviewError
    from mailbot.review import confirm as record

    outgoing = build_outgoing(obj.settings, obj.rules())
    try:
        done = record(outgoing.rt, ref, unit, who, datetime.now(timezone.utc), register=register,
                      rules_dir=obj.rules_dir)
    except ReviewError as exc:
        raise Refused(str(exc)) from exc
    try:
        if done.registered:
            click.echo(f"已把 {done.registered} 登记为{done.unit}的报送邮箱（{obj.rules_dir}/units.toml）。")
        click.echo(f"已确认：来信 {done.message} 计入{done.unit}，回执 {done.receipt}（{done.tag}）。")
        if done.answered:
            outgoing.drain()
            click.echo(f"回执已发往 {done.answered}。")
    finally:
        outgoing.close()


@click.command()
@click.argument("ref", metavar="来信编号或回执编号")
@click.option("--by", "who", required=True, help="作出决定的人（姓名）。")
@click.option("--comment", required=True, help="不予计入的理由，如“经电话核实，非该单位所发”。")
@click.pass_obj
def reject(obj: Context, ref: str, who: str, comment: str) -> None:
    """关闭一封待确认的来信，不计入任何单位，也不回复发件人。"""
    from mailbot.review import ReviewError
    from mailbot.review import reject as record
    from mailbot.runtime import build_runtime

    rt = build_runtime(obj.settings, obj.rules())
    try:
        done = record(rt, ref, who, comment, datetime.now(timezone.utc))
    except ReviewError as exc:
        raise Refused(str(exc)) from exc
    finally:
        rt.sandbox.close()
    claimed = f"（来信所称单位：{done.claimed}）" if done.claimed else ""
    click.echo(f"已关闭：来信 {done.message}{claimed}不计入任何单位，未回复发件人。")


def _retry(obj: Context, flag_id: int, actor, now: datetime) -> None:
    from mailbot.flag_actions import delivery_states, requeue_reply

    outgoing = build_outgoing(obj.settings, obj.rules())
    try:
        requeued = requeue_reply(outgoing.rt.store, flag_id, actor, now)
        outgoing.drain()
    finally:
        outgoing.close()
    states = set(delivery_states(outgoing.rt.store, requeued.outbox_ids).values())
    to = "、".join(requeued.addresses)
    if states == {"sent"}:
        click.echo(f"已重新发送至 {to}。")
    elif "failed" in states:
        click.echo(f"重新发送至 {to} 仍被拒收，已另列为新的待处理事项。", err=True)
    else:
        click.echo(f"发往 {to} 的邮件已放回发送队列，邮件服务器暂未接收，将自动重试。")
