"""Tell the staff when mailbot has not been able to work for a while, and when it works again.

An office runs mailbot on a server nobody watches; a database that is down, a full
disk or a mailbox that refuses the login would otherwise only show in a log. What
is down may be the database, so the alert does not go through the outbox table: the
daemon hands it straight to the transport. (When the 126.com authorisation code
itself stops working, SMTP fails with IMAP and the alert cannot go out either; the
deploy guide says where to look then.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from mailbot.letters import office_letter
from mailbot.mail_types import Office


@dataclass
class OutageAlarm:
    """Failed cycles in a row, and whether the staff were told. One alert per outage."""

    after: timedelta
    since: datetime | None = None
    last_error: str = ""
    alerted: bool = False

    def failed(self, error: BaseException, now: datetime) -> bool:
        """Record a failed cycle; True when the alert is due now."""
        if self.since is None:
            self.since = now
        self.last_error = f"{type(error).__name__}: {error}"[:500]
        return not self.alerted and now - self.since >= self.after

    def worked(self) -> datetime | None:
        """Record a cycle that worked; the outage's start when the staff were alerted (the all-clear is due)."""
        told, since = self.alerted, self.since
        self.since, self.alerted = None, False
        return since if told else None


def alert_letter(office: Office, to: str, alarm: OutageAlarm, now: datetime) -> EmailMessage:
    since = office.time_of(alarm.since or now)
    minutes = int((now - (alarm.since or now)).total_seconds() // 60)
    text = (f"mailbot 自 {since} 起无法处理来信，已持续约 {minutes} 分钟。最近一次的错误：\n\n"
            f"  {alarm.last_error}\n\n"
            "恢复之前，新来信暂不审核、不回复，但不会丢失：恢复后会自动补办，届时另行通知。\n\n"
            "请检查：邮箱能否登录（授权码是否失效、IMAP/SMTP 服务是否仍开启）、数据库是否运行、"
            "磁盘空间是否充足（df -h /var/lib/mailbot）。运行日志：journalctl -u mailbot。")
    return office_letter(office, to, "【mailbot 故障】来信暂时无法处理", now, text)


def all_clear_letter(office: Office, to: str, since: datetime, now: datetime) -> EmailMessage:
    text = (f"mailbot 已于 {office.time_of(now)} 恢复正常（故障自 {office.time_of(since)} 起）。"
            "故障期间收到的来信已开始审核并回复，无需另行处理。")
    return office_letter(office, to, "【mailbot 已恢复】来信处理恢复正常", now, text)
