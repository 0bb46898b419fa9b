"""``./dev demo``: the main job on sample mail, on the embedded default (Maildir + SQLite).

Fills ``demo/var/mail/inbox`` with mails units would send (made from the real
template: correct ones and typical mistakes, from different mail clients),
runs ``mailbot run --once`` with ``MAILBOT_VAR_DIR=demo/var``, then shows the
status table and a reply, printing each command so a newcomer can repeat it.
Last it starts the staff console on the demo data (``mailbot web``) and prints its
address and a demo login; it serves until Ctrl-C. ``--no-wait`` stops it as soon as it
answers (for tests and scripts); ``--dir`` puts the demo elsewhere than ``demo/``.
"""

from __future__ import annotations

import argparse
import email
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from email import policy
from pathlib import Path

from tests.builders import hostile, mails, pdfs
from tests.builders.campaign import EVERYONE, ROOT, Filling, as_xls, filled_ledger, zipped

DEMO = ROOT / "demo"
MAILBOT = str(Path(sys.executable).with_name("mailbot"))
DEMO_LOGIN = ("demo", "demo-password")  # an administrator of the demo console
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
        "卫生健康局": ("材料打包为 zip，报告发成了 Word 文档，缺少 PDF 整改报告", {
            "卫健局材料.zip": zipped({"卫健局台账.xlsx": filled_ledger(Filling(unit="卫生健康局",
                                                                         seqs=EVERYONE + (28, 29, 30)))}),
            "卫健局整改报告.docx": hostile.docx("卫生健康局整改报告"),
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="./dev demo")
    parser.add_argument("--dir", type=Path, default=DEMO, help="where the demo's state goes (default: demo/)")
    parser.add_argument("--no-wait", action="store_true", help="stop the console as soon as it answers")
    parser.add_argument("--port", type=int, default=0, help="the console's port (default: 8080, else a free one)")
    args = parser.parse_args(argv)
    demo = args.dir.resolve()
    shutil.rmtree(demo, ignore_errors=True)
    inbox = demo / "var" / "mail" / "inbox"
    mails_made = fill_inbox(demo / "var")
    print(f"已在 {_shown(inbox)}/new 放入 {len(mails_made)} 封示例来信（台账和报告由 rules/campaigns/ 中的模板填写而成）：")
    for what, _ in mails_made:
        print(f"  · {what}")
    env = {**os.environ, "MAILBOT_VAR_DIR": str(demo / "var")}
    env.pop("MAILBOT_SETTINGS", None)
    run("rules", "check", env=env)
    run("run", "--once", env=env)
    run("status", env=env)
    outbox = demo / "var" / "mail" / "outbox" / "new"
    replies = sorted(outbox.iterdir(), key=lambda p: p.stat().st_mtime_ns)  # in the order they were written
    print(f"\n回执邮件在 {_shown(outbox)}/（共 {len(replies)} 封，.eml 格式，可用邮件客户端打开）。其中一封：\n")
    message = email.message_from_bytes(replies[2].read_bytes(), policy=policy.default)
    print(f"主题：{message['Subject']}\n收件人：{message['To']}\n")
    print(message.get_body(("plain",)).get_content())
    run("digest", "--preview", _shown(demo / "digest"), env=env)
    print(f"（用浏览器打开 {_shown(demo / 'digest')}/digest.html 查看日报，汇总台账为同一文件夹中的 .xlsx 文件。）\n")
    print("再次运行 `mailbot run --once` 不会重复回复；`mailbot show <回执编号>` 查看一次报送的详情；"
          "`mailbot check 台账.xlsx 报告.pdf` 直接核对文件。")
    console(env, args.port or _free_port(), args.no_wait)


def console(env: dict, port: int, no_wait: bool) -> None:
    """The staff console on the demo data, with a demo administrator; until Ctrl-C (or at once with no_wait)."""
    name, password = DEMO_LOGIN
    run("user", "add", name, "--role", "admin", "--password-env", "MAILBOT_DEMO_PASSWORD",
        env={**env, "MAILBOT_DEMO_PASSWORD": password})
    address = f"http://127.0.0.1:{port}/"
    print(f"\n$ mailbot web --port {port}", flush=True)
    server = subprocess.Popen([MAILBOT, "web", "--port", str(port)], cwd=ROOT, env=env)
    try:
        if not _answers(address + "login", server):
            raise SystemExit("网页控制台未能启动（见上方的错误信息）")
        print(f"\n网页控制台已启动：{address}\n演示账号：{name}　密码：{password}（管理员）", flush=True)
        if no_wait:
            return
        print("按 Ctrl-C 停止。", flush=True)
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answers(url: str, server: subprocess.Popen) -> bool:
    """Wait until the console answers (or its process ended)."""
    while server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status == 200
        except OSError:
            time.sleep(0.1)
    return False


def _free_port(preferred: int = 8080) -> int:
    """8080 (the console's default, easy to type) when it is free, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError("no free port")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    main()
