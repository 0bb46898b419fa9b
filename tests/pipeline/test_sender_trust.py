"""Only a unit (or a person at the office) changes its standing: look-alikes, spoofed display names,
forged forwards and failed authentication are never credited or answered; unregistered senders of a
unit that registered addresses are held with one 【待确认】 notice; hostile mail is quarantined."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from mailbot.digest import context, render
from mailbot.models import FlagRecord, MessageRecord, OutboxRecord
from mailbot.progress import build_progress, held_todo
from mailbot.rules_loader import load_rules
from mailbot.workbook import consolidated_workbook
from mailbot.status import unit_states
from tests.builders import attacks, mails
from tests.builders.attacks import FAILS, JIQIANG, PASSES, STAFF, results, stamped, unit_mail
from tests.builders.campaign import Filling, filled_ledger
from tests.pipeline.conftest import make_office, on_time, rows

AUTH = {"authserv_ids": ["*.126.com"]}


@pytest.fixture
def office(tmp_path, database_url):
    rules = load_rules(attacks.guarded_rules(tmp_path))
    return make_office(tmp_path, rules, database_url=database_url, trust=AUTH)



def standing(office, unit="吉强镇"):
    with office.daemon.rt.store.session() as session:
        rules = office.daemon.rt.rules
        state = next(s for s in unit_states(session, rules, rules.campaign(), on_time(1)) if s.unit == unit)
    return state.state, state.receipt


def flags(office, kind=None):
    return [f for f in rows(office, FlagRecord) if kind in (None, f.kind)]


def todo(office, flag) -> str:
    """What staff are told to run for a flag (the digest and `mailbot flags` append it)."""
    with office.daemon.rt.store.session() as session:
        return held_todo(session, [flag]).get(flag.id, "")


def only(office, raw):
    office.deliver(raw)
    [outcome] = office.daemon.run_once()
    return outcome


def test_a_registered_unit_is_accepted_and_its_authentication_recorded(office):
    outcome = only(office, stamped(unit_mail(), results(PASSES, JIQIANG)))
    assert outcome.state == "processed" and outcome.verdict == "已受理" and outcome.unit == "吉强镇"
    [reply] = office.replies()
    assert reply["To"] == JIQIANG and reply["Subject"].startswith("【已受理】吉强镇")
    [message] = rows(office, MessageRecord)
    assert (message.trust, message.spf, message.dkim, message.dmarc, message.auth_server) == \
        ("registered", "pass", "pass", "pass", "mx3.126.com")


@pytest.mark.parametrize("form", list(attacks.lookalikes()))
def test_a_look_alike_sender_is_neither_credited_nor_answered(office, form):
    outcome = only(office, attacks.lookalikes()[form])
    assert outcome.state == "held" and outcome.reason == "suspected"
    assert office.replies() == []
    assert standing(office) == ("未报送", "")
    [flag] = flags(office, "suspected")
    assert "疑似" in flag.detail or "形近" in flag.detail or "相同" in flag.detail or "显示名" in flag.detail
    assert "mailbot confirm" in todo(office, flag)  # a person may still decide it is genuine


def test_what_the_suspected_sender_did_is_named_for_staff(office):
    only(office, attacks.lookalikes()["l26.com"])
    [flag] = flags(office, "suspected")
    assert "jqzdzb@l26.com 的用户名与吉强镇的登记邮箱 jqzdzb@163.com 相同，但域名不同" in flag.detail
    assert "l26.com 与登记的邮箱域名 163.com 形近" in flag.detail
    [message] = rows(office, MessageRecord)
    assert message.unit is None and message.claimed_unit == "吉强镇" and message.state == "held"


def test_dmarc_fail_from_the_trusted_server_is_suspected(office):
    outcome = only(office, stamped(unit_mail(), results(FAILS, JIQIANG)))
    assert outcome.state == "held" and outcome.reason == "suspected" and office.replies() == []
    [flag] = flags(office, "suspected")
    assert "验证未通过" in flag.detail and "DMARC fail" in flag.detail and "mx3.126.com" in flag.detail


def test_the_same_failure_written_lower_down_by_the_sender_is_not_believed(office):
    forged_fail = unit_mail(extra_headers=(f"Authentication-Results: {attacks.SERVER}; {results(FAILS, JIQIANG)}",))
    outcome = only(office, stamped(forged_fail, results(PASSES, JIQIANG)))
    assert outcome.verdict == "已受理" and rows(office, MessageRecord)[0].dmarc == "pass"


def test_a_pass_written_by_the_sender_does_not_hide_the_servers_fail(office):
    forged_pass = unit_mail(extra_headers=(f"Authentication-Results: {attacks.SERVER}; {results(PASSES, JIQIANG)}",))
    outcome = only(office, stamped(forged_pass, results(FAILS, JIQIANG)))
    assert outcome.reason == "suspected" and office.replies() == []


def test_results_from_an_untrusted_server_are_ignored(office):
    outcome = only(office, stamped(unit_mail(), results(FAILS, JIQIANG), server="mx.attacker.test"))
    assert outcome.verdict == "已受理"
    assert rows(office, MessageRecord)[0].auth_server == ""


def test_an_unregistered_sender_for_a_guarded_unit_is_held_with_one_notice(office):
    outcome = only(office, unit_mail("someone@126.com", client="126"))
    assert outcome.state == "held" and outcome.reason == "held" and outcome.unit == "吉强镇"
    [notice] = office.replies()
    assert notice["To"] == "someone@126.com" and notice["Subject"].startswith("【待确认】")
    text = office.reply_text()
    assert "someone@126.com 不是“吉强镇”在报送名册中登记的邮箱" in text and "来信编号" in text
    for leak in ("已受理", "需补正", "回执编号", "序号", "台账!"):  # no verdict, no findings, no receipt
        assert leak not in text
    assert notice["Auto-Submitted"] == "auto-replied"
    assert standing(office) == ("未报送", "")
    assert [f.kind for f in flags(office)] == ["held"]


def test_a_report_only_mail_never_pairs_with_the_units_real_ledger(office):
    only(office, stamped(unit_mail(files={"吉强镇整改台账.xlsx": attacks.LEDGER}), results(PASSES, JIQIANG)))
    assert standing(office)[0] == "需补正"  # the unit's own ledger, its report still missing
    outcome = only(office, unit_mail("helper@qq.com", client="qq", files={"吉强镇整改报告.pdf": attacks.REPORT}))
    assert outcome.state == "held"
    assert standing(office)[0] == "需补正"


def test_a_unit_without_registered_addresses_is_still_judged_by_content(office):
    ledger = filled_ledger(Filling(unit="兴隆镇"))
    outcome = only(office, mails.client_mail("126", sender="xl2021@126.com", subject="兴隆镇整改台账",
                                             files={"兴隆镇整改台账.xlsx": ledger}))
    assert outcome.state == "processed" and outcome.unit == "兴隆镇"
    assert rows(office, MessageRecord)[0].trust == "unregistered"
    assert [f.kind for f in flags(office)] == ["unregistered_address"]


def test_staff_sending_files_directly_is_held_not_receipted(office):
    outcome = only(office, unit_mail(STAFF, sender_name="王雪倩"))
    assert outcome.state == "held" and outcome.reason == "held"
    [notice] = office.replies()
    assert notice["To"] == STAFF and notice["Subject"].startswith("【待确认】")
    assert "mailbot confirm" in office.reply_text() and "回执编号" not in office.reply_text()
    assert standing(office) == ("未报送", "")


def test_a_staff_forward_of_a_mail_the_server_marked_forged_is_suspected(office):
    outcome = only(office, attacks.forwarded_forgery())
    assert outcome.reason == "suspected" and office.replies() == []
    [flag] = flags(office, "suspected")
    assert "被转发邮件的原发件人 jqzdzb@163.com 未通过收信服务器的验证" in flag.detail


def test_an_outsider_writing_as_staff_with_an_inline_forward_is_suspected(office):
    outcome = only(office, attacks.spoofed_staff_forward())
    assert outcome.reason == "suspected" and office.replies() == [] and standing(office) == ("未报送", "")


def test_an_honest_staff_forward_of_a_registered_units_mail_counts(office):
    inner = stamped(unit_mail(JIQIANG), results(PASSES, JIQIANG))
    outcome = only(office, stamped(mails.forwarded_as_attachment(inner, staff=STAFF), results(PASSES, STAFF)))
    assert outcome.verdict == "已受理" and outcome.unit == "吉强镇"


def test_staff_forwards_of_unregistered_senders_are_trusted_only_when_configured(tmp_path, database_url):
    rules = load_rules(attacks.guarded_rules(tmp_path))
    inner = unit_mail("clerk@126.com", client="126")

    def forward(copy: int, authenticated: bool = True) -> bytes:
        raw = mails.forwarded_as_attachment(inner, staff=STAFF).replace(b"Subject:", f"X-Copy: {copy}\r\nSubject:".encode(), 1)
        return stamped(raw, results(PASSES, STAFF)) if authenticated else raw

    default = make_office(tmp_path / "a", rules, database_url=database_url, trust=AUTH)
    assert only(default, forward(1)).state == "held"
    trusting = make_office(tmp_path / "b", rules, database_url=database_url, trust={**AUTH, "trust_staff_forwards": True})
    outcome = only(trusting, forward(2))
    assert outcome.verdict == "已受理" and outcome.unit == "吉强镇"
    assert [m.trust for m in rows(trusting, MessageRecord)] == ["held", "staff_forward"]
    assert only(trusting, forward(3, authenticated=False)).state == "held"  # a forward that proves nothing


@pytest.mark.parametrize("kind", list(attacks.HOSTILE_FILES))
@pytest.mark.parametrize("sender", [JIQIANG, "stranger@qq.com"])
def test_hostile_content_is_quarantined_never_answered(office, kind, sender):
    outcome = only(office, unit_mail(sender, files=attacks.HOSTILE_FILES[kind]()))
    assert outcome.state == "held" and outcome.reason == "hostile"
    assert office.replies() == [] and standing(office) == ("未报送", "")
    [flag] = flags(office, "quarantined")
    assert "mailbot reject" in todo(office, flag) and "mailbot confirm" not in todo(office, flag)
    assert rows(office, MessageRecord)[0].unit is None


def test_header_injection_is_quarantined(office):
    outcome = only(office, attacks.header_injection())
    assert outcome.reason == "hostile" and office.replies() == []
    assert "邮件头注入" in flags(office, "quarantined")[0].detail


def test_an_honest_mistake_of_a_registered_unit_is_still_answered(office):
    from tests.builders import hostile, pdfs

    files = {"吉强镇整改台账.xlsx": attacks.LEDGER, "吉强镇整改报告.pdf": pdfs.encrypted_report(),
             "说明.docx": hostile.docx()}
    outcome = only(office, unit_mail(files=files))
    assert outcome.state == "processed" and outcome.verdict == "需补正"
    assert "密码" in office.reply_text()


def test_an_accepted_unit_keeps_its_record_under_every_attack(office):
    accepted = only(office, stamped(unit_mail(), results(PASSES, JIQIANG)))
    assert accepted.verdict == "已受理"
    forged_ledger = filled_ledger(Filling(unit="吉强镇", status={2: "未整改"}))
    forged = {"吉强镇整改台账.xlsx": forged_ledger, "吉强镇整改报告.pdf": attacks.REPORT}
    attempts = [*attacks.lookalikes().values(), attacks.forwarded_forgery(), attacks.spoofed_staff_forward(),
                attacks.header_injection("x@qq.com"), stamped(unit_mail(files=forged), results(FAILS, JIQIANG)),
                unit_mail("someone@126.com", client="126", files=forged), unit_mail(STAFF, files=forged),
                *(unit_mail(JIQIANG, files=make()) for make in attacks.HOSTILE_FILES.values())]
    for number, raw in enumerate(attempts):
        office.deliver(raw.replace(b"Subject:", f"X-Attempt: {number}\r\nSubject:".encode(), 1))
    outcomes = office.daemon.run_once()
    assert [o.state for o in outcomes] == ["held"] * len(attempts)
    assert standing(office) == ("已受理", accepted.receipt)
    rt = office.daemon.rt
    with rt.store.session() as session:
        progress = build_progress(session, rt.rules, rt.rules.campaign(), on_time(2))
        workbook = consolidated_workbook(progress, rt.rules)
    sheet = openpyxl.load_workbook(io.BytesIO(workbook))["汇总台账"]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "未整改" not in cells  # the forged 未整改 of 序号 2 never reached the summary
    attention = {a.kind for a in progress.attention}
    assert {"held", "suspected", "quarantined"} <= attention
    text, html = render(rt.templates, context(progress))
    roster_line = next(line for line in text.splitlines() if line.strip().startswith("吉强镇："))
    assert roster_line.strip().startswith("吉强镇：已受理")
    assert accepted.receipt in html  # the roster table of the HTML digest names the receipt
    lines = text.splitlines()
    for kind, command in (("待确认的来信", "mailbot confirm"), ("疑似冒充的来信", "mailbot confirm"),
                          ("含可疑内容的来信", "mailbot reject")):
        assert any(kind in line and command in line for line in lines), kind
    sent = sorted(r.to_address for r in rows(office, OutboxRecord))
    assert sent == sorted([JIQIANG, "someone@126.com", STAFF])  # the receipt, and the two 【待确认】 notices only
    held = [m for m in rows(office, MessageRecord) if m.state == "held"]
    assert len(held) == len(attempts) and all(json.loads(m.trust_reasons) for m in held)


def test_replay_does_not_credit_unknown_mail_to_a_guarded_unit_it_now_names(office, tmp_path):
    from mailbot.replay import replay
    from tests.builders.campaign import edited_rules

    outcome = only(office, unit_mail("stranger@126.com", client="126", subject="吉强整改台账",
                                     files={"台账.xlsx": filled_ledger(Filling(unit=""))}))
    assert outcome.verdict == "无法确认单位"
    aliased = edited_rules(tmp_path / "edit", units=(*attacks.GUARDED_UNITS,
                                                     ('name = "吉强镇"', 'name = "吉强镇"\naliases = ["吉强"]')))
    office.daemon.rt.rules = load_rules(aliased)
    [change] = replay(office.daemon.rt, office.daemon.rt.rules.campaign(), apply=True)
    assert change.unit == "吉强镇" and not change.applies
    assert "须人工确认" in change.kept and "mailbot confirm 1 --unit 吉强镇" in change.kept
    assert standing(office) == ("未报送", "") and len(rows(office, OutboxRecord)) == 1
