"""Each way a ledger goes wrong gives its finding, at its place, with a fix; nothing else breaks."""

import pytest

from mailbot.findings import Severity, VerdictTag
from tests.builders import hostile, pdfs, workbooks
from tests.builders.campaign import Filling, cell_of, filled_ledger
from tests.checks.helpers import codes, errors, only

REPORT = pdfs.text_report()


def judge_ledger(judge_files, filling=None, data=None, unit="田坪乡"):
    """The ledger with the unit's own correct report beside it, so only the ledger is judged."""
    report = REPORT if unit in (None, "田坪乡") else pdfs.text_report(unit=unit)
    return judge_files({"台账.xlsx": data if data is not None else filled_ledger(filling), "报告.pdf": report},
                       unit=unit)


@pytest.mark.parametrize("filling,code,ref", [
    (Filling(unit=""), "ledger.unit_blank", "台账!B3"),
    (Filling(contact=""), "ledger.contact_blank", "台账!B4"),
    (Filling(phone=""), "ledger.phone_blank", "台账!B5"),
    (Filling(phone="0954-301"), "ledger.phone_malformed", "台账!B5"),
    (Filling(measure={12: ""}), "ledger.measure_missing", "台账!" + cell_of("measure", 12)),
    (Filling(status={13: ""}), "ledger.status_missing", "台账!" + cell_of("status", 13)),
    (Filling(status={14: "基本完成"}), "ledger.status_invalid", "台账!" + cell_of("status", 14)),
    (Filling(status={16: "未整改"}), "ledger.reason_missing", "台账!" + cell_of("remark", 16)),
    (Filling(status={16: "未整改"}, remark={16: "无"}), "ledger.reason_missing", "台账!" + cell_of("remark", 16)),
    (Filling(unit="兴隆镇"), "ledger.unit_mismatch", "台账!B3"),
])
def test_error_at_its_cell(judge_files, filling, code, ref):
    verdict = judge_ledger(judge_files, filling)
    assert verdict.tag is VerdictTag.NEEDS_FIX
    assert errors(verdict) == {code}
    finding = only(verdict, code)
    assert finding.place.ref == ref and finding.place.file == "台账.xlsx"
    assert finding.message and finding.hint


def test_the_senders_text_is_echoed_only_briefly(judge_files):
    essay = "请访问 http://example.test/领取补贴 " + "很长的内容" * 2000
    finding = only(judge_ledger(judge_files, Filling(phone=essay)), "ledger.phone_malformed")
    assert len(finding.message) < 250 and "…" in finding.message


def test_missing_row_names_its_seq(judge_files):
    verdict = judge_ledger(judge_files, Filling(delete_rows=(18,)))
    finding = only(verdict, "ledger.row_missing")
    assert finding.place.seq == 18 and "序号 18" in finding.message
    assert verdict.summary.rows_answered == 13


def test_rows_of_other_units_may_be_left_alone(judge_files):
    # row 1 (政府办's) still holds the template's example and its three-option status: not 田坪乡's business
    verdict = judge_ledger(judge_files, Filling())
    assert verdict.accepted


def test_example_text_left_in(judge_files, rules):
    own = tuple(p.seq for p in rules.campaign().problems_for(rules.roster.get("政府办")))
    filling = Filling(unit="政府办", seqs=tuple(s for s in own if s != 1))  # row 1 untouched
    verdict = judge_ledger(judge_files, filling, unit="政府办")
    assert errors(verdict) == {"ledger.example_left", "ledger.status_missing"}
    assert only(verdict, "ledger.example_left").place.ref == "台账!G7"
    status = only(verdict, "ledger.status_missing")
    assert status.place.ref == "台账!H7" and "仍是模板中的全部选项" in status.message


def test_example_with_only_its_label_removed_is_still_the_example(judge_files, rules):
    campaign = rules.campaign()
    own = tuple(p.seq for p in campaign.problems_for(rules.roster.get("政府办")))
    example = campaign.problem(1).example_measure.removeprefix("例：")
    verdict = judge_ledger(judge_files, Filling(unit="政府办", seqs=own, measure={1: example}), unit="政府办")
    assert errors(verdict) == {"ledger.example_left"}


def test_synonym_is_normalised_with_a_warning(judge_files):
    verdict = judge_ledger(judge_files, Filling(status={12: "已完成"}))
    assert verdict.accepted
    finding = only(verdict, "ledger.status_synonym")
    assert finding.severity is Severity.WARNING and "完成整改" in finding.message
    assert verdict.summary.status_counts["完成整改"] == 14


def test_reason_for_not_rectified_satisfies_the_check(judge_files):
    verdict = judge_ledger(judge_files, Filling(status={16: "未整改"}, remark={16: "涉及多部门，计划12月底前完成"}))
    assert verdict.accepted


def test_changed_problem_text_is_a_warning(judge_files):
    verdict = judge_ledger(judge_files, Filling(problem={10: "本单位已公开机构设置"}))
    assert verdict.accepted
    assert only(verdict, "ledger.problem_changed").place.ref == "台账!" + cell_of("problem", 10)


def test_unit_not_in_roster_is_a_warning(judge_files):
    verdict = judge_ledger(judge_files, Filling(unit="某某单位"))
    assert verdict.accepted and only(verdict, "ledger.unit_unknown").severity is Severity.WARNING


def test_unit_taken_from_the_ledger_when_not_given(judge_files):
    verdict = judge_ledger(judge_files, Filling(unit="西吉县田坪乡人民政府"), unit=None)
    assert verdict.summary.unit == "田坪乡" and verdict.accepted


def test_unit_unknown_when_not_given_and_blank(judge_files):
    verdict = judge_ledger(judge_files, Filling(unit=""), unit=None)
    assert verdict.tag is VerdictTag.UNIT_UNKNOWN and "ledger.unit_blank" in codes(verdict)


def test_missing_required_column(judge_files):
    spec = workbooks.LedgerSpec(header=("序号", "一级指标", "反馈问题", "责任单位", "整改措施", "整改完成情况", "说明X"))
    verdict = judge_ledger(judge_files, data=workbooks.xlsx(spec))
    finding = only(verdict, "ledger.column_missing")
    assert "备注" in finding.message and finding.place.sheet == "台账"


def test_not_the_template(judge_files):
    spec = workbooks.LedgerSpec(header=("姓名", "职务", "电话"), rows=[("张三", "主任", "13900000000")])
    verdict = judge_ledger(judge_files, data=workbooks.xlsx(spec))
    assert errors(verdict) == {"ledger.not_template"}


def test_ledger_missing(judge_files):
    verdict = judge_files({"报告.pdf": REPORT})
    assert errors(verdict) == {"ledger.missing"}


def test_the_same_ledger_attached_twice_is_one_ledger(judge_files):
    ledger = filled_ledger()  # built once: two builds differ when a second ticks between them (workbook timestamps)
    verdict = judge_files({"台账.xlsx": ledger, "台账 (1).xlsx": ledger, "报告.pdf": REPORT})
    assert verdict.accepted and "ledger.multiple" not in codes(verdict)


def test_two_ledgers_are_ambiguous(judge_files):
    second = filled_ledger(Filling(status={12: "正在整改"}))  # two versions: which one counts?
    verdict = judge_files({"台账1.xlsx": filled_ledger(), "台账2.xlsx": second, "报告.pdf": REPORT})
    finding = only(verdict, "ledger.multiple")
    assert "台账1.xlsx" in finding.message and "台账2.xlsx" in finding.message


def test_password_protected_ledger(judge_files):
    verdict = judge_ledger(judge_files, data=hostile.encrypted_xlsx(filled_ledger()))
    assert errors(verdict) == {"ledger.encrypted"}


def test_damaged_ledger(judge_files):
    data = filled_ledger()
    verdict = judge_ledger(judge_files, data=data[: len(data) // 2])
    assert errors(verdict) == {"ledger.unreadable"}
    assert "文件不完整或已损坏" in only(verdict, "ledger.unreadable").message


def test_data_far_below_the_ledger_is_named_by_its_cell(judge_files):
    verdict = judge_ledger(judge_files, data=workbooks.cell_in_last_row(filled_ledger(), "草稿"))
    finding = only(verdict, "ledger.overflow")
    assert finding.place.ref == "台账!A1048576" and "A1048576" in finding.message
    assert "删除台账下方或右侧" in finding.hint


def test_a_huge_sheet_beside_the_ledger_does_not_stop_it_being_judged(judge_files):
    with_data = workbooks.add_sheet(filled_ledger(), "原始数据", {(60000, 1): "明细"})
    assert judge_ledger(judge_files, data=with_data).accepted


@pytest.mark.parametrize("payload", [hostile.xml_bomb_xlsx, hostile.dtd_xlsx], ids=["entity-bomb", "external-entity"])
def test_an_xml_entity_or_dtd_ledger_is_refused_with_its_own_reason_not_as_a_bomb(judge_files, payload):
    verdict = judge_ledger(judge_files, data=payload(filled_ledger()))
    finding = only(verdict, "ledger.unreadable")
    assert "DTD 或实体声明" in finding.message and "疑似恶意文件" in finding.message
    assert "体积异常巨大" not in finding.message


def test_zip_bomb_named_xlsx_is_a_finding(judge_files):
    verdict = judge_ledger(judge_files, data=hostile.xlsx_bomb(filled_ledger(), megabytes=300))
    assert "疑似恶意文件" in only(verdict, "ledger.unreadable").message


def test_duplicated_row_of_the_unit_is_a_warning(judge_files):
    rows = [(2, "", "问题二", "各乡镇、各部门(单位)", "措施甲", "完成整改", ""),
            (2, "", "问题二", "各乡镇、各部门(单位)", "措施乙", "正在整改", "")]
    verdict = judge_ledger(judge_files, data=workbooks.xlsx(workbooks.LedgerSpec(rows=rows)))
    finding = only(verdict, "ledger.row_duplicated")
    assert finding.severity is Severity.WARNING and finding.place.seq == 2


@pytest.mark.parametrize("edit", [workbooks.with_mac_pivot_cache, workbooks.shared_strings_named_otherwise,
                                  workbooks.empty_style_attribute, workbooks.backslash_part_names],
                         ids=["mac-pivot-cache", "shared-strings-case", "empty-s-attribute", "backslash-names"])
def test_a_correct_ledger_in_a_workbook_openpyxl_cannot_load_is_accepted(judge_files, edit):
    """Excel opens these files: the unit is told only what is really wrong, here nothing."""
    verdict = judge_ledger(judge_files, data=edit(filled_ledger()))
    assert verdict.accepted and not [f for f in verdict.findings if f.code.startswith("ledger.")]


def test_a_workbook_with_too_many_parts_is_told_so_not_called_an_unsafe_archive(judge_files):
    data = hostile.raw_zip([hostile.raw_member("[Content_Types].xml", b"<Types/>"),
                            hostile.raw_member("xl/workbook.xml", b"<workbook/>")]
                           + [hostile.raw_member(f"xl/worksheets/sheet{i}.xml", b"", hostile.STORED)
                              for i in range(20_001)])
    verdict = judge_ledger(judge_files, data=data)
    finding = only(verdict, "ledger.unreadable")
    assert "工作表" in finding.message and "压缩包" not in finding.message
    assert "attachment.archive" not in codes(verdict)


def test_a_latin_1_csv_is_not_the_template_rather_than_a_damaged_file(judge_files):
    data = "id;name;note\n1;Müller;café au lait\n2;Françoise;très bien, à bientôt\n".encode("latin-1")
    verdict = judge_files({"台账.csv": data, "报告.pdf": REPORT}, unit="田坪乡")
    assert "ledger.not_template" in codes(verdict) and "ledger.unreadable" not in codes(verdict)
