"""The digest, the consolidated workbook and the reminders, from a campaign state built by real mail."""

import email
import io
from datetime import datetime, timedelta, timezone
from email import policy

import openpyxl
import pytest
from freezegun import freeze_time

from mailbot.daemon import build_daemon
from mailbot.rules_loader import load_rules
from mailbot.settings import Settings
from mailbot.reminders import queue_reminders
from mailbot.staff import preview_digest, reminders_due, send_reminders
from tests.builders import mails, pdfs
from tests.builders.campaign import Filling, edited_rules, filled_ledger, registered
from tests.pipeline.conftest import submission
from tests.servers import PASSWORD

CST = timezone(timedelta(hours=8))
STAFF = "wangxq@office.test"


@pytest.fixture
def staff_rules(tmp_path):
    edits = (("staff = []", f'staff = ["{STAFF}"]'), registered("马建乡", "majian@163.com"))
    return load_rules(edited_rules(tmp_path, units=edits))


def put(daemon, raw: bytes, name: str) -> None:
    (daemon.inbox.root / "new" / name).write_bytes(raw)


def campaign_state(tmp_path, rules, smtp, monkeypatch):
    """田坪乡 accepted (with a formula in a cell), 兴隆镇 needs fixing and asks a question, 平峰镇 late,
    an unknown sender, and a reply the SMTP server refuses for good."""
    monkeypatch.setenv("MAILBOT_TEST_SMTP_PASSWORD", PASSWORD)
    settings = Settings(var_dir=tmp_path / "var", outbox=smtp.settings())
    daemon = build_daemon(settings, rules)
    injected = filled_ledger(Filling(measure={12: '=HYPERLINK("http://evil.test","点我")'}))
    put(daemon, submission({"台账.xlsx": injected, "报告.pdf": pdfs.text_report()},
                           received=datetime(2021, 11, 23, 9, 0, tzinfo=CST)), "1.mx")
    put(daemon, submission({"台账.xlsx": filled_ledger(Filling(unit="兴隆镇", status={12: ""}))},
                           sender="xinglong@163.com", subject="兴隆镇台账", received=datetime(2021, 11, 24, 9, 0, tzinfo=CST),
                           body="报告随后补报。请问序号 12 的完成时限能否延后？"), "2.mx")
    put(daemon, mails.client_mail("163", sender="who@163.com", subject="材料", files={},
                                  received=datetime(2021, 11, 24, 10, 0, tzinfo=CST)), "3.mx")
    daemon.run_once()
    smtp.refuse_with = "550 5.1.1 mailbox unavailable"
    put(daemon, submission({"台账.xlsx": filled_ledger(Filling(unit="平峰镇")),
                            "报告.pdf": pdfs.text_report(unit="平峰镇")},
                           sender="pingfeng@163.com", subject="平峰镇整改材料",
                           received=datetime(2021, 11, 26, 9, 0, tzinfo=CST)), "4.mx")
    daemon.run_once()
    smtp.refuse_with = None
    smtp.messages.clear()
    return settings, daemon


def test_digest_is_sent_at_the_scheduled_time_with_the_workbook(tmp_path, staff_rules, smtp, monkeypatch):
    settings, daemon = campaign_state(tmp_path, staff_rules, smtp, monkeypatch)
    with freeze_time(datetime(2021, 11, 27, 7, 59, 30, tzinfo=CST)) as clock:
        scheduled = build_daemon(settings, staff_rules)
        scheduled.scheduler.run_pending()
        assert smtp.messages == []  # not yet 08:00
        clock.tick(timedelta(seconds=45))
        scheduled.scheduler.run_pending()
    scheduled.close()
    digests = [m for m in smtp.messages if m["rcpt_tos"] == [STAFF]]
    assert len(digests) == 1
    message = email.message_from_bytes(digests[0]["data"], policy=policy.default)
    assert message["Subject"] == "【报送日报】关于做好政务公开反馈问题整改落实工作的通知：已受理 2/33"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "应报送 33 个单位，已受理 2，需补正 1，未报送 30，逾期 31" in text
    for needed in ("田坪乡：已受理", "兴隆镇：需补正", "平峰镇：已受理（逾期）", "无法确认单位的来信", "回执无法送达",
                   "来信中的提问（请人工答复）", "兴隆镇：请问序号 12 的完成时限能否延后？"):
        assert needed in text, needed
    assert "<img" not in html and "http" not in html.split("<body")[1]  # no external resources
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "汇总台账_20211127.xlsx"
    check_workbook(attachment.get_content())
    daemon.close()


def test_two_workers_send_one_digest_a_day_and_each_reminder_once(tmp_path, staff_rules, smtp, monkeypatch):
    """Every worker's scheduler fires at 08:00; the staff must still get one digest, and a unit one reminder."""
    settings, daemon = campaign_state(tmp_path, staff_rules, smtp, monkeypatch)
    with freeze_time(datetime(2021, 11, 27, 7, 59, 30, tzinfo=CST)) as clock:
        workers = [build_daemon(settings, staff_rules) for _ in range(2)]
        clock.tick(timedelta(seconds=45))
        for worker in workers:
            worker.scheduler.run_pending()
    assert len([m for m in smtp.messages if m["rcpt_tos"] == [STAFF]]) == 1
    smtp.messages.clear()
    at = datetime(2021, 11, 24, 10, 0, 30, tzinfo=CST)
    campaign = staff_rules.campaign()
    due = [reminders_due(w.rt, settings, campaign, at) for w in workers]  # both look before either has sent
    assert [queue_reminders(w.rt, campaign, d, settings.timezone, at) for w, d in zip(workers, due)] == [2, 0]
    workers[1].drain()
    assert sorted(m["rcpt_tos"][0] for m in smtp.messages) == ["majian@163.com", "xinglong@163.com"]
    for worker in (*workers, daemon):
        worker.close()


def check_workbook(data: bytes) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["汇总台账", "报送进度", "问题整改情况"]
    ledger, roster, matrix = wb["汇总台账"], wb["报送进度"], wb["问题整改情况"]
    formulas = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    rows = [r for r in ledger.iter_rows(min_row=2, values_only=True)]
    tianping = {r[2]: r for r in rows if r[0] == "田坪乡"}
    assert tianping[12][8] == '=HYPERLINK("http://evil.test","点我")'  # shown as text, never run
    assert tianping[2][1] == "已受理" and tianping[2][9] == "完成整改"
    assert {r[2] for r in rows if r[0] == "司法局"} >= {9}
    assert ledger.freeze_panes == "A2" and ledger.auto_filter.ref.startswith("A1:K")
    states = {r[0]: r[2] for r in roster.iter_rows(min_row=2, max_col=3, values_only=True)}
    assert states["田坪乡"] == "已受理" and states["兴隆镇"] == "需补正" and states["吉强镇"] == "逾期未报送"
    assert len(roster._charts) >= 1
    header = [c.value for c in matrix[1]]
    seq12 = next(r for r in matrix.iter_rows(min_row=2, values_only=True) if r[0] == 12)
    assert seq12[header.index("田坪乡")] == "完成整改" and seq12[header.index("兴隆镇")] == "未填报"
    seq9 = next(r for r in matrix.iter_rows(min_row=2, values_only=True) if r[0] == 9)
    assert seq9[header.index("田坪乡")] in ("", None)  # not its problem
    fill = matrix.cell(row=13, column=header.index("田坪乡") + 1).fill.fgColor.rgb
    assert fill.endswith("C6EFCE")


def test_preview_writes_html_text_and_workbook(tmp_path, staff_rules, smtp, monkeypatch):
    settings, daemon = campaign_state(tmp_path, staff_rules, smtp, monkeypatch)
    paths = preview_digest(daemon.rt, staff_rules.campaign(), tmp_path / "preview",
                           datetime(2021, 11, 25, 8, 0, tzinfo=CST))
    assert [p.name for p in paths] == ["digest.html", "digest.txt", "汇总台账_20211125.xlsx"]
    assert "今天是报送截止日" in paths[1].read_text(encoding="utf-8")
    assert smtp.messages == []
    daemon.close()


def test_reminders_go_to_the_right_units_once(tmp_path, staff_rules, smtp, monkeypatch):
    settings, daemon = campaign_state(tmp_path, staff_rules, smtp, monkeypatch)
    rt, campaign = daemon.rt, staff_rules.campaign()
    before = datetime(2021, 11, 24, 9, 59, tzinfo=CST)
    assert reminders_due(rt, settings, campaign, before) == []
    at = datetime(2021, 11, 24, 10, 0, 30, tzinfo=CST)
    due = {r.unit: r for r in reminders_due(rt, settings, campaign, at)}
    assert "田坪乡" not in due  # accepted: never reminded
    assert due["兴隆镇"].state == "需补正" and due["兴隆镇"].addresses == ("xinglong@163.com",)
    assert due["马建乡"].state == "未报送" and due["马建乡"].addresses == ("majian@163.com",)
    assert due["吉强镇"].addresses == ()  # never wrote, not registered: listed, cannot be mailed
    assert "平峰镇" not in due  # accepted (late) by now
    assert send_reminders(rt, settings, campaign, at) == 2  # 兴隆镇 and 马建乡: the only ones with an address
    daemon.drain()
    assert send_reminders(rt, settings, campaign, at + timedelta(hours=2)) == 0
    sent = sorted(m["rcpt_tos"][0] for m in smtp.messages)
    assert sent == ["majian@163.com", "xinglong@163.com"]
    body = email.message_from_bytes(next(m["data"] for m in smtp.messages if m["rcpt_tos"] == ["xinglong@163.com"]),
                                    policy=policy.default)
    assert body["Subject"].startswith("【请补正】兴隆镇") and "尚有问题需要补正" in body.get_content()
    daemon.close()
