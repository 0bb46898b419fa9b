"""`mailbot override` refuses what would mislead: an old receipt, a mail of no known unit, no name."""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.builders import pdfs
from tests.builders.campaign import RULES, Filling, filled_ledger
from tests.pipeline.conftest import on_time, submission

MAILBOT = str(Path(sys.executable).with_name("mailbot"))


@dataclass(frozen=True)
class JudgedOffice:
    """A state folder whose mail mailbot has judged; its commands run there (on the module's database) as staff
    run them."""

    var: Path
    env: dict[str, str]

    def mailbot(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([MAILBOT, "--rules", str(RULES), *args], env=self.env, capture_output=True, text=True,
                              timeout=120)

    def sent(self) -> int:
        return len(list((self.var / "mail" / "outbox" / "new").iterdir()))

    def status_of(self, unit: str) -> str:
        return next(line for line in self.mailbot("status").stdout.splitlines() if line.startswith(unit))


@pytest.fixture(scope="module")
def judged_office(tmp_path_factory, module_database) -> JudgedOffice:
    """Three mails judged: 田坪乡 accepted (-00001), then 田坪乡 again with an error (-00002), then a mail
    nobody can place (-00003). Shared by the tests: each only tries what must be refused."""
    var = tmp_path_factory.mktemp("office") / "var"
    office = JudgedOffice(var, {**os.environ, "MAILBOT_VAR_DIR": str(var)})
    inbox = office.var / "mail" / "inbox" / "new"
    inbox.mkdir(parents=True)
    (inbox / "1.mx").write_bytes(submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()}))
    (inbox / "2.mx").write_bytes(submission({"台账.xlsx": filled_ledger(Filling(phone="123")),
                                             "报告.pdf": pdfs.text_report()}, received=on_time(1)))
    (inbox / "3.mx").write_bytes(submission({"台账.xlsx": filled_ledger(Filling(unit=""))}, sender="someone@163.com",
                                            subject="材料", received=on_time(2)))
    assert office.mailbot("run", "--once").returncode == 0
    assert office.sent() == 3
    return office


def test_an_older_receipt_is_refused_naming_the_newer_one(judged_office):
    refused = judged_office.mailbot("override", "20211124-00001", "--reject", "--by", "王雪倩", "--comment", "报告未盖章")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "回执 20211124-00001 已不是田坪乡的最新结论：其后的回执 20211124-00002（需补正）" in refused.stderr
    assert judged_office.sent() == 3 and "（人工）" not in judged_office.status_of("田坪乡")


def test_a_receipt_of_no_known_unit_is_refused(judged_office):
    refused = judged_office.mailbot("override", "20211124-00003", "--accept", "--by", "王雪倩", "--comment", "已核实")
    assert refused.returncode == 2
    assert "回执 20211124-00003 的来信未能确认是哪个单位报送的，无法人工认定" in refused.stderr
    assert judged_office.sent() == 3


@pytest.mark.parametrize("who", ["", "  "])
def test_a_decision_without_a_name_is_refused(judged_office, who):
    refused = judged_office.mailbot("override", "20211124-00002", "--accept", "--by", who, "--comment", "已核实")
    assert refused.returncode == 2 and "--by 须写明作出决定的人的姓名" in refused.stderr
    assert judged_office.sent() == 3 and "（人工）" not in judged_office.status_of("田坪乡")
