"""Several campaigns open at once: `mailbot campaign new`, and each mail judged by its own campaign."""

import csv
import email
import io
import os
import subprocess
import sys
import tomllib
from datetime import date
from email import policy
from pathlib import Path

import openpyxl
import pytest

from mailbot.daemon import build_daemon
from mailbot.rules_loader import load_rules
from mailbot.settings import Settings
from tests.builders import pdfs
from tests.builders.campaign import edited_rules, filled_ledger
from tests.builders.second_round import SECOND, second_template
from tests.pipeline.conftest import delivered, on_time, submission

MAILBOT = str(Path(sys.executable).with_name("mailbot"))


def fill(template: bytes, unit: str, seqs) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb["台账"]
    ws["B3"], ws["B4"], ws["B5"] = unit, "李明", "13909541234"
    for seq in seqs:
        ws.cell(row=6 + seq, column=7, value="已整改")
        ws.cell(row=6 + seq, column=8, value="完成整改")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def mailbot(rules_dir, var, *args):
    env = {**os.environ, "MAILBOT_VAR_DIR": str(var)}
    return subprocess.run([MAILBOT, "--rules", str(rules_dir), *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_new_campaign_and_mail_matched_to_its_round(tmp_path):
    rules_dir = edited_rules(tmp_path)
    workbook = tmp_path / "第二季度台账.xlsx"
    workbook.write_bytes(second_template())
    made = mailbot(rules_dir, tmp_path / "var", "campaign", "new", SECOND, "--template", str(workbook),
                   "--title", "关于做好 2022 年第二季度政务公开问题整改的通知", "--deadline", "2022-06-30",
                   "--doc-number", "西政办函〔2022〕12号", "--keyword", "第二季度", "--by", "李主任")
    assert made.returncode == 0, made.stderr
    assert "已建立任务 xzbh-2022-12：5 个问题，截止 2022-06-30" in made.stdout
    audit = mailbot(rules_dir, tmp_path / "var", "audit")
    assert "李主任" in audit.stdout and "新建报送任务" in audit.stdout and SECOND in audit.stdout, audit.stdout
    rules = load_rules(rules_dir)
    assert set(rules.campaigns) == {"xzbh-2021-56", SECOND}
    assert rules.campaigns[SECOND].spec.extensions == {}

    settings = Settings(var_dir=tmp_path / "var", rules_dir=rules_dir)
    daemon = build_daemon(settings, rules)
    inbox = daemon.inbox.root / "new"
    (inbox / "1.mx").write_bytes(submission({"第二季度台账.xlsx": fill(second_template(), "田坪乡", range(1, 6)),
                                             "报告.pdf": pdfs.text_report()}, subject="田坪乡第二季度整改材料"))
    (inbox / "2.mx").write_bytes(submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()},
                                            received=on_time(1)))
    outcomes = daemon.run_once()
    assert [o.verdict for o in outcomes] == ["已受理", "已受理"]
    from sqlmodel import select

    from mailbot.models import VerdictRecord
    with daemon.rt.store.session() as session:
        rounds = [(v.campaign, v.rows_expected) for v in session.exec(select(VerdictRecord).order_by(VerdictRecord.id))]
    assert rounds == [(SECOND, 5), ("xzbh-2021-56", 14)]
    daemon.close()
    status = mailbot(rules_dir, tmp_path / "var", "status")
    assert status.returncode == 2 and "--campaign" in status.stderr
    assert "田坪乡" in mailbot(rules_dir, tmp_path / "var", "status", "--campaign", SECOND).stdout


def as_csv(xlsx: bytes) -> bytes:
    """The ledger as a clerk exports it: 另存为 CSV (UTF-8 with BOM)."""
    out = io.StringIO()
    csv.writer(out).writerows(openpyxl.load_workbook(io.BytesIO(xlsx))["台账"].iter_rows(values_only=True))
    return out.getvalue().encode("utf-8-sig")


def test_each_campaign_takes_its_own_file_types(tmp_path):
    """The first round takes .xlsx only, the second also .csv: a mail is judged by its own round's list."""
    rules_dir = edited_rules(tmp_path, campaign=(('types = ["xlsx", "xls", "csv"]', 'types = ["xlsx"]'),))
    workbook = tmp_path / "第二季度台账.xlsx"
    workbook.write_bytes(second_template())
    assert mailbot(rules_dir, tmp_path / "var", "campaign", "new", SECOND, "--template", str(workbook), "--title", "第二季度",
                   "--deadline", "2022-06-30", "--keyword", "第二季度").returncode == 0
    toml = rules_dir / "campaigns" / SECOND / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'types = ["xlsx"]' in text  # the new round starts with its base's types: the edit below must apply
    toml.write_text(text.replace('types = ["xlsx"]', 'types = ["xlsx", "csv"]'), encoding="utf-8")
    settings = Settings(var_dir=tmp_path / "var", rules_dir=rules_dir)
    daemon = build_daemon(settings, load_rules(rules_dir))
    inbox = daemon.inbox.root / "new"
    (inbox / "1.mx").write_bytes(submission({"第二季度台账.csv": as_csv(fill(second_template(), "田坪乡", range(1, 6))),
                                             "报告.pdf": pdfs.text_report()}, subject="田坪乡第二季度整改材料"))
    (inbox / "2.mx").write_bytes(submission({"台账.csv": as_csv(filled_ledger()), "报告.pdf": pdfs.text_report()},
                                            received=on_time(1)))
    first, second = daemon.run_once()
    daemon.close()
    assert first.verdict == "已受理"
    assert second.verdict == "需补正"
    from sqlmodel import select

    from mailbot.models import AttachmentRecord, VerdictRecord
    with daemon.rt.store.session() as session:
        rounds = [v.campaign for v in session.exec(select(VerdictRecord).order_by(VerdictRecord.id))]
        roles = {(a.message_id, a.name): a.role for a in session.exec(select(AttachmentRecord))}
    assert rounds == [SECOND, "xzbh-2021-56"]
    assert roles[(1, "第二季度台账.csv")] == "ledger" and roles[(2, "台账.csv")] == "refused"
    newest = delivered(settings.outbox_path / "new")[-1]
    reply = email.message_from_bytes(newest.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    assert "附件《台账.csv》是CSV 表格文件" in reply and "本次整改台账只受理 .xlsx 格式" in reply


@pytest.mark.no_database
def test_a_broken_workbook_leaves_no_folder(tmp_path):
    rules_dir = edited_rules(tmp_path)
    workbook = tmp_path / "坏模板.xlsx"
    workbook.write_bytes(second_template(owner="发改局"))
    made = mailbot(rules_dir, tmp_path / "var", "campaign", "new", SECOND, "--template", str(workbook),
                   "--title", "T", "--deadline", "2022-06-30")
    assert made.returncode == 2 and "「发改局」不在名册中" in made.stderr
    assert not (rules_dir / "campaigns" / SECOND).exists()


def test_new_campaign_toml_is_its_base_with_only_the_round_keys_changed(tmp_path):
    """Statuses, ledger, report and checks carry over (so 已完成 is still read as 完成整改), comments too;
    only title, document number, keywords, deadline and the template's name change; extensions and the notice
    date go."""
    extension = '\n[extensions]\n"田坪乡" = { until = 2021-11-30, by = "王雪倩", reason = "书记外出" }\n'
    rules_dir = edited_rules(tmp_path, campaign=(("\n[extensions]\n", extension),
                                                 ('template = "template.xlsx"', 'template = "第一轮模板.xlsx"')))
    first = rules_dir / "campaigns" / "xzbh-2021-56"
    (first / "template.xlsx").rename(first / "第一轮模板.xlsx")
    workbook = tmp_path / "第二季度台账.xlsx"
    workbook.write_bytes(second_template())
    made = mailbot(rules_dir, tmp_path / "var", "campaign", "new", SECOND, "--template", str(workbook),
                   "--title", "第二季度整改", "--deadline", "2022-06-30", "--doc-number", "西政办函〔2022〕12号",
                   "--keyword", "第二季度")
    assert made.returncode == 0, made.stderr
    base_text = (first / "campaign.toml").read_text(encoding="utf-8")
    new_text = (rules_dir / "campaigns" / SECOND / "campaign.toml").read_text(encoding="utf-8")
    expected = tomllib.loads(base_text)
    expected.update(title="第二季度整改", doc_number="西政办函〔2022〕12号", subject_keywords=["第二季度"], extensions={})
    del expected["notice_date"]  # the first round's notice date would make every report of the second "too early"
    expected["deadline"]["date"] = date(2022, 6, 30)
    expected["ledger"]["template"] = "template.xlsx"
    assert tomllib.loads(new_text) == expected
    comments = [line for line in base_text.splitlines() if line.startswith("#")]
    assert [line for line in new_text.splitlines() if line.startswith("#")][1:] == comments[1:]
    assert new_text.startswith("# 报送任务：西政办函〔2022〕12号《第二季度整改》")
    statuses = load_rules(rules_dir).campaigns[SECOND].spec.statuses
    assert statuses.normalize("已完成") == ("完成整改", True)


@pytest.mark.no_database
def test_campaign_new_explains_a_bad_deadline_or_base_in_chinese(tmp_path):
    rules_dir = edited_rules(tmp_path)
    workbook = tmp_path / "第二季度台账.xlsx"
    workbook.write_bytes(second_template())
    args = ("campaign", "new", SECOND, "--template", str(workbook), "--title", "T")
    slashes = mailbot(rules_dir, tmp_path / "var", *args, "--deadline", "2022/09/30")
    assert slashes.returncode == 2 and "截止日期「2022/09/30」的写法不对，请写成 2022-06-30" in slashes.stderr
    unknown = mailbot(rules_dir, tmp_path / "var", *args, "--deadline", "2022-09-30", "--like", "nosuch")
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert "没有编号为「nosuch」的报送任务可以参照，现有：xzbh-2021-56" in unknown.stderr
    missing = mailbot(rules_dir, tmp_path / "var", "campaign", "new", SECOND, "--template", str(tmp_path / "无.xlsx"),
                      "--title", "T", "--deadline", "2022-09-30")
    assert missing.returncode == 2 and "找不到台账模板文件" in missing.stderr
    assert not (rules_dir / "campaigns" / SECOND).exists()
