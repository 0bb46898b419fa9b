"""Receipts are numbered and letters dated by the office's clock (settings.timezone), one setting for all."""

from datetime import datetime, timedelta, timezone

from tests.builders import pdfs
from tests.builders.campaign import filled_ledger
from tests.pipeline.conftest import make_office, submission

AFTER_MIDNIGHT_IN_BEIJING = datetime(2021, 11, 25, 0, 30, tzinfo=timezone(timedelta(hours=8)))


def test_receipt_number_and_reply_follow_the_offices_zone(tmp_path, rules):
    seen = {}
    for zone in ("Asia/Shanghai", "Asia/Urumqi"):  # UTC+8 and UTC+6: 00:30 in Beijing is 22:30 the day before
        office = make_office(tmp_path, rules, var_dir=tmp_path / zone.replace("/", "-"), timezone=zone)
        office.deliver(submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()},
                                  received=AFTER_MIDNIGHT_IN_BEIJING))
        [outcome] = office.daemon.run_once()
        seen[zone] = (outcome.receipt[:8], office.reply_text())
        office.daemon.close()
    assert seen["Asia/Shanghai"][0] == "20211125" and "于 2021年11月25日 00:30 发来" in seen["Asia/Shanghai"][1]
    assert seen["Asia/Urumqi"][0] == "20211124" and "于 2021年11月24日 22:30 发来" in seen["Asia/Urumqi"][1]
