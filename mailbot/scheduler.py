"""The daily digest and the reminder check as `schedule` jobs inside `mailbot run`.

`schedule` keeps times in the machine's local zone; the configured times are
in the office's zone (Asia/Shanghai), so they are converted once at start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import schedule

log = logging.getLogger("mailbot")


def local_clock_time(hhmm: str, zone: str, day: date | None = None) -> str:
    """'08:00' in ``zone`` as HH:MM on this machine's clock."""
    hour, minute = map(int, hhmm.split(":"))
    moment = datetime.combine(day or date.today(), time(hour, minute), tzinfo=ZoneInfo(zone))
    return moment.astimezone().strftime("%H:%M")


def build_scheduler(digest_at: str | None, zone: str, digest: Callable[[], None],
                    reminders: Callable[[], None]) -> schedule.Scheduler:
    scheduler = schedule.Scheduler()
    if digest_at:
        scheduler.every().day.at(local_clock_time(digest_at, zone)).do(_logged, "digest", digest)
    scheduler.every(1).minutes.do(_logged, "reminders", reminders)
    return scheduler


def _logged(name: str, job: Callable[[], None]) -> None:
    try:
        job()
    except Exception:  # noqa: BLE001 - a failed digest must not stop the daemon; it runs again tomorrow
        log.exception("%s job failed", name)
