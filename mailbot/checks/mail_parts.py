"""Parts of the mail that could not be read: undecodable, nested too deep, or too many (mailbot/mimetree.py)."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue
from mailbot.dossier import Refusal
from mailbot.findings import Finding, Place, Severity
from mailbot.mimetree import MAX_DEPTH, MAX_PARTS

PART_UNREAD = Issue(
    "mail.part_unread", "邮件的部分内容无法读取",
    "{what}{why}。",
    "请将整改台账和整改报告直接添加为邮件附件，重新发送一次；不要转发层层嵌套的邮件。",
    # A warning: the rest of the mail is judged; a ledger or report lost this way is missing, an error of its own
    default=Severity.WARNING,
)
ISSUES = (PART_UNREAD,)
WHY = {
    "undecodable": "的编码无法识别，未予读取",
    "too_deep": f"嵌套层数过多（超过 {MAX_DEPTH} 层，或转发的邮件套了太多层），更深层的内容未予读取",
    "too_many": f"包含的部分过多（超过 {MAX_PARTS} 个），其余部分未予读取",
}


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    for refused in ctx.dossier.refused:
        if refused.reason is not Refusal.MAIL_PART:
            continue
        why = refused.error.detail if refused.error else "undecodable"
        what = f"附件《{refused.name}》" if refused.name else "邮件中有一部分内容" if why == "undecodable" else "这封邮件"
        place = Place(file=refused.name) if refused.name else Place()
        yield ctx.finding(PART_UNREAD, place, what=what, why=WHY.get(why, WHY["undecodable"]))
