"""Replay judges stored mail exactly as a new mail would be judged now, on both databases.

Each test receives mail under the shipped rules, edits the rules as an administrator would, and
checks what replay says and (with apply) records: a person's decision stands, a second problem of
the same kind is a change, a file type taken now is read, an unknown sender now registered is
attributed, and --since counts days in the office's zone.
"""

from datetime import date, datetime, timedelta, timezone

from mailbot.overrides import override
from mailbot.replay import issue_titles, replay
from mailbot.status import unit_states
from tests.builders import pdfs
from tests.builders.campaign import Filling, as_csv, filled_ledger, registered
from tests.pipeline.conftest import edit_rules, on_time, submission

CST = timezone(timedelta(hours=8))
TITLES = issue_titles()


def state_of(office, unit: str) -> str:
    rt = office.daemon.rt
    with rt.store.session() as session:
        return next(s.state for s in unit_states(session, rt.rules, rt.rules.campaign(), on_time(2)) if s.unit == unit)


def test_a_persons_decision_stands(office, tmp_path):
    office.deliver(submission({"台账.xlsx": filled_ledger(Filling(problem={10: "改写过的问题"})),
                               "报告.pdf": pdfs.text_report()}))
    [first] = office.daemon.run_once()
    assert first.verdict == "已受理"
    override(office.daemon.rt, first.receipt, "已受理", "王雪倩", "问题表述经电话确认", False, on_time(1))
    campaign = edit_rules(office, tmp_path / "a", campaign=(('"ledger.problem_changed" = "warning"',
                                                               '"ledger.problem_changed" = "error"'),))
    [change] = replay(office.daemon.rt, campaign, apply=True)
    assert (change.old, change.new) == ("已受理", "需补正") and not change.applies
    assert "已由王雪倩人工认定为“已受理”，重审不改变人工结论" in change.describe(TITLES)
    assert state_of(office, "田坪乡") == "已受理" and len(office.replies()) == 1  # nothing recorded, nothing sent


def test_a_second_problem_of_the_same_kind_is_a_change(office, tmp_path):
    status = {10: "正在整改", 11: "未整改"}  # 未整改 needs a reason (there is none); 正在整改 needs none yet
    office.deliver(submission({"台账.xlsx": filled_ledger(Filling(status=status)), "报告.pdf": pdfs.text_report()}))
    [first] = office.daemon.run_once()
    assert first.verdict == "需补正"
    campaign = edit_rules(office, tmp_path / "a", campaign=(('needs_reason = ["未整改"]',
                                                               'needs_reason = ["未整改", "正在整改"]'),))
    [change] = replay(office.daemon.rt, campaign)
    assert change.changed and change.old == change.new == "需补正"
    [added] = change.added
    assert (added.code, added.seq) == ("ledger.reason_missing", 10)
    assert "新增：「" in change.describe(TITLES) and "序号 10" in change.describe(TITLES)


def test_a_file_type_taken_now_is_read_and_the_unit_told(office, tmp_path):
    campaign = edit_rules(office, tmp_path / "a", campaign=(('types = ["xlsx", "xls", "csv"]', 'types = ["xlsx"]'),))
    office.deliver(submission({"台账.csv": as_csv(filled_ledger()), "报告.pdf": pdfs.text_report()},
                              message_id="<csv@126.com>"))
    [first] = office.daemon.run_once()
    assert first.verdict == "需补正"
    campaign = edit_rules(office, tmp_path / "b")  # the shipped rules take .csv
    [change] = replay(office.daemon.rt, campaign, apply=True)
    assert (change.old, change.new) == ("需补正", "已受理") and change.applies
    assert state_of(office, "田坪乡") == "已受理"
    office.daemon.drain()
    corrected = office.replies()[-1]
    assert str(corrected["Subject"]).startswith("【已受理】田坪乡整改材料更正回执")
    assert f"本回执取代此前编号为 {first.receipt} 的回执" in office.reply_text()
    assert corrected["In-Reply-To"] == "<csv@126.com>"
    assert "台账.csv" in office.reply_text()


def test_an_unknown_sender_registered_later_is_attributed(office, tmp_path):
    office.deliver(submission({"台账.xlsx": filled_ledger(Filling(unit="")), "报告.pdf": pdfs.text_report(unit="")},
                              sender="someone@163.com", subject="材料"))
    [first] = office.daemon.run_once()
    assert first.verdict == "无法确认单位"
    campaign = edit_rules(office, tmp_path / "a", units=(registered("吉强镇", "someone@163.com"),))
    [change] = replay(office.daemon.rt, campaign, unit="吉强镇", apply=True)
    assert (change.was_unit, change.unit) == ("无法确认单位的来信", "吉强镇")
    assert (change.old, change.new) == ("无法确认单位", "需补正") and change.applies
    assert [a.code for a in change.added] == ["report.unit_missing"]  # the report (built with unit="") names no unit
    assert change.describe(TITLES).startswith("无法确认单位的来信 → 吉强镇（回执 ")
    assert state_of(office, "吉强镇") == "需补正"
    office.daemon.drain()
    assert "吉强镇" in str(office.replies()[-1]["Subject"])


def test_an_older_unknown_mail_does_not_replace_a_units_newer_verdict(office, tmp_path):
    office.deliver(submission({"台账.xlsx": filled_ledger(Filling(unit="")), "报告.pdf": pdfs.text_report(unit="")},
                              sender="someone@163.com", subject="材料", received=on_time(0)))
    office.deliver(submission({"台账.xlsx": filled_ledger(Filling(unit="吉强镇")),
                               "报告.pdf": pdfs.text_report(unit="吉强镇")},
                              sender="jq@163.com", subject="吉强镇整改材料", received=on_time(1)))
    office.daemon.run_once()
    campaign = edit_rules(office, tmp_path / "a", units=(registered("吉强镇", "someone@163.com", "jq@163.com"),))
    changes = {c.was_unit: c for c in replay(office.daemon.rt, campaign, apply=True)}
    unknown = changes["无法确认单位的来信"]
    assert unknown.unit == "吉强镇" and not unknown.applies and "已有更新的报送" in unknown.kept


def test_since_counts_days_in_the_offices_zone(office, tmp_path):
    early = datetime(2021, 11, 25, 7, 30, tzinfo=CST)  # 2021-11-24 23:30 UTC
    office.deliver(submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()},
                              received=on_time(-24)))
    office.deliver(submission({"台账.xlsx": filled_ledger(Filling(unit="兴隆镇")),
                               "报告.pdf": pdfs.text_report(unit="兴隆镇")},
                              sender="xl@163.com", subject="兴隆镇材料", received=early))
    office.daemon.run_once()
    campaign = office.daemon.rt.rules.campaign()
    assert [c.unit for c in replay(office.daemon.rt, campaign, since=date(2021, 11, 25))] == ["兴隆镇"]
    assert {c.unit for c in replay(office.daemon.rt, campaign, since=date(2021, 11, 23))} == {"田坪乡", "兴隆镇"}
