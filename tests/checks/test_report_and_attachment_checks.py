"""Report findings, refused attachments, and severities tuned in campaign.toml."""

import pytest

from mailbot.findings import Severity, VerdictTag
from mailbot.rules_loader import load_rules
from tests.builders import hostile, other_formats, pdfs
from tests.builders.campaign import Filling, edited_rules, filled_ledger
from tests.checks.helpers import codes, errors, only

LEDGER = filled_ledger()


def judge_report(judge_files, report: bytes, name="报告.pdf", unit="田坪乡"):
    return judge_files({"台账.xlsx": LEDGER, name: report}, unit=unit)


def test_report_missing(judge_files):
    verdict = judge_files({"台账.xlsx": LEDGER})
    assert errors(verdict) == {"report.missing"}


def test_two_reports_are_ambiguous(judge_files):
    draft = pdfs.text_report(date_line="2021年11月23日")  # two versions: which one counts?
    verdict = judge_files({"台账.xlsx": LEDGER, "报告1.pdf": pdfs.text_report(), "报告2.pdf": draft})
    assert errors(verdict) == {"report.multiple"}


def test_the_same_report_attached_twice_is_one_report(judge_files):
    report = pdfs.text_report()
    assert judge_files({"台账.xlsx": LEDGER, "报告.pdf": report, "报告(1).pdf": report}).accepted


def test_encrypted_report(judge_files):
    assert errors(judge_report(judge_files, pdfs.encrypted_report())) == {"report.encrypted"}


def test_truncated_report(judge_files):
    verdict = judge_report(judge_files, pdfs.truncated(pdfs.text_report()))
    assert "不完整" in only(verdict, "report.unreadable").message


def test_report_of_another_unit(judge_files):
    verdict = judge_report(judge_files, pdfs.text_report(unit="兴隆镇"))
    finding = only(verdict, "report.unit_mismatch")
    assert "兴隆镇" in finding.message and "田坪乡" in finding.message


def test_report_that_never_names_the_unit(judge_files):
    report = pdfs.text_report(title=("关于政务公开反馈问题", "整改落实情况的报告"),
                                 body=("按照要求，我单位逐项整改。",), signature="（盖章）")
    assert errors(judge_report(judge_files, report)) == {"report.unit_missing"}


def test_report_mentioning_another_unit_in_its_body_is_fine(judge_files):
    body = ("县人民政府办公室：", "田坪乡会同水务局完成整改。")
    assert judge_report(judge_files, pdfs.text_report(body=body)).accepted


def test_report_title_without_rectification_report(judge_files):
    report = pdfs.text_report(title=("西吉县田坪乡", "关于政务公开工作的情况汇报"))
    finding = only(judge_report(judge_files, report), "report.title_missing")
    assert "情况汇报" in finding.message


def test_scan_without_seal_is_flagged(judge_files):
    verdict = judge_report(judge_files, pdfs.scanned_report(seal=False))
    assert codes(verdict) == {"report.no_text", "report.seal_missing"}
    assert only(verdict, "report.seal_missing").severity is Severity.WARNING


def test_executable_named_pdf_is_refused(judge_files):
    verdict = judge_report(judge_files, hostile.pe_executable())
    assert errors(verdict) == {"attachment.dangerous", "report.missing"}
    assert only(verdict, "attachment.dangerous").place.file == "报告.pdf"


def test_word_report_asks_for_pdf(judge_files):
    verdict = judge_report(judge_files, hostile.docx(), name="报告.docx")
    finding = only(verdict, "attachment.unsupported")
    assert "Word" in finding.message and "PDF" in finding.hint


def test_an_extra_photo_beside_a_complete_submission_does_not_block_it(judge_files):
    verdict = judge_files({"台账.xlsx": LEDGER, "报告.pdf": pdfs.text_report(), "签字页.jpg": hostile.jpeg()})
    assert verdict.accepted and only(verdict, "attachment.unsupported").severity is Severity.WARNING


def test_photo_of_report_asks_for_one_pdf(judge_files):
    verdict = judge_report(judge_files, hostile.jpeg(), name="报告.jpg")
    assert "合并为一个 PDF" in only(verdict, "attachment.unsupported").hint


@pytest.mark.parametrize("name,make,label", [
    ("材料.rar", lambda: other_formats.rar({"台账.xlsx": LEDGER, "报告.pdf": pdfs.text_report()}), "RAR 压缩包"),
    ("材料.7z", lambda: other_formats.seven_zip("报告.pdf", pdfs.text_report()), "7z 压缩包"),
])
def test_rar_and_7z_ask_for_plain_files_or_zip(judge_files, name, make, label):
    verdict = judge_files({name: make()})
    finding = only(verdict, "attachment.unsupported")
    assert finding.place.file == name and label in finding.message
    assert "ZIP" in finding.hint and "无需压缩" in finding.hint
    assert errors(verdict) == {"ledger.missing", "report.missing"}


def test_opendocument_ledger_is_one_file_to_resave_not_an_archive_of_parts(judge_files):
    verdict = judge_files({"台账.ods": other_formats.opendocument(), "报告.pdf": pdfs.text_report()})
    finding = only(verdict, "attachment.unsupported")  # only() fails if content.xml etc. were listed too
    assert finding.place.file == "台账.ods" and "OpenDocument 表格" in finding.message
    assert ".xlsx" in finding.hint
    assert errors(verdict) == {"ledger.missing"}


def test_outlook_rich_text_mail_is_explained(judge_files):
    verdict = judge_files({"winmail.dat": other_formats.tnef(("台账.xlsx", "报告.pdf"))})
    finding = only(verdict, "attachment.unsupported")
    assert finding.message.startswith("附件《winmail.dat》是Outlook 的 RTF 格式邮件包")
    assert "封装" in finding.hint and "“HTML”或“纯文本”" in finding.hint
    assert errors(verdict) == {"ledger.missing", "report.missing"}


def test_ofd_report_asks_for_pdf(judge_files):
    verdict = judge_report(judge_files, other_formats.ofd(), name="整改报告.ofd")
    finding = only(verdict, "attachment.unsupported")
    assert "OFD 版式文件" in finding.message and "导出为 PDF" in finding.hint


def test_too_many_files_are_not_all_read_and_the_ledger_and_report_are_read_first(judge_files):
    photos = {f"IMG_{i:04d}.jpg": hostile.jpeg() + bytes([i]) for i in range(1, 26)}
    verdict = judge_files({**photos, "台账.xlsx": LEDGER, "报告.pdf": pdfs.text_report()})  # the two come last
    finding = only(verdict, "attachment.too_many")
    assert finding.severity is Severity.WARNING
    assert "另有 7 个未予读取" in finding.message and finding.message.endswith("等。")
    assert not codes(verdict) & {"ledger.missing", "report.missing"}  # both read despite coming last
    assert sum(f.code == "attachment.unsupported" for f in verdict.findings) == 18  # 20 read: 2 + 18 photos


def test_zip_bomb_attachment(judge_files):
    verdict = judge_files({"台账.xlsx": LEDGER, "报告.pdf": pdfs.text_report(),
                           "材料.zip": hostile.zip_bomb(300)})
    assert "疑似恶意文件" in only(verdict, "attachment.archive").message


@pytest.fixture
def tuned_rules(tmp_path):
    edits = (('"ledger.problem_changed" = "warning"',
              '"ledger.problem_changed" = "error"\n"report.no_text" = "off"\n"ledger.phone_malformed" = "warning"'),)
    return load_rules(edited_rules(tmp_path, campaign=edits))


def test_severity_can_be_raised(judge_files, tuned_rules):
    ledger = filled_ledger(Filling(problem={10: "改过的问题"}))
    verdict = judge_files({"台账.xlsx": ledger, "报告.pdf": pdfs.text_report()}, rules_=tuned_rules)
    assert verdict.tag is VerdictTag.NEEDS_FIX and errors(verdict) == {"ledger.problem_changed"}


def test_severity_can_be_lowered_or_switched_off(judge_files, tuned_rules):
    ledger = filled_ledger(Filling(phone="12345"))
    verdict = judge_files({"台账.xlsx": ledger, "报告.pdf": pdfs.scanned_report()}, rules_=tuned_rules)
    assert verdict.accepted and codes(verdict) == {"ledger.phone_malformed"}


def test_oversized_attachment_is_not_read(judge_files):
    from parsers.types import Limits

    verdict = judge_files({"台账.xlsx": LEDGER, "报告.pdf": pdfs.scanned_report()},
                          limits=Limits(max_file_bytes=len(LEDGER) + 1))
    finding = only(verdict, "attachment.too_large")
    assert finding.place.file == "报告.pdf" and "report.missing" in errors(verdict)


def test_oversized_file_inside_a_zip_is_too_large_not_a_bad_archive(judge_files):
    from parsers.types import Limits
    from tests.builders.campaign import zipped

    big = pdfs.text_report() + b"%" + b" " * 300_000  # a long PDF that compresses well
    archive = zipped({"台账.xlsx": LEDGER, "扫描件.pdf": big})
    verdict = judge_files({"材料.zip": archive}, limits=Limits(max_file_bytes=len(archive) + 1))
    finding = only(verdict, "attachment.too_large")
    assert finding.place.file == "材料.zip/扫描件.pdf" and "attachment.archive" not in codes(verdict)
