"""`mailbot run` on the embedded default: every mail archived, judged, recorded and answered once."""

import hashlib
from datetime import datetime, timedelta, timezone

import pytest

from mailbot.models import AttachmentRecord, FlagRecord, LedgerRowRecord, MessageRecord, VerdictRecord
from mailbot.rules_loader import load_rules
from tests.builders import hostile, mails, pdfs
from tests.builders.campaign import RULES, Filling, edited_rules, filled_ledger, registered
from tests.pipeline.conftest import on_time, rows, submission

LEDGER = filled_ledger()
REPORT = pdfs.text_report()



def test_correct_submission_is_accepted_and_answered(office):
    raw = submission({"田坪乡整改台账.xlsx": LEDGER, "田坪乡整改报告.pdf": REPORT}, message_id="<m1@126.com>")
    office.deliver(raw)
    [outcome] = office.daemon.run_once()
    assert outcome.state == "processed" and outcome.verdict == "已受理" and outcome.unit == "田坪乡"
    [reply] = office.replies()
    assert reply["Subject"].startswith("【已受理】田坪乡") and outcome.receipt in reply["Subject"]
    assert reply["To"] == "tianping@126.com" and reply["In-Reply-To"] == "<m1@126.com>"
    assert reply["Auto-Submitted"] == "auto-replied" and reply["X-Auto-Response-Suppress"] == "All"
    assert reply["X-Mailbot-Loop"] == outcome.receipt
    text = office.reply_text()
    assert "予以受理" in text and "应填报 14 项，已填报 14 项" in text and "《田坪乡整改台账.xlsx》" in text
    html = reply.get_body(("html",)).get_content()
    assert "【已受理】" in html and outcome.receipt in html and "田坪乡整改台账.xlsx" in html
    # archived first, by sha256, and never deleted
    archive = office.settings.archive_path
    assert (archive / hashlib.sha256(raw).hexdigest()[:2] / hashlib.sha256(raw).hexdigest()).read_bytes() == raw
    [verdict] = rows(office, VerdictRecord)
    assert verdict.rules_version == load_rules(RULES).version and not verdict.late
    assert len(rows(office, LedgerRowRecord)) == 37
    files = {a.name: (a.role, a.kind, a.size, a.sha256) for a in rows(office, AttachmentRecord)}
    assert files["田坪乡整改台账.xlsx"] == ("ledger", "xlsx", len(LEDGER), hashlib.sha256(LEDGER).hexdigest())
    assert files["田坪乡整改报告.pdf"][:3] == ("report", "pdf", len(REPORT))


def test_running_twice_sends_nothing_twice(office):
    office.deliver(submission({"台账.xlsx": LEDGER, "报告.pdf": REPORT}))
    office.daemon.run_once()
    assert office.daemon.run_once() == []
    assert len(office.replies()) == 1 and len(rows(office, VerdictRecord)) == 1


def test_fresh_daemon_on_the_same_state_sends_nothing_twice(office, rules):
    from mailbot.daemon import build_daemon

    office.deliver(submission({"台账.xlsx": LEDGER, "报告.pdf": REPORT}))
    office.daemon.run_once()
    again = build_daemon(office.settings, rules)
    assert again.run_once() == [] and len(office.replies()) == 1


def test_needs_fix_lists_every_problem_with_place_and_fix(office):
    ledger = filled_ledger(Filling(status={12: ""}, phone="123"))
    office.deliver(submission({"台账.xlsx": ledger}))
    [outcome] = office.daemon.run_once()
    assert outcome.verdict == "需补正"
    text = office.reply_text()
    assert office.replies()[0]["Subject"].startswith("【需补正】田坪乡")
    assert "台账!H18 单元格，序号 12" in text and "修改方法：" in text and "台账!B5" in text
    assert "尚缺材料：整改报告（PDF）" in text


def test_ledger_first_report_later_makes_one_dossier(office):
    office.deliver(submission({"台账.xlsx": LEDGER}, received=on_time(0)))
    office.daemon.run_once()
    office.deliver(submission({"报告.pdf": REPORT}, subject="田坪乡整改报告", received=on_time(2)))
    [second] = office.daemon.run_once()
    assert second.verdict == "已受理"
    text = office.reply_text(-1)
    assert "应填报 14 项，已填报 14 项" in text  # the earlier ledger counted
    assert [v.tag for v in rows(office, VerdictRecord)] == ["需补正", "已受理"]


def test_an_earlier_file_missing_from_the_archive_is_a_flag_for_staff_not_a_wrong_reply(office):
    office.deliver(submission({"台账.xlsx": LEDGER}, received=on_time(0)))
    office.daemon.run_once()
    ledger = office.settings.archive_path / hashlib.sha256(LEDGER).hexdigest()[:2] / hashlib.sha256(LEDGER).hexdigest()
    ledger.unlink()  # e.g. restored from a backup without the archive folder
    office.deliver(submission({"报告.pdf": REPORT}, subject="田坪乡整改报告", received=on_time(2)))
    [second] = office.daemon.run_once()
    assert second.state == "failed" and len(office.replies()) == 1  # no 未收到台账 sent for a ledger it has
    [flag] = [f for f in rows(office, FlagRecord) if f.kind == "failed"]
    assert "原始存档中缺少" in flag.detail and str(ledger) in flag.detail and "恢复" in flag.detail


def test_report_sent_as_a_large_attachment_link_is_explained_not_just_missing(office):
    office.deliver(mails.large_attachment_mail("163", files={"田坪乡整改台账.xlsx": LEDGER}))
    [outcome] = office.daemon.run_once()
    assert outcome.verdict == "需补正"
    text = office.reply_text()
    assert "尚缺材料：整改报告（PDF）" in text
    assert "邮件中附有网易邮箱超大附件的下载链接。系统不下载链接中的文件，链接中的材料未予审核。" in text
    assert "网易邮箱超大附件的下载链接（系统不下载链接中的文件）" in text  # in 本次收到的材料
    assert "    建议：请将整改台账和整改报告直接添加为邮件附件发送" in text  # warnings carry their advice too
    refused = [a for a in rows(office, AttachmentRecord) if a.role == "refused"]
    assert [a.name for a in refused] == ["网易邮箱超大附件"]


def test_a_mail_of_many_photos_gets_a_reply_of_bounded_length(office):
    photos = {f"IMG_{i:04d}.jpg": hostile.jpeg() + bytes([i]) for i in range(1, 61)}
    office.deliver(submission({**photos, "台账.xlsx": LEDGER, "报告.pdf": REPORT}))
    [outcome] = office.daemon.run_once()
    assert outcome.state == "processed"
    text = office.reply_text()
    assert "另有 42 个文件因附件过多未予读取" in text and "IMG_0060" not in text
    assert "另有 42 个未予读取：《IMG_0019.jpg》" in text  # 20 read: the ledger, the report and 18 photos
    assert text.count("是图片") == 18 and text.count("合并为一个 PDF") == 2  # the same advice once, + too_many's


def test_a_question_in_the_mail_is_passed_to_a_person_and_the_unit_told_so(office):
    office.deliver(submission({"台账.xlsx": LEDGER, "报告.pdf": REPORT},
                              body="附件为我乡材料。请问序号 27 不是我乡职责，是否需要填写？\n李明"))
    [outcome] = office.daemon.run_once()
    assert outcome.verdict == "已受理"  # the submission itself is judged as usual
    assert "您在来信中提出的问题已转交工作人员，将另行答复。" in office.reply_text()
    [flag] = [f for f in rows(office, FlagRecord) if f.kind == "question"]
    assert flag.detail == "田坪乡：请问序号 27 不是我乡职责，是否需要填写？"
    office.deliver(submission({"台账.xlsx": LEDGER, "报告.pdf": REPORT}, received=on_time(1)))  # a plain cover note
    office.daemon.run_once()
    assert "转交工作人员" not in office.reply_text() and len([f for f in rows(office, FlagRecord)
                                                                 if f.kind == "question"]) == 1


def test_a_reply_repeats_a_huge_subject_and_file_name_only_in_part(office):
    name = "田坪乡" + "台账" * 300 + ".xlsx"
    office.deliver(submission({name: LEDGER, "报告.pdf": REPORT}, subject="田坪乡整改材料" + "。" * 3000))
    office.daemon.run_once()
    text = office.reply_text()
    assert len(text) < 3000 and "台账" * 300 not in text and "。" * 200 not in text
    assert name in [a.name for a in rows(office, AttachmentRecord)]  # the record keeps it whole


def test_resubmission_supersedes_and_every_version_is_kept(office):
    office.deliver(submission({"台账.xlsx": filled_ledger(Filling(status={12: ""})), "报告.pdf": REPORT}))
    office.daemon.run_once()
    office.deliver(submission({"台账（修改后）.xlsx": LEDGER}, received=on_time(3)))
    [fixed] = office.daemon.run_once()
    assert fixed.verdict == "已受理"
    verdicts = rows(office, VerdictRecord)
    assert [v.ledger_name for v in verdicts] == ["台账.xlsx", "台账（修改后）.xlsx"]
    assert verdicts[1].report_name == "报告.pdf"


def test_exact_duplicate_is_recognised_and_not_answered_again(office):
    raw = submission({"台账.xlsx": LEDGER, "报告.pdf": REPORT})
    office.deliver(raw)
    office.deliver(raw)  # the same bytes under another file name
    outcomes = office.daemon.run_once()
    assert [o.state for o in outcomes] == ["processed", "duplicate"]
    assert len(office.replies()) == 1


@pytest.mark.parametrize("first_mail_counts", [False, True])
def test_a_late_correction_of_an_on_time_submission(office, tmp_path, first_mail_counts):
    """By default every mail after the deadline is 逾期; with first_mail_counts the on-time first counts."""
    edit = ("first_mail_counts = false", f"first_mail_counts = {str(first_mail_counts).lower()}")
    office.daemon.rt.rules = load_rules(edited_rules(tmp_path, campaign=(edit,)))
    office.deliver(submission({"台账.xlsx": filled_ledger(Filling(status={12: ""})), "报告.pdf": REPORT}))
    [first] = office.daemon.run_once()
    assert first.verdict == "需补正"
    late = datetime(2021, 11, 27, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    office.deliver(submission({"台账（补正）.xlsx": LEDGER}, received=late))
    [fixed] = office.daemon.run_once()
    assert fixed.verdict == "已受理"
    assert rows(office, VerdictRecord)[-1].late is not first_mail_counts
    assert ("逾期" in office.replies()[-1]["Subject"]) is not first_mail_counts


def test_late_mail_is_judged_and_marked(office):
    late = datetime(2021, 11, 26, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    office.deliver(submission({"台账.xlsx": LEDGER, "报告.pdf": REPORT}, received=late))
    [outcome] = office.daemon.run_once()
    assert outcome.verdict == "已受理"
    reply = office.replies()[0]
    assert reply["Subject"].startswith("【已受理】（逾期）田坪乡")
    assert "已超过报送截止时间" in office.reply_text() and rows(office, VerdictRecord)[0].late


def test_an_extension_moves_that_units_deadline_only(office, tmp_path):
    extension = '\n[extensions]\n"田坪乡" = { until = 2021-11-30, by = "王雪倩", reason = "书记外出" }\n'
    office.daemon.rt.rules = load_rules(edited_rules(tmp_path, campaign=(("\n[extensions]\n", extension),)))
    shanghai = timezone(timedelta(hours=8))
    office.deliver(submission({"台账.xlsx": LEDGER, "报告.pdf": REPORT}, received=datetime(2021, 11, 29, 9, 0, tzinfo=shanghai)))
    office.deliver(submission({"台账.xlsx": filled_ledger(Filling(unit="兴隆镇")), "报告.pdf": pdfs.text_report(unit="兴隆镇")},
                              sender="xinglong@163.com", subject="兴隆镇整改材料",
                              received=datetime(2021, 11, 26, 9, 0, tzinfo=shanghai)))
    office.deliver(submission({"台账.xlsx": LEDGER, "报告.pdf": REPORT}, received=datetime(2021, 12, 1, 0, 0, tzinfo=shanghai)))
    outcomes = office.daemon.run_once()
    assert [(o.unit, o.verdict) for o in outcomes] == [("田坪乡", "已受理"), ("兴隆镇", "已受理"), ("田坪乡", "已受理")]
    subjects = [str(r["Subject"]) for r in office.replies()]
    assert [("（逾期）" in s) for s in subjects] == [False, True, True]
    assert "已超过报送截止时间（2021年12月01日 00:00 前）" in office.reply_text(2)


def test_deadline_uses_server_receive_time_not_the_date_header(office):
    raw = submission({"台账.xlsx": LEDGER, "报告.pdf": REPORT},
                     received=datetime(2021, 11, 25, 23, 59, tzinfo=timezone(timedelta(hours=8))),
                     extra_headers=("Date: Mon, 01 Nov 2021 08:00:00 +0800",))
    late = datetime(2021, 11, 26, 0, 1, tzinfo=timezone(timedelta(hours=8)))
    raw = raw.replace(b"Received: ", f"Received: from x by mx.office.test; {late.strftime('%a, %d %b %Y %H:%M:%S %z')}\r\nReceived: ".encode(), 1)
    office.deliver(raw)
    office.daemon.run_once()
    assert rows(office, VerdictRecord)[0].late


def test_unregistered_sender_with_clear_files_is_accepted_with_note_and_flag(office):
    office.deliver(submission({"田坪乡台账.xlsx": LEDGER, "报告.pdf": REPORT}, sender="someone@163.com"))
    [outcome] = office.daemon.run_once()
    assert outcome.verdict == "已受理" and outcome.unit == "田坪乡"
    assert "someone@163.com 未在报送名册中登记" in office.reply_text()
    assert [f.kind for f in rows(office, FlagRecord)] == ["unregistered_address"]


def test_registered_address_identifies_the_unit(office, tmp_path):
    office.daemon.rt.rules = load_rules(edited_rules(tmp_path, units=(registered("田坪乡", "tp@126.com"),)))
    ledger = filled_ledger(Filling(unit="田坪乡"))
    office.deliver(submission({"材料1.xlsx": ledger, "材料2.pdf": REPORT}, sender="tp@126.com", subject="材料"))
    [outcome] = office.daemon.run_once()
    assert outcome.verdict == "已受理" and rows(office, FlagRecord) == []


def test_evidence_for_two_units_is_a_conflict(office):
    office.deliver(submission({"台账.xlsx": filled_ledger(Filling(unit="兴隆镇")), "报告.pdf": REPORT},
                              subject="田坪乡整改材料"))
    [outcome] = office.daemon.run_once()
    assert outcome.verdict == "需补正"
    assert "无法确定报送单位" in office.reply_text()
    assert [f.kind for f in rows(office, FlagRecord)] == ["unit_conflict"]


def test_no_evidence_asks_the_sender_to_name_the_unit(office):
    office.deliver(submission({}, sender="who@163.com", subject="材料", body="见附件"))
    [outcome] = office.daemon.run_once()
    assert outcome.verdict == "无法确认单位"
    assert office.replies()[0]["Subject"].startswith("【无法确认单位】")
    assert "请在邮件主题中写明单位全称" in office.reply_text()
    assert [f.kind for f in rows(office, FlagRecord)] == ["unknown_unit"]


def test_mail_forwarded_by_staff_is_attributed_to_the_unit_inside(office, tmp_path):
    edits = (("staff = []", 'staff = ["staff@office.test"]'), registered("田坪乡", "tp@126.com"))
    office.daemon.rt.rules = load_rules(edited_rules(tmp_path, units=edits))
    inner = submission({"台账.xlsx": LEDGER, "报告.pdf": REPORT}, sender="tp@126.com", subject="材料")
    office.deliver(mails.forwarded_as_attachment(inner, staff="staff@office.test"))
    [outcome] = office.daemon.run_once()
    assert outcome.unit == "田坪乡" and outcome.verdict == "已受理"


def test_a_forward_of_a_forward_is_attributed_to_the_unit_at_the_end_of_the_chain(office, tmp_path):
    edits = (("staff = []", 'staff = ["secretary@office.test", "chief@office.test"]'), registered("田坪乡", "tp@126.com"))
    office.daemon.rt.rules = load_rules(edited_rules(tmp_path, units=edits))
    inner = submission({"台账.xlsx": LEDGER, "报告.pdf": REPORT}, sender="tp@126.com", subject="材料")
    via_secretary = mails.forwarded_as_attachment(inner, staff="secretary@office.test")
    office.deliver(mails.forwarded_as_attachment(via_secretary, staff="chief@office.test"))
    [outcome] = office.daemon.run_once()
    assert outcome.unit == "田坪乡" and outcome.verdict == "已受理"
    assert [f.kind for f in rows(office, FlagRecord)] == []  # by its registered address: no 未登记 flag


def test_automatic_mail_is_recorded_and_never_answered(office):
    for kind in ("auto-submitted", "vacation", "mailer-daemon", "loop", "qq-bounce"):
        office.deliver(mails.auto_reply(kind))
    office.deliver(mails.bounce_report())
    outcomes = office.daemon.run_once()
    assert [o.state for o in outcomes] == ["ignored"] * 6
    assert office.replies() == []
    assert all(m.reason for m in rows(office, MessageRecord))


def test_reply_cap_per_sender_stops_a_loop(office):
    office.daemon.rt.reply_cap_per_hour = 2
    for hour in range(4):
        office.deliver(submission({"台账.xlsx": LEDGER}, received=on_time(hour)))
    office.daemon.run_once()
    assert len(office.replies()) == 2
    assert [f.kind for f in rows(office, FlagRecord) if f.kind == "reply_capped"] == ["reply_capped"] * 2


def test_hostile_mail_is_kept_unanswered_and_malformed_mail_is_answered(office):
    office.deliver(submission({"台账.xlsx": hostile.xml_bomb_xlsx(LEDGER), "报告.pdf": hostile.pe_executable(),
                               "材料.zip": hostile.zip_bomb(200)}))
    office.deliver(b'From: "broken <tianping@126.com\r\nSubject: =?gbk?B?!!?=\r\n\r\n\xff\xfe')
    outcomes = office.daemon.run_once()
    assert [o.state for o in outcomes] == ["held", "processed"]  # the attack is quarantined, the mistake answered
    [reply] = office.replies()
    assert reply["To"] == "tianping@126.com" and "无法确认单位" in reply["Subject"]
    [flag] = [f for f in rows(office, FlagRecord) if f.kind == "quarantined"]
    assert "“台账.xlsx”是XML 实体声明" in flag.detail and "“报告.pdf”是可执行程序" in flag.detail
    assert "“材料.zip”是压缩炸弹" in flag.detail
    assert len(list(office.settings.archive_path.rglob("*"))) >= 2


def test_a_bug_marks_the_mail_failed_flags_it_and_it_is_retried_later(office, rules, monkeypatch):
    import mailbot.pipeline as pipeline
    from mailbot.daemon import build_daemon

    office.deliver(submission({"台账.xlsx": LEDGER, "报告.pdf": REPORT}))
    monkeypatch.setattr(pipeline, "judge", lambda *a, **k: 1 / 0)
    [outcome] = office.daemon.run_once()
    assert outcome.state == "failed" and office.daemon.run_once() == []  # no hot retry loop
    assert [f.kind for f in rows(office, FlagRecord)] == ["failed"] and office.replies() == []
    monkeypatch.undo()
    [retried] = build_daemon(office.settings, rules).run_once()  # the next start, cause fixed
    assert retried.verdict == "已受理" and len(office.replies()) == 1
