"""``./dev demo``: the main job on sample mail, on the embedded default (Maildir + SQLite).

Fills ``demo/var/mail/inbox`` with mails units would send (made from the real
template: correct ones and typical mistakes, from different mail clients),
runs ``mailbot run --once`` with ``MAILBOT_VAR_DIR=demo/var``, then shows the
status table and a reply, printing each command so a newcomer can repeat it.
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from email import policy
from pathlib import Path

from tests.builders import hostile, mails, pdfs
from tests.builders.campaign import EVERYONE, ROOT, Filling, as_xls, filled_ledger, zipped

DEMO = ROOT / "demo"
MAILBOT = str(Path(sys.executable).with_name("mailbot"))
GOV_OFFICE_ROWS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 32, 34, 35, 36, 37)


def samples() -> dict[str, tuple[str, dict[str, bytes]]]:
    """unit → (what the sample shows, files)."""
    return {
        "田坪乡": ("填写正确：台账 + 文字版报告", {
            "田坪乡整改台账.xlsx": filled_ledger(Filling(unit="田坪乡", status={10: "正在整改"})),
            "田坪乡整改报告.pdf": pdfs.text_report(unit="田坪乡"),
        }),
        "兴隆镇": ("扫描件报告（有公章），台账只返回本单位的行", {
            "兴隆镇台账.xlsx": filled_ledger(Filling(unit="兴隆镇", only_own_rows=True)),
            "兴隆镇整改报告（盖章）.pdf": pdfs.scanned_report(),
        }),
        "政府办": ("保留了模板示例、未选择完成情况、联系电话有误", {
            "政府办台账.xlsx": filled_ledger(Filling(unit="政府办", phone="0954-301",
                                                  seqs=tuple(s for s in GOV_OFFICE_ROWS if s != 1))),
            "政府办整改报告.pdf": pdfs.text_report(unit="县政府办公室"),
        }),
        "教育体育局": ("旧版 .xls 台账，“未整改”未说明原因，写了“已完成”", {
            "教体局台账.xls": as_xls(filled_ledger(Filling(unit="教育体育局", seqs=EVERYONE + (27,),
                                                         status={27: "未整改", 12: "已完成"}))),
            "教体局报告.pdf": pdfs.text_report(unit="教育体育局"),
        }),
        "卫生健康局": ("材料打包为 zip，报告其实是可执行程序，缺少整改报告", {
            "卫健局材料.zip": zipped({"卫健局台账.xlsx": filled_ledger(Filling(unit="卫生健康局",
                                                                         seqs=EVERYONE + (28, 29, 30)))}),
            "卫健局报告.pdf": hostile.pe_executable(),
        }),
    }


def run(*args: str, env: dict | None = None) -> int:
    shown = " ".join(a if " " not in a else f'"{a}"' for a in args)
    print(f"\n$ mailbot {shown}", flush=True)
    return subprocess.run([MAILBOT, *args], cwd=ROOT, env=env).returncode


def sample_mails() -> list[tuple[str, bytes]]:
    """The sample submissions as the mails units send, from different clients, plus an auto-reply."""
    clients = ["126", "qq", "foxmail", "outlook", "wps"]
    out = []
    for index, (unit, (what, files)) in enumerate(samples().items()):
        sender = f"unit{index + 1}@{'qq.com' if clients[index] == 'qq' else '163.com'}"
        raw = mails.client_mail(clients[index], sender=sender, sender_name=unit, subject=f"{unit}整改台账及整改报告",
                                files=files, received=on_time(index))
        out.append((f"{unit}（{what}）", raw))
    out.append(("未说明单位的来信", mails.client_mail("163", sender="someone@163.com", subject="材料",
                                                  body="见附件", files={}, received=on_time(6))))
    out.append(("自动回复（不予回复）", mails.auto_reply("vacation")))
    return out


def fill_inbox(var_dir: Path, label: str = "demo") -> list[tuple[str, bytes]]:
    """The sample mails delivered into ``var_dir``'s Maildir inbox, as the mail server leaves them."""
    inbox = var_dir / "mail" / "inbox"
    for sub in ("tmp", "new", "cur"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    mails_made = sample_mails()
    for number, (_, raw) in enumerate(mails_made, start=1):
        (inbox / "new" / f"{1637715600 + number}.{label}{number}.mx").write_bytes(raw)
    return mails_made


def on_time(hours: int) -> datetime:
    return datetime(2021, 11, 24, 9, 0, tzinfo=timezone(timedelta(hours=8))) + timedelta(hours=hours)


def main() -> None:
    shutil.rmtree(DEMO, ignore_errors=True)
    inbox = DEMO / "var" / "mail" / "inbox"
    mails_made = fill_inbox(DEMO / "var")
    print(f"已在 {inbox.relative_to(ROOT)}/new 放入 {len(mails_made)} 封示例来信（台账和报告由 rules/campaigns/ 中的模板填写而成）：")
    for what, _ in mails_made:
        print(f"  · {what}")
    env = {**os.environ, "MAILBOT_VAR_DIR": str(DEMO / "var")}
    run("rules", "check", env=env)
    run("run", "--once", env=env)
    run("status", env=env)
    outbox = DEMO / "var" / "mail" / "outbox" / "new"
    replies = sorted(outbox.iterdir(), key=lambda p: p.stat().st_mtime_ns)  # in the order they were written
    print(f"\n回执邮件在 {outbox.relative_to(ROOT)}/（共 {len(replies)} 封，.eml 格式，可用邮件客户端打开）。其中一封：\n")
    message = email.message_from_bytes(replies[2].read_bytes(), policy=policy.default)
    print(f"主题：{message['Subject']}\n收件人：{message['To']}\n")
    print(message.get_body(("plain",)).get_content())
    run("digest", "--preview", str((DEMO / "digest").relative_to(ROOT)), env=env)
    print("（用浏览器打开 demo/digest/digest.html 查看日报，汇总台账为同一文件夹中的 .xlsx 文件。）\n")
    print("再次运行 `mailbot run --once` 不会重复回复；`mailbot show <回执编号>` 查看一次报送的详情；"
          "`mailbot check 台账.xlsx 报告.pdf` 直接核对文件。")


if __name__ == "__main__":
    main()
