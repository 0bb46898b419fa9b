"""Without the ``mailbot[ocr]`` extra, scans are judged as before (a warning that the report is a scan)
and ``mailbot doctor`` says OCR is off and how to turn it on. The extra is hidden from a mailbot
subprocess (its distribution and its module), so this runs wherever the extra is installed or not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.builders.campaign import RULES, filled_ledger
from tests.builders.scans import scanned_typed_report

HIDDEN = """
import sys
from importlib import metadata
real = metadata.version
def version(name):
    if name == "rapidocr-onnxruntime":
        raise metadata.PackageNotFoundError(name)
    return real(name)
metadata.version = version
sys.modules["rapidocr_onnxruntime"] = None  # import fails, as when it is not installed
from mailbot.cli import main
sys.argv[0] = "mailbot"
main()
"""


def mailbot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
    env |= {"MAILBOT_VAR_DIR": str(tmp_path / "var"), "MAILBOT_RULES_DIR": str(RULES)}
    return subprocess.run([sys.executable, "-c", HIDDEN, *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)


def test_doctor_says_ocr_is_off_and_how_to_turn_it_on(tmp_path):
    shown = mailbot(tmp_path, "doctor").stdout
    [line] = [line for line in shown.splitlines() if "扫描件文字识别" in line]
    assert line.startswith("· 扫描件文字识别（OCR）未启用：未安装文字识别组件（mailbot[ocr]）")
    assert "pip install -c deploy/constraints.txt -e '.[ocr]'" in line and "--no-deps" in line


def test_a_scan_is_judged_as_before(tmp_path):
    (tmp_path / "台账.xlsx").write_bytes(filled_ledger())
    (tmp_path / "报告.pdf").write_bytes(scanned_typed_report(pages=1))
    result = mailbot(tmp_path, "check", "台账.xlsx", "报告.pdf", "--json")
    verdict = json.loads(result.stdout)
    found = {f["code"]: f for f in verdict["findings"]}
    assert verdict["verdict"] == "已受理"
    assert found["report.no_text"]["severity"] == "warning"
    assert "识别自扫描件" not in result.stdout
