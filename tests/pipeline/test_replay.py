"""Replay shows what a rule edit changes on stored mail, and sends corrected replies only when asked."""

import email
import os
import subprocess
import sys
from email import policy
from pathlib import Path

from tests.builders import pdfs
from tests.builders.campaign import RULES, Filling, edited_rules, filled_ledger
from tests.pipeline.conftest import delivered, on_time, submission

MAILBOT = str(Path(sys.executable).with_name("mailbot"))


def test_replay_after_making_a_warning_an_error(tmp_path):
    rules_dir = edited_rules(tmp_path)
    var = tmp_path / "var"
    inbox = var / "mail" / "inbox" / "new"
    inbox.mkdir(parents=True)
    (inbox / "1.mx").write_bytes(submission({"台账.xlsx": filled_ledger(Filling(problem={10: "改写过的问题"})),
                                             "报告.pdf": pdfs.text_report()}))
    (inbox / "2.mx").write_bytes(submission({"台账.xlsx": filled_ledger(Filling(unit="兴隆镇")),
                                             "报告.pdf": pdfs.text_report(unit="兴隆镇")},
                                            sender="xl@163.com", subject="兴隆镇材料", received=on_time(1)))
    env = {**os.environ, "MAILBOT_VAR_DIR": str(var)}

    def mailbot(*args):
        return subprocess.run([MAILBOT, "--rules", str(rules_dir), *args], env=env, capture_output=True, text=True,
                              timeout=120)

    assert mailbot("run", "--once").returncode == 0
    outbox = var / "mail" / "outbox" / "new"
    assert len(list(outbox.iterdir())) == 2
    toml = rules_dir / "campaigns" / "xzbh-2021-56" / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"ledger.problem_changed" = "warning"',
                                                             '"ledger.problem_changed" = "error"'), encoding="utf-8")
    dry = mailbot("rules", "replay")
    assert dry.returncode == 0, dry.stderr
    assert "重审 2 封来信（各单位最新一次报送，及无法确认单位的来信）：1 封的结论或问题有变化。" in dry.stdout
    assert "田坪乡（回执 20211124-00001，原依据规则版本 " in dry.stdout and "）：已受理 → 需补正" in dry.stdout
    assert "「反馈问题原文被改动」由提示改为需补正：《台账.xlsx》，台账!E16 单元格，序号 10" in dry.stdout
    assert "兴隆镇" not in dry.stdout and len(list(outbox.iterdir())) == 2  # nothing sent
    assert "加 --apply，记录新结论并发出 1 封更正回执" in dry.stdout
    only = mailbot("rules", "replay", "--unit", "兴隆镇")
    assert "重审兴隆镇的 1 封来信：结论和问题均无变化。" in only.stdout
    assert "司法局尚无报送记录，没有可重审的来信。" in mailbot("rules", "replay", "--unit", "司法局").stdout
    applied = mailbot("rules", "replay", "--apply")
    assert "已记录新结论，并发出 1 封更正回执。" in applied.stdout
    assert len(list(outbox.iterdir())) == 3
    status = mailbot("status")
    assert "田坪乡" in status.stdout and "需补正" in status.stdout.split("田坪乡")[1].splitlines()[0]
    shown = mailbot("show", "20211124-00001").stdout.splitlines()
    assert "单位认定：根据附件内容认定（发件邮箱未登记）" in next(x for x in shown if x.startswith("单位认定"))
    assert "  ! 《台账.xlsx》，台账!E16 单元格，序号 10：序号 10 的“反馈问题”" in "\n".join(shown)
    again = mailbot("rules", "replay")
    assert "结论和问题均无变化" in again.stdout

    for stored in (var / "archive").rglob("*"):  # restored from a backup that left the archive out
        if stored.is_file():
            stored.unlink()
    lost = mailbot("rules", "replay")
    assert lost.returncode == 1 and "Traceback" not in lost.stderr
    assert "田坪乡（回执" in lost.stdout and "未能重审。原始存档中缺少" in lost.stdout
    assert "2 封来信未能重审（见上）" in lost.stderr


def test_manual_override_is_recorded_with_who_and_why_and_told_to_the_unit(tmp_path):
    var = tmp_path / "var"
    inbox = var / "mail" / "inbox" / "new"
    inbox.mkdir(parents=True)
    (inbox / "1.mx").write_bytes(submission({"台账.xlsx": filled_ledger()}, message_id="<m1@126.com>"))  # no report: 需补正
    (inbox / "2.mx").write_bytes(submission({"台账.xlsx": filled_ledger(Filling(unit="兴隆镇")),
                                             "报告.pdf": pdfs.text_report(unit="兴隆镇")},
                                            sender="xl@163.com", subject="兴隆镇材料", received=on_time(1)))
    env = {**os.environ, "MAILBOT_VAR_DIR": str(var)}
    outbox = var / "mail" / "outbox" / "new"

    def mailbot(*args):
        return subprocess.run([MAILBOT, "--rules", str(RULES), *args], env=env, capture_output=True, text=True,
                              timeout=120)

    def sent():
        return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in delivered(outbox)]

    assert mailbot("run", "--once").returncode == 0 and len(sent()) == 2
    assert mailbot("override", "20211124-00001", "--by", "王雪倩").returncode == 2  # no decision given
    assert mailbot("override", "20211124-00002", "--reject", "--by", "王雪倩").returncode == 2  # a rejection says why
    assert mailbot("override", "20991231-00009", "--accept", "--by", "王雪倩").returncode == 2  # no such receipt
    done = mailbot("override", "20211124-00001", "--accept", "--by", "王雪倩", "--comment", "纸质版报告已盖章送达")
    assert done.returncode == 0 and "人工认定为“已受理”（系统结论为“需补正”）" in done.stdout
    assert "已发邮件告知 tianping@126.com" in done.stdout
    notice = sent()[-1]
    assert notice["To"] == "tianping@126.com" and notice["In-Reply-To"] == "<m1@126.com>"
    assert str(notice["Subject"]) == "【已受理】田坪乡整改材料人工审核结果（编号 20211124-00001）"
    text = notice.get_body(("plain",)).get_content()
    assert "系统回执的结论为“需补正”。经工作人员人工审核，现认定为“已受理”" in text
    assert "审核意见：纸质版报告已盖章送达" in text and "无需再次报送" in text and "王雪倩" not in text
    status = mailbot("status").stdout
    line = next(x for x in status.splitlines() if x.startswith("田坪乡"))
    assert "已受理（人工）" in line
    assert "人工决定：已受理（王雪倩" in mailbot("show", "20211124-00001").stdout

    quiet = mailbot("override", "20211124-00002", "--reject", "--by", "王雪倩", "--comment", "报告未盖章", "--no-notify")
    assert quiet.returncode == 0 and len(sent()) == 3  # recorded, nothing sent
    line = next(x for x in mailbot("status").stdout.splitlines() if x.startswith("兴隆镇"))
    assert "需补正（人工）" in line


def test_flags_are_listed_and_resolved(tmp_path):
    var = tmp_path / "var"
    inbox = var / "mail" / "inbox" / "new"
    inbox.mkdir(parents=True)
    (inbox / "1.mx").write_bytes(submission({"台账.xlsx": filled_ledger()}, sender="someone@163.com"))
    env = {**os.environ, "MAILBOT_VAR_DIR": str(var)}

    def mailbot(*args):
        return subprocess.run([MAILBOT, "--rules", str(RULES), *args], env=env, capture_output=True, text=True,
                              timeout=120)

    mailbot("run", "--once")
    listed = mailbot("flags").stdout
    assert "未登记邮箱来信：someone@163.com 未登记" in listed
    flag_id = listed.split()[0]
    assert "没有待处理的事项" in mailbot("flags", "--resolve", flag_id).stdout
    assert "（已处理）" in mailbot("flags", "--all").stdout
