"""A person decides held mail: `confirm` credits it to a unit and answers with a normal receipt (and may
register the address, keeping units.toml's comments); `reject` closes it; both are recorded."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mailbot import queries as q
from mailbot.models import FlagRecord, MessageRecord, ReviewRecord, VerdictRecord
from mailbot.review import ReviewError, confirm, reject
from mailbot.rules_loader import load_rules
from mailbot.status import format_message, unit_states
from tests.builders import attacks, mails
from tests.builders.attacks import JIQIANG, STAFF, unit_mail
from tests.builders.campaign import Filling, filled_ledger
from tests.pipeline.conftest import make_office, on_time, rows

NOW = datetime(2021, 11, 24, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def office(tmp_path, database_url):
    folder = attacks.guarded_rules(tmp_path)
    made = make_office(tmp_path, load_rules(folder), database_url=database_url)
    made.rules_dir = folder
    return made



def held(office, raw) -> int:
    office.deliver(raw)
    [outcome] = office.daemon.run_once()
    assert outcome.state == "held"
    return max(m.id for m in rows(office, MessageRecord))


def state_of(office, unit="吉强镇"):
    rt = office.daemon.rt
    with rt.store.session() as session:
        return next(s for s in unit_states(session, rt.rules, rt.rules.campaign(), on_time(1)) if s.unit == unit)


def test_confirm_with_register_round_trip(office):
    number = held(office, unit_mail("jqz-new@126.com", client="126"))
    assert office.replies()[0]["Subject"].startswith("【待确认】")
    units_before = (office.rules_dir / "units.toml").read_text(encoding="utf-8")
    done = confirm(office.daemon.rt, str(number), None, "王雪倩", NOW, register=True, rules_dir=office.rules_dir)
    office.daemon.drain()
    assert (done.unit, done.tag, done.registered, done.answered) == ("吉强镇", "已受理", "jqz-new@126.com", "jqz-new@126.com")
    receipt = office.replies()[-1]
    assert receipt["Subject"].startswith("【已受理】吉强镇") and done.receipt in receipt["Subject"]
    assert "经县政府办公室核实" in office.reply_text()
    assert state_of(office).state == "已受理" and state_of(office).receipt == done.receipt
    # units.toml: the address added to 吉强镇, every comment and every other line kept
    units_after = (office.rules_dir / "units.toml").read_text(encoding="utf-8")
    assert 'addresses = ["jqzdzb@163.com", "jqz-new@126.com"]' in units_after
    comments = [line for line in units_before.splitlines() if line.startswith("#")]
    assert comments and all(line in units_after.splitlines() for line in comments)
    assert len(units_after.splitlines()) == len(units_before.splitlines())
    assert load_rules(office.rules_dir).roster.by_address("jqz-new@126.com").name == "吉强镇"
    assert office.daemon.rt.rules.roster.by_address("jqz-new@126.com") is not None  # in force at once
    [review] = rows(office, ReviewRecord)
    assert (review.action, review.unit, review.registered, review.by) == ("confirmed", "吉强镇", True, "王雪倩")
    assert not [f for f in rows(office, FlagRecord) if not f.resolved]
    # the next mail from that address is the unit's own
    office.deliver(unit_mail("jqz-new@126.com", client="126", subject="吉强镇整改材料（更正）"))
    [second] = office.daemon.run_once()
    assert second.state == "processed" and second.unit == "吉强镇"
    assert rows(office, MessageRecord)[-1].trust == "registered"


def test_confirm_without_register_credits_this_mail_only(office):
    number = held(office, unit_mail("helper@qq.com", client="qq"))
    done = confirm(office.daemon.rt, str(number), "吉强镇", "王雪倩", NOW)
    assert done.registered == "" and state_of(office).state == "已受理"
    assert held(office, unit_mail("helper@qq.com", client="qq", subject="吉强镇整改台账（第二次）")) > number


def test_a_suspected_mail_may_be_confirmed_by_a_person(office):
    number = held(office, attacks.lookalikes()["same name at qq.com"])
    done = confirm(office.daemon.rt, str(number), "吉强镇", "王雪倩", NOW)
    assert done.tag == "已受理" and state_of(office).receipt == done.receipt
    with office.daemon.rt.store.session() as session:
        shown = format_message(session, str(number), "Asia/Shanghai")
    assert "疑似冒充" in shown and "确认计入吉强镇（王雪倩" in shown and done.receipt in shown


def test_staff_direct_mail_is_confirmed_to_the_unit_it_names(office):
    number = held(office, unit_mail(STAFF, sender_name="王雪倩"))
    done = confirm(office.daemon.rt, str(number), None, "王雪倩", NOW)
    assert done.unit == "吉强镇" and done.answered == STAFF
    with pytest.raises(ReviewError, match="工作人员的邮箱，不能登记"):
        number = held(office, unit_mail(STAFF, sender_name="王雪倩", subject="吉强镇整改台账（补）"))
        confirm(office.daemon.rt, str(number), None, "王雪倩", NOW, register=True, rules_dir=office.rules_dir)


def test_hostile_mail_can_only_be_rejected(office):
    number = held(office, unit_mail(JIQIANG, files=attacks.HOSTILE_FILES["program named as the report"]()))
    with pytest.raises(ReviewError, match="含有可疑内容"):
        confirm(office.daemon.rt, str(number), "吉强镇", "王雪倩", NOW)
    done = reject(office.daemon.rt, str(number), "王雪倩", "电话核实：对方未发过此邮件", NOW)
    assert done.message == number
    message = rows(office, MessageRecord)[-1]
    assert message.state == "rejected" and office.replies() == []
    [review] = rows(office, ReviewRecord)
    assert (review.action, review.comment, review.by) == ("rejected", "电话核实：对方未发过此邮件", "王雪倩")
    assert all(f.resolved for f in rows(office, FlagRecord))
    with pytest.raises(ReviewError, match="已被人工关闭"):
        reject(office.daemon.rt, str(number), "王雪倩", "again", NOW)


def test_mail_of_an_unknown_unit_can_be_confirmed_to_one(office):
    office.deliver(mails.client_mail("126", sender="xl2021@126.com", subject="整改材料",
                                     files={"台账.xlsx": filled_ledger(Filling(unit=""))}))
    [outcome] = office.daemon.run_once()
    assert outcome.verdict == "无法确认单位"
    done = confirm(office.daemon.rt, outcome.receipt, "兴隆镇", "王雪倩", NOW)
    assert done.unit == "兴隆镇" and state_of(office, "兴隆镇").receipt == done.receipt
    with office.daemon.rt.store.session() as session:
        assert q.unidentified_verdicts(session, office.daemon.rt.rules.campaign().id) == []


@pytest.mark.parametrize("ref, unit, who, said", [
    ("999", "吉强镇", "王雪倩", "没有来信编号或回执编号为 999"),
    ("abc", "吉强镇", "王雪倩", "没有来信编号或回执编号为 abc"),
    ("{held}", "不存在乡", "王雪倩", "「不存在乡」不在名册中"),
    ("{held}", "吉强镇", " ", "--by 须写明"),
])
def test_confirm_refuses_in_words(office, ref, unit, who, said):
    number = held(office, unit_mail("helper@qq.com", client="qq"))
    with pytest.raises(ReviewError, match=said):
        confirm(office.daemon.rt, ref.format(held=number), unit, who, NOW)


def test_processed_mail_is_not_confirmed_again(office):
    office.deliver(unit_mail(JIQIANG))
    [outcome] = office.daemon.run_once()
    with pytest.raises(ReviewError, match=f"已计入「吉强镇」（回执 {outcome.receipt}）.*mailbot override"):
        confirm(office.daemon.rt, outcome.receipt, "吉强镇", "王雪倩", NOW)
    assert len(rows(office, VerdictRecord)) == 1


def test_reject_needs_a_reason(office):
    number = held(office, unit_mail("helper@qq.com", client="qq"))
    with pytest.raises(ReviewError, match="--comment 须写明"):
        reject(office.daemon.rt, str(number), "王雪倩", "  ", NOW)


def test_a_broken_roster_after_registering_is_put_back(office):
    number = held(office, unit_mail("tianping@163.com".replace("tianping", "tp"), client="163"))
    path = office.rules_dir / "units.toml"
    path.write_text(path.read_text(encoding="utf-8") + '\n[[units]]\nname = "吉强镇"\nkind = "乡镇"\n', encoding="utf-8")
    broken = path.read_text(encoding="utf-8")
    with pytest.raises(ReviewError, match="已恢复原文件"):
        confirm(office.daemon.rt, str(number), "吉强镇", "王雪倩", NOW, register=True, rules_dir=office.rules_dir)
    assert path.read_text(encoding="utf-8") == broken
    assert rows(office, MessageRecord)[-1].state == "held"
