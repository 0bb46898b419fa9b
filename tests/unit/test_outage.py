"""When the staff hear about an outage: once after it has lasted long enough, and once when it ends."""

from datetime import datetime, timedelta, timezone

from mailbot.outage import OutageAlarm

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
DOWN = ConnectionRefusedError("connection refused")


def test_a_short_outage_is_not_reported_at_all():
    alarm = OutageAlarm(timedelta(minutes=30))
    assert not alarm.failed(DOWN, T0) and not alarm.failed(DOWN, T0 + timedelta(minutes=29))
    assert alarm.worked() is None  # no alert went out, so no all-clear either


def test_a_long_outage_is_reported_once_and_its_end_too():
    alarm = OutageAlarm(timedelta(minutes=30))
    alarm.failed(DOWN, T0)
    assert alarm.failed(OSError("disk full"), T0 + timedelta(minutes=30))
    alarm.alerted = True  # the daemon sets this when the letters went out
    assert not alarm.failed(DOWN, T0 + timedelta(hours=2)) and alarm.last_error == "ConnectionRefusedError: connection refused"
    assert alarm.worked() == T0
    assert alarm.worked() is None and alarm.since is None  # the next outage starts afresh


def test_an_alert_that_could_not_be_sent_is_tried_again_next_cycle():
    alarm = OutageAlarm(timedelta(minutes=1))
    alarm.failed(DOWN, T0)
    assert alarm.failed(DOWN, T0 + timedelta(minutes=2))  # due; delivery failed, alerted stays False
    assert alarm.failed(DOWN, T0 + timedelta(minutes=3))
