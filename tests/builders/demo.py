"""``./dev demo``: sample submissions made from the real template, checked with the real command.

Writes ``demo/<unit>/`` folders (a correct one and typical mistakes) and runs
``mailbot rules check`` and ``mailbot check`` on each, printing each command
before its output so a newcomer sees how to use them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.builders import hostile, reports
from tests.builders.campaign import EVERYONE, ROOT, Filling, as_xls, filled_ledger, zipped

DEMO = ROOT / "demo"
MAILBOT = str(Path(sys.executable).with_name("mailbot"))
GOV_OFFICE_ROWS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 32, 34, 35, 36, 37)


def samples() -> dict[str, tuple[str, dict[str, bytes]]]:
    """unit → (what the sample shows, files)."""
    return {
        "田坪乡": ("填写正确：台账 + 文字版报告", {
            "田坪乡整改台账.xlsx": filled_ledger(Filling(unit="田坪乡", status={10: "正在整改"})),
            "田坪乡整改报告.pdf": reports.text_report(unit="田坪乡"),
        }),
        "兴隆镇": ("扫描件报告（有公章），台账只返回本单位的行", {
            "兴隆镇台账.xlsx": filled_ledger(Filling(unit="兴隆镇", only_own_rows=True)),
            "兴隆镇整改报告（盖章）.pdf": reports.scanned_report(),
        }),
        "政府办": ("保留了模板示例、未选择完成情况、联系电话有误", {
            "政府办台账.xlsx": filled_ledger(Filling(unit="政府办", phone="0954-301",
                                                  seqs=tuple(s for s in GOV_OFFICE_ROWS if s != 1))),
            "政府办整改报告.pdf": reports.text_report(unit="县政府办公室"),
        }),
        "教育体育局": ("旧版 .xls 台账，“未整改”未说明原因，写了“已完成”", {
            "教体局台账.xls": as_xls(filled_ledger(Filling(unit="教育体育局", seqs=EVERYONE + (27,),
                                                         status={27: "未整改", 12: "已完成"}))),
            "教体局报告.pdf": reports.text_report(unit="教育体育局"),
        }),
        "卫生健康局": ("材料打包为 zip，报告其实是可执行程序，缺少整改报告", {
            "卫健局材料.zip": zipped({"卫健局台账.xlsx": filled_ledger(Filling(unit="卫生健康局",
                                                                         seqs=EVERYONE + (28, 29, 30)))}),
            "卫健局报告.pdf": hostile.pe_executable(),
        }),
    }


def run(*args: str) -> int:
    shown = " ".join(a if " " not in a else f'"{a}"' for a in args)
    print(f"\n$ mailbot {shown}", flush=True)
    return subprocess.run([MAILBOT, *args], cwd=ROOT).returncode


def main() -> None:
    shutil.rmtree(DEMO, ignore_errors=True)
    made = samples()
    for unit, (_, files) in made.items():
        folder = DEMO / unit
        folder.mkdir(parents=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
    print(f"示例报送材料已生成在 {DEMO.relative_to(ROOT)}/（由 rules/campaigns/ 中的台账模板填写而成）")
    run("rules", "check")
    for unit, (what, files) in made.items():
        print(f"\n—— {unit}：{what} ——", flush=True)
        paths = [str((DEMO / unit / name).relative_to(ROOT)) for name in files]
        code = run("check", *paths, "--unit", unit)
        print(f"（退出码 {code}）")
    print("\n下一步：mailbot check 任意台账和报告文件；加 --json 输出稳定的校验代码。")


if __name__ == "__main__":
    main()
