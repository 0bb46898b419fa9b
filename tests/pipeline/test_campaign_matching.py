"""With several rounds on the rules, each mail goes to the round a clerk would put it in."""

from datetime import date, datetime, timedelta, timezone

import pytest

from mailbot.campaign_new import new_campaign
from mailbot.campaigns import match_campaign
from mailbot.intake import read_files
from mailbot.mailparse import parse_mail
from tests.builders import mails, pdfs
from tests.builders.campaign import CAMPAIGN_ID, edited_rules, filled_ledger
from tests.builders.second_round import SECOND, second_template
from parsers.types import Limits

pytestmark = pytest.mark.no_database  # rules and files only: matching reads no stored mail

BEIJING = timezone(timedelta(hours=8))
JUNE_20 = datetime(2022, 6, 20, 10, 0, tzinfo=BEIJING)
# a report that names no 文号: nothing in the files says which round it answers
PLAIN_REPORT = pdfs.text_report(body=("县人民政府办公室：", "我乡对照反馈问题逐项整改，现将整改情况报告如下。"))


def two_rounds(tmp_path, first_deadline="2021-11-25", keywords=("第二季度",), third=None):
    """The shipped round (its keywords 整改台账、整改报告、政务公开、反馈问题) and a second one opened with
    `campaign new`, closing 2022-06-30; optionally a third."""
    rules_dir = edited_rules(tmp_path, campaign=(("date = 2021-11-25", f"date = {first_deadline}"),))
    workbook = tmp_path / "第二季度台账.xlsx"
    workbook.write_bytes(second_template())
    rules = new_campaign(rules_dir, SECOND, workbook, "关于做好第二季度政务公开问题整改的通知", date(2022, 6, 30),
                         "西政办函〔2022〕12号", keywords)
    if third:
        rules = new_campaign(rules_dir, "xzbh-2022-20", workbook, "第三轮", date(2022, 7, 31), "", third)
    return rules


def matched(rules, subject, files, received=JUNE_20, earlier=frozenset()):
    mail = parse_mail(mails.client_mail(subject=subject, files=files, received=received))
    dossier = read_files(files.items(), rules.campaign(CAMPAIGN_ID), Limits())
    return match_campaign(rules, mail, dossier, received, earlier).id


def test_a_report_alone_in_june_goes_to_the_open_round_not_last_years(tmp_path):
    """The audit's mail: 田坪乡整改报告 on 2022-06-20 went to xzbh-2021-56 (逾期, 未收到整改台账) because
    that round lists 整改报告 among its keywords."""
    rules = two_rounds(tmp_path)
    assert matched(rules, "田坪乡整改报告", {"田坪乡整改报告.pdf": PLAIN_REPORT}) == SECOND
    # even a word only the closed round lists does not outweigh an open round: only the files can
    assert matched(rules, "田坪乡政务公开整改报告", {"报告.pdf": PLAIN_REPORT}) == SECOND


def test_a_closed_round_still_takes_mail_that_carries_its_template_or_its_number(tmp_path):
    rules = two_rounds(tmp_path)
    assert matched(rules, "田坪乡整改台账", {"台账.xlsx": filled_ledger()}) == CAMPAIGN_ID
    assert matched(rules, "田坪乡整改报告（补报）", {"报告.pdf": pdfs.text_report()}) == CAMPAIGN_ID  # 西政办函〔2021〕56号


def test_a_round_s_own_keyword_decides_between_two_open_rounds(tmp_path):
    """Both open; the first closes sooner, but the subject names the second round."""
    rules = two_rounds(tmp_path, first_deadline="2022-06-25")
    assert matched(rules, "田坪乡整改报告", {"报告.pdf": PLAIN_REPORT}) == CAMPAIGN_ID  # nothing said: sooner
    assert matched(rules, "田坪乡第二季度整改报告", {"报告.pdf": PLAIN_REPORT}) == SECOND


def test_a_keyword_several_rounds_list_is_no_evidence(tmp_path):
    """政务公开 is listed by the first and the third round: it points at neither, so the second round,
    closing soonest, takes the mail."""
    rules = two_rounds(tmp_path, first_deadline="2022-07-15", keywords=("第二季度",), third=("政务公开",))
    assert matched(rules, "田坪乡政务公开整改报告", {"报告.pdf": PLAIN_REPORT}) == SECOND


@pytest.mark.parametrize("earlier, expected", [(frozenset(), SECOND), (frozenset({CAMPAIGN_ID}), CAMPAIGN_ID)])
def test_the_round_where_the_unit_already_sent_files_is_preferred(tmp_path, earlier, expected):
    """A report alone, two rounds open: it completes the dossier the unit has started."""
    rules = two_rounds(tmp_path, first_deadline="2022-07-15")
    assert matched(rules, "田坪乡整改报告", {"报告.pdf": PLAIN_REPORT}, earlier=earlier) == expected
