"""What people read never carries a mail's direction controls or invisible characters, and a reply reaches an
address with a Chinese local part (or says why it cannot)."""

from datetime import datetime, timezone

import openpyxl
import pytest
from click.testing import CliRunner
from sqlmodel import select

from mailbot.cli import main
from mailbot.daemon import build_daemon
from mailbot.models import FlagRecord, OutboxRecord
from mailbot.settings import Settings
from mailbot.staff import export_workbook, preview_digest
from tests.builders import mails, pdfs
from tests.builders.campaign import RULES, Filling, filled_ledger
from tests.pipeline.conftest import on_time, submission
from tests.servers import PASSWORD, SmtpServer

RLO, ZWSP, LRI = "\u202e", "\u200b", "\u2066"
HIDDEN = (RLO, ZWSP, LRI, "\u200f", "\x1b")
# invisible characters in a file name (a direction override there is an attack: quarantined, see test_sender_trust)
FILE_NAME = f"整改{ZWSP}报告{ZWSP}.pdf"


def clean(text: str) -> bool:
    return not any(c in text for c in HIDDEN)


def test_direction_controls_from_a_mail_reach_no_reader(office, monkeypatch, tmp_path):
    ledger = filled_ledger(Filling(measure={2: f"已{RLO}整改{ZWSP}完毕"}))
    raw = submission({"田坪乡整改台账.xlsx": ledger, FILE_NAME: pdfs.text_report()},
                     subject=f"田坪乡整改材料{RLO}{LRI}", received=on_time(), client="163")
    office.deliver(raw)
    monkeypatch.setenv("MAILBOT_VAR_DIR", str(office.settings.var_dir))
    monkeypatch.setenv("MAILBOT_DATABASE_URL", office.settings.db_url)
    ran = CliRunner().invoke(main, ["--rules", str(RULES), "run", "--once"])
    assert ran.exit_code == 0 and clean(ran.output)  # the log lines included
    [reply] = office.replies()
    text, html = reply.get_body(("plain",)).get_content(), reply.get_body(("html",)).get_content()
    assert "整改报告.pdf" in text and "田坪乡整改材料" in text  # what the unit sent, as it really reads
    assert clean(text) and clean(html) and clean(str(reply["Subject"]))
    receipt = str(reply["X-Mailbot-Loop"])
    for command in (("show", receipt), ("status",), ("flags",)):
        shown = CliRunner().invoke(main, ["--rules", str(RULES), *command])
        assert shown.exit_code == 0 and clean(shown.output), command
    assert "整改报告.pdf" in CliRunner().invoke(main, ["--rules", str(RULES), "show", receipt]).output
    rt, campaign, now = office.daemon.rt, office.daemon.rt.rules.campaign(), datetime.now(timezone.utc)
    for path in preview_digest(rt, campaign, tmp_path / "digest", now):
        if path.suffix in (".html", ".txt"):
            assert clean(path.read_text(encoding="utf-8")), path.name
    workbook = openpyxl.load_workbook(export_workbook(rt, campaign, tmp_path / "汇总.xlsx", now))
    cells = [str(c.value) for ws in workbook for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("已整改完毕" in c for c in cells) and all(clean(c) for c in cells)


UNIT_AT = "田坪@126.com"  # a Chinese local part, as some NetEase and government accounts have


def from_chinese_address(files=None) -> bytes:
    raw = mails.client_mail("163", sender="placeholder@126.com", files=files or {"台账.xlsx": filled_ledger()},
                            received=on_time())
    return raw.replace(b"<placeholder@126.com>", f"<{UNIT_AT}>".encode())


def test_a_chinese_local_part_is_written_as_utf8_in_the_maildir_outbox(office):
    office.deliver(from_chinese_address())
    [outcome] = office.daemon.run_once()
    assert outcome.state == "processed"
    [path] = list(office.outbox.iterdir())
    assert f"\r\nTo: {UNIT_AT}\r\n".encode() in path.read_bytes()  # not To: =?utf-8?b?55Sw5Z2q?=@126.com


@pytest.mark.parametrize("offered", [True, False], ids=["server-offers-SMTPUTF8", "server-does-not"])
def test_a_chinese_local_part_is_sent_with_smtputf8_or_recorded_undeliverable(tmp_path, rules, database_url,
                                                                              monkeypatch, offered):
    server = SmtpServer(smtputf8=offered)
    server.start()
    try:
        monkeypatch.setenv("MAILBOT_TEST_SMTP_PASSWORD", PASSWORD)
        settings = Settings(var_dir=tmp_path / "var", outbox=server.settings(), database_url=database_url)
        daemon = build_daemon(settings, rules)
        (daemon.inbox.root / "new").mkdir(parents=True, exist_ok=True)
        (daemon.inbox.root / "new" / "1.mx").write_bytes(from_chinese_address())
        [outcome] = daemon.run_once()
        assert outcome.state == "processed"
        with daemon.rt.store.session() as session:
            [row] = session.exec(select(OutboxRecord)).all()
            flags = [f for f in session.exec(select(FlagRecord)) if f.kind == "delivery_failed"]
        daemon.close()
    finally:
        server.stop()
    if offered:
        [sent] = server.messages
        assert sent["rcpt_tos"] == [UNIT_AT] and row.state == "sent"
        assert f"\r\nTo: {UNIT_AT}\r\n".encode() in sent["data"]
    else:
        assert server.messages == [] and row.state == "failed"  # recorded undeliverable at once, not retried 20 times
        [flag] = flags
        assert UNIT_AT in flag.detail and "SMTPUTF8" in flag.detail
