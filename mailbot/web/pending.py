"""待处理: what needs a person (the open flags), each kind with the actions that fit it.

A kind of item is one entry of ``KINDS`` (its name, what it means and what to do, its actions); an
action is one entry of ``ACTIONS`` (its button, the form in ``templates/actions/<name>.html`` and the
function that does it, the same one the matching command calls: held mail is confirmed and rejected by
mailbot.review, as `mailbot confirm` / `mailbot reject` do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from mailbot import queries as q
from mailbot.flag_actions import FlagError, delivery_states, requeue_reply, resolve
from mailbot.review import ReviewError, confirm, reject
from mailbot.history import mail_view
from mailbot.models import FlagRecord, VerdictRecord
from mailbot.progress import FLAG_LABELS
from mailbot.web.common import actor, get_console
from mailbot.web.security import login_required
from mailbot.web.unit_page import DECISIONS, decide_receipt

bp = Blueprint("pending", __name__)


@dataclass(frozen=True)
class Kind:
    label: str
    advice: str  # what happened and what a person does about it, in plain words
    actions: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    flag: FlagRecord
    kind: Kind
    mail: object | None  # history.MailView of the flag's mail
    verdict: VerdictRecord | None  # that mail's newest verdict

    @property
    def actions(self) -> tuple[str, ...]:
        return self.kind.actions if not self.flag.resolved else ()


@dataclass(frozen=True)
class Action:
    label: str
    run: Callable[[Item, dict], tuple[str, str]]  # (message, "ok" | "error")
    folded: bool = False  # a form with several fields: shown when its label is clicked


def _resolve(item: Item, form: dict) -> tuple[str, str]:
    resolve(get_console().store, (item.flag.id,), actor(), get_console().now(), form.get("comment", "").strip())
    return f"事项 {item.flag.id} 已标记为已处理。", "ok"


def _retry(item: Item, form: dict) -> tuple[str, str]:
    console = get_console()
    with console.outbox() as drain:
        requeued = requeue_reply(console.store, item.flag.id, actor(), console.now())
        drain()
    states = set(delivery_states(console.store, requeued.outbox_ids).values())
    to = "、".join(requeued.addresses)
    if states == {"sent"}:
        return f"已重新发送至 {to}。", "ok"
    if "failed" in states:
        return f"重新发送至 {to} 仍被拒收，已另列为新的待处理事项，请核对收件地址或联系对方。", "error"
    return f"发往 {to} 的邮件已放回发送队列；邮件服务器暂时未接收，系统会自动重试。", "ok"


def _override(item: Item, form: dict) -> tuple[str, str]:
    if item.verdict is None:
        return "这封来信没有审核结论，无法人工认定。", "error"
    message, level = decide_receipt(item.verdict.receipt, form.get("decision", ""), form.get("comment", ""),
                                    form.get("notify") == "1")
    if level == "ok":
        resolve(get_console().store, (item.flag.id,), actor(), get_console().now(), "已人工认定")
    return message, level


def _confirm(item: Item, form: dict) -> tuple[str, str]:
    console = get_console()
    unit = form.get("unit", "").strip()
    if not unit:
        return "请选择这封来信计入哪个单位。", "error"
    try:
        with console.outbox() as drain:
            done = confirm(console.runtime, str(item.flag.message_id), unit, g.user.name, console.now(),
                           register=form.get("register") == "1", rules_dir=console.rules_dir, via="web")
            drain()
    except ReviewError as exc:
        return str(exc), "error"
    if done.registered:
        console.put_in_force(console.runtime.rules)  # the roster with the address, in force at once
    registered = f"已把 {done.registered} 登记为{done.unit}的报送邮箱；" if done.registered else ""
    told = f"回执已发往 {done.answered}。" if done.answered else ""
    return f"{registered}来信 {done.message} 已计入{done.unit}，回执 {done.receipt}（{done.tag}）。{told}", "ok"


def _reject(item: Item, form: dict) -> tuple[str, str]:
    console = get_console()
    try:
        done = reject(console.runtime, str(item.flag.message_id), g.user.name, form.get("comment", ""), console.now(),
                      via="web")
    except ReviewError as exc:
        return str(exc), "error"
    return f"来信 {done.message} 已关闭，不计入任何单位，未回复发件人。", "ok"


KINDS = {  # in the order 待处理 shows them: what a unit is waiting for first
    "delivery_failed": Kind(FLAG_LABELS["delivery_failed"],
                            "系统发出的邮件被对方邮件服务器拒收或多次发送不成功。请核对收件地址；"
                            "原因已排除（如对方邮箱已恢复）时点“重新发送”，已通过电话等方式告知的可标记为已处理。",
                            ("retry", "resolve")),
    "held": Kind(FLAG_LABELS["held"],
                 "来信写的是一个已登记邮箱的单位，却不是从它登记的邮箱发来（或是工作人员直接发来的）。材料已保存但没有计入，"
                 "对方只收到“待确认”的答复。请打开来信、必要时电话核实：确属该单位的，点“确认计入”（可同时登记该邮箱），"
                 "系统随即按正常流程核对并发出回执；不是的，点“不予计入”。",
                 ("confirm", "reject")),
    "suspected": Kind(FLAG_LABELS["suspected"],
                      "发件邮箱仿照登记邮箱、显示名冒用他人邮箱，或收信服务器验证发件人失败。系统没有回复，也没有计入。"
                      "请务必电话向该单位核实后再处理：确属该单位的可“确认计入”，否则“不予计入”。",
                      ("confirm", "reject")),
    "quarantined": Kind(FLAG_LABELS["quarantined"],
                        "来信含有伪装的程序、压缩炸弹、异常文件名或邮件头注入等攻击特征，已隔离：不计入任何单位，也没有回复。"
                        "请勿打开其中的附件；核实后点“不予计入”关闭。确属单位误发的，请其用登记的邮箱重新发送干净的文件。",
                        ("reject",)),
    "unknown_unit": Kind(FLAG_LABELS["unknown_unit"],
                         "系统无法判断这封来信是哪个单位报送的，已回复发件人请其说明。请打开来信核实；"
                         "能确认单位的，点“确认计入”选择单位，系统随即核对并发出回执；无法确认的标记为已处理。",
                         ("confirm", "resolve")),
    "unit_conflict": Kind(FLAG_LABELS["unit_conflict"],
                          "来信中的材料指向不同的单位（如邮箱与台账“单位”栏不符），系统已按下列依据归入一个单位。"
                          "请核实：归属无误可直接标记为已处理；结论需要改变的，请作人工认定。",
                          ("override", "resolve")),
    "question": Kind(FLAG_LABELS["question"],
                     "来信正文中有提问，系统的回执无法回答。请直接答复对方（电话或邮件），然后标记为已处理。",
                     ("resolve",)),
    "failed": Kind(FLAG_LABELS["failed"],
                   "这封邮件处理时出错，系统没有回复对方；邮件处理程序下次启动时会自动重试。原始邮件已保存，可下载查看。"
                   "如多次出错，请把原始邮件和出错说明交给技术人员，处理完毕后标记为已处理。",
                   ("resolve",)),
    "reply_capped": Kind(FLAG_LABELS["reply_capped"],
                         "同一邮箱一小时内来信过多，为免邮件往复不停，系统对这封来信没有回复。"
                         "审核结论已记录；如需告知对方，请电话联系或作人工认定（会发邮件告知），然后标记为已处理。",
                         ("override", "resolve")),
    "unregistered_address": Kind(FLAG_LABELS["unregistered_address"],
                                 "发件邮箱未在名册中登记，系统按附件内容认定了单位。请核实是否确为该单位报送；"
                                 "无误可标记为已处理（长期使用的邮箱可登记到 rules/units.toml），如有误请作人工认定。",
                                 ("override", "resolve")),
}
OTHER = Kind("其他事项", "请查看详情后处理。", ("resolve",))
ACTIONS = {
    "confirm": Action("确认计入", _confirm, folded=True),
    "reject": Action("不予计入", _reject, folded=True),
    "override": Action("人工认定", _override, folded=True),
    "retry": Action("重新发送", _retry),
    "resolve": Action("标记为已处理", _resolve),
}


def _item(session, flag: FlagRecord) -> Item:
    mail = mail_view(session, flag.message_id) if flag.message_id is not None else None
    verdict = mail.verdicts[0].verdict if mail and mail.verdicts else None
    return Item(flag, KINDS.get(flag.kind, OTHER), mail, verdict)


@bp.route("/pending")
@login_required
def index():
    show_all = request.args.get("all") == "1"
    with get_console().store.session() as session:
        items = [_item(session, f) for f in reversed(q.flags(session, resolved_too=show_all))]
    order = list(KINDS)
    groups: dict[str, list[Item]] = {}
    for item in sorted(items, key=lambda i: order.index(i.flag.kind) if i.flag.kind in KINDS else len(order)):
        groups.setdefault(item.kind.label, []).append(item)
    return render_template("pending.html", groups=groups, show_all=show_all, actions=ACTIONS, decisions=DECISIONS,
                           units=[u.name for u in get_console().rules.roster.units])


@bp.route("/pending/<int:flag_id>/<name>", methods=["POST"])
@login_required
def act(flag_id: int, name: str):
    action = ACTIONS.get(name)
    with get_console().store.session() as session:
        flag = session.get(FlagRecord, flag_id)
        item = _item(session, flag) if flag is not None else None
    if action is None or item is None:
        abort(404)
    if name not in item.actions:
        flash(f"事项 {flag_id} {'已处理' if flag.resolved else '不适用此操作'}。", "error")
    else:
        try:
            flash(*action.run(item, request.form))
        except FlagError as exc:
            flash(str(exc), "error")
    return redirect(url_for("pending.index") + f"#f{flag_id}")
