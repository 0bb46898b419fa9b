"""Who did what: one row per act of a person, written in the transaction of the act itself.

The console and the commands call the same functions, and those functions write the row, so the
audit page lists the shell's overrides beside the console's. ``via`` says where it was done; a
command run without ``--by`` names the operating-system user who ran it.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime

from mailbot.models import AuditRecord

VIA_LABELS = {"web": "网页", "cli": "命令行"}
ACTION_LABELS = {
    "override": "人工认定",
    "mail.confirm": "确认来信计入单位",
    "mail.reject": "关闭来信（不予计入）",
    "flag.resolve": "标记已处理",
    "reply.retry": "重新发送回执",
    "mail.retry": "重新处理出错的邮件",
    "rules.edit": "修改规则",
    "campaign.new": "新建报送任务",
    "replay.apply": "重审并发出更正回执",
    "user.add": "新建账号",
    "user.disable": "停用账号",
    "user.enable": "启用账号",
    "user.reset": "重设密码",
}


@dataclass(frozen=True)
class Actor:
    """The person acting: the console's logged-in user, or whoever runs a command."""

    name: str
    via: str = "cli"  # web | cli

    @classmethod
    def at_shell(cls, name: str | None = None) -> Actor:
        """A command's actor: ``--by`` when given, else the operating-system user running it."""
        given = (name or "").strip()
        if given:
            return cls(given, "cli")
        try:
            return cls(getpass.getuser(), "cli")
        except (KeyError, OSError):  # a uid without a passwd entry (a container's arbitrary user)
            return cls("（未知用户）", "cli")


def note(session, actor: Actor, action: str, target: str, detail: str, now: datetime) -> None:
    """Add the audit row to the caller's transaction (committed with the act, or not at all)."""
    session.add(AuditRecord(created_at=now, who=actor.name[:200], via=actor.via, action=action, target=target[:200],
                            detail=detail[:2000]))
