"""`mailbot doctor`: try the rules, database, disk, mailbox and mail server and say, in plain words, what works.

For the administrator setting up a 126.com account or the government mail
server, and for whoever looks after an outage alert: each line is a check
with ✓ or ✗ and, when it fails, what to do.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mailbot.letters import office_letter
from mailbot.outbox import wire
from mailbot.settings import ImapSettings, Settings, SettingsError, SmtpSettings


@dataclass(frozen=True)
class Check:
    ok: bool
    text: str
    note: bool = False  # neither works nor fails: an optional part that is off (doctor still exits 0)

    def line(self) -> str:
        return f"{'·' if self.note else '✓' if self.ok else '✗'} {self.text}"


MIN_FREE_BYTES = 1024**3  # below 1 GB free, the archive (every mail, kept for years) is about to stop


def check_state(settings: Settings, rules_dir: Path | None = None) -> list[Check]:
    """The rules (``rules_dir``, as given by --rules; default the settings'), the database and the disk
    mailbot keeps its archive on."""
    from mailbot.rules_loader import RulesError, load_rules

    rules_dir = rules_dir or settings.rules_dir
    out = []
    try:
        rules = load_rules(rules_dir, settings.limits.to_limits())
        out.append(Check(True, f"规则 {rules_dir}：版本 {rules.version}，{len(rules.roster.units)} 个单位，"
                               f"{len(rules.campaigns)} 个报送任务"))
        out.append(Check(bool(rules.roster.staff), "工作人员邮箱：" + ("、".join(rules.roster.staff) or
                         "未填写（units.toml 的 staff）：日报、需人工处理的提醒和故障提醒无人接收")))
    except (RulesError, OSError) as exc:
        problems = "；".join(str(p) for p in getattr(exc, "problems", ())) or str(exc)
        out.append(Check(False, f"规则 {rules_dir} 有误：{problems}"))
    out.append(_database(settings))
    out.append(_disk(settings))
    out.append(check_ocr(settings))
    return out


def check_ocr(settings: Settings) -> Check:
    """Is OCR of scanned reports on, and does its engine load here (in its sandbox, as the daemon runs it)?"""
    import time

    from mailbot.scans import INSTALL, ScanReader
    from parsers.types import ParseError

    reader = ScanReader(settings.ocr)
    if not reader.enabled:
        return Check(True, f"扫描件文字识别（OCR）未启用：{reader.off_reason}。扫描件报告不识别文字，"
                           f"标题和单位由工作人员人工核对。" + ("" if not settings.ocr.enabled else f"如需启用，{INSTALL}"),
                     note=True)
    started = time.monotonic()
    try:
        engine = reader.probe()
    except ParseError as exc:
        return Check(False, f"扫描件文字识别（OCR）已安装但无法运行：{exc.detail or exc}。请重新安装：{INSTALL}")
    finally:
        reader.close()
    return Check(True, f"扫描件文字识别（OCR）已启用：{engine}（载入用时 {time.monotonic() - started:.1f} 秒）")


def _schema(settings: Settings):
    """(the database's SchemaState or None when not made yet, None), or (None, the failed Check saying why
    it cannot be read: the driver's own words, not the exception's class)."""
    from mailbot.schema import state_at

    from mailbot.store import explain

    try:
        return state_at(settings.db_url), None
    except Exception as exc:  # noqa: BLE001 - every failure is reported in words
        return None, Check(False, explain(exc))


def _database(settings: Settings) -> Check:
    from mailbot.store import shown_url

    found, failed = _schema(settings)
    if failed is not None:
        return failed
    shown = shown_url(settings.db_url)
    if found is None or found.kind == "empty":
        return Check(True, f"数据库 {shown}：尚未建立，首次运行时自动建立")  # looking must not create it
    if found.kind == "current":
        damage = _damage(settings.db_url)
        if damage:
            return Check(False, f"数据库 {shown}：{damage}")
        return Check(True, f"数据库 {shown}：结构为最新版本 {found.head}，数据可以读取")
    return Check(False, f"数据库 {shown}：{found.problem()}")


def _damage(url: str) -> str:
    """What is wrong with the database's data ("" when it reads): its structure may be intact while the
    pages of its tables are not (a SQLite file damaged by a disk fault or a copy taken mid-write).
    SQLite checks every page (PRAGMA quick_check); other databases read a row of every table."""
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.pool import NullPool

    from mailbot.store import RESTORE, explain

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                problems = [row[0] for row in connection.exec_driver_sql("PRAGMA quick_check(5)")]
                if problems != ["ok"]:
                    found = " ".join("；".join(problems).split())[:200]
                    return f"数据库已损坏（{found}）：{RESTORE}"
            else:
                for table in inspect(connection).get_table_names():
                    connection.execute(text(f'SELECT 1 FROM "{table}" LIMIT 1')).all()
    except Exception as exc:  # noqa: BLE001 - every failure is reported in words
        return explain(exc)
    finally:
        engine.dispose()
    return ""


def _disk(settings: Settings) -> Check:
    where = settings.archive_path
    while not where.exists() and where != where.parent:
        where = where.parent  # before the first run: the disk it will be created on
    usage = shutil.disk_usage(where)
    text = f"存档所在磁盘（{where}）剩余空间 {usage.free / 1024**3:.1f} GB（{usage.free / usage.total:.0%}）"
    if usage.free < MIN_FREE_BYTES:
        return Check(False, text + "：空间将满，来信将无法存档和处理，请清理或扩容")
    return Check(True, text)


def check_inbox(settings: Settings) -> list[Check]:
    inbox = settings.inbox
    if not isinstance(inbox, ImapSettings):
        path = settings.inbox_path
        return [Check(True, f"收件箱：本地 Maildir {path}（{'已存在' if path.exists() else '首次运行时创建'}）")]
    from mailbot.imap import ImapError, ImapInbox

    try:
        password = inbox.read("inbox")
    except SettingsError as exc:
        return [Check(False, f"收件箱密码（授权码）未设置：{exc}")]
    box = ImapInbox(inbox, password)
    out = []
    try:
        box.connect()
    except ImapError as exc:
        return [Check(False, str(exc))]
    except OSError as exc:
        return [Check(False, f"无法连接 {inbox.host}:{inbox.port}（{exc}）：请检查服务器地址、端口和加密方式（{inbox.security}）")]
    try:
        out.append(Check(True, f"登录 {inbox.host} 成功（{inbox.username}）"))
        if inbox.wants_id:
            sent = bool(box.server_id) or "ID" in box.capabilities
            out.append(Check(sent, "已发送 IMAP ID（网易邮箱要求）" if sent else "服务器不支持 ID 命令"))
        count = len(box.box.uids("ALL"))
        out.append(Check(True, f"可以读取文件夹“{inbox.folder}”：{count} 封邮件，UIDVALIDITY {box.uidvalidity}"))
        idle = "IDLE" in box.capabilities
        out.append(Check(True, "服务器支持 IDLE：新邮件几秒内处理" if idle and inbox.idle
                         else f"服务器不支持 IDLE（或已关闭）：每 {settings.poll_interval_seconds:g} 秒检查一次"))
        for folder in filter(None, (inbox.processed_folder, inbox.attention_folder)):
            exists = box.box.folder.exists(folder)
            out.append(Check(True, f"文件夹“{folder}”{'已存在' if exists else '不存在，首次移动邮件时创建'}"))
        if (inbox.processed_folder or inbox.attention_folder) and not {"MOVE", "UIDPLUS"} & set(box.capabilities):
            out.append(Check(False, "服务器既不支持 MOVE 也不支持 UIDPLUS：为免误删他人邮件，邮件不会被移动"))
    finally:
        box.close()
    return out


def check_outbox(settings: Settings, send_to: str | None) -> list[Check]:
    outbox = settings.outbox
    if not isinstance(outbox, SmtpSettings):
        return [Check(True, f"发件箱：回执写入本地 Maildir {settings.outbox_path}")]
    from mailbot.outbox import DeliveryError
    from mailbot.smtp import SmtpTransport

    try:
        transport = SmtpTransport(outbox, outbox.read("outbox"))
    except SettingsError as exc:
        return [Check(False, f"发件密码（授权码）未设置：{exc}")]
    try:
        transport.connection = transport.connect()
    except Exception as exc:  # noqa: BLE001 - every failure is reported in words
        return [Check(False, f"SMTP 登录 {outbox.host}:{outbox.port} 失败：{exc}")]
    out = [Check(True, f"SMTP 登录 {outbox.host} 成功（{outbox.username}）")]
    if outbox.username.lower() != settings.office.address.lower():
        out.append(Check(False, f"发件账号 {outbox.username} 与回执落款地址 {settings.office.address} 不同："
                                "网易邮箱要求两者一致"))
    if send_to:
        message = office_letter(settings.office.to_office(settings.timezone), send_to, "mailbot 测试邮件", datetime.now(timezone.utc),
                                "这是一封测试邮件，说明回执可以正常发出。")
        try:
            transport.deliver(0, settings.office.address, send_to, wire(message))
            out.append(Check(True, f"测试邮件已发给 {send_to}"))
        except DeliveryError as exc:
            out.append(Check(False, f"测试邮件发送失败：{exc}"))
    transport.close()
    return out


def health_limit_seconds(settings: Settings) -> float:
    """How old the heartbeat may be: three cycles, at least 5 minutes.

    A healthy cycle waits at most poll_interval_seconds: the IMAP IDLE wait is capped at
    min(poll_interval_seconds, IDLE_MAX_SECONDS) (mailbot/imap.py wait()), so IDLE never makes a cycle
    longer than polling would, and three of them leave room for a slow backlog or one failed poll."""
    return max(3 * settings.poll_interval_seconds, 300.0)


def check_health(settings: Settings, now: datetime | None = None) -> Check:
    """For a container HEALTHCHECK or a monitor: the schema is this code's and ``mailbot run`` finished a
    cycle lately (its heartbeat file). Reads only: never creates the database or the file."""
    from zoneinfo import ZoneInfo

    from mailbot.heartbeat import heartbeat_path, last_beat

    found, failed = _schema(settings)
    if failed is not None:
        return failed
    if found is None or found.kind == "empty":
        return Check(False, "数据库尚未建立：mailbot run 还没有运行过")
    if (problem := found.problem()) is not None:
        return Check(False, problem)
    path = heartbeat_path(settings.var_dir)
    try:
        beat = last_beat(path)
    except FileNotFoundError:
        return Check(False, f"mailbot run 还没有完成过一轮处理（没有 {path}）：如刚启动，请稍候；否则请查看日志")
    except (OSError, ValueError) as exc:
        return Check(False, f"无法读取心跳文件 {path}（{exc}）：请查看日志")
    now = now or datetime.now(timezone.utc)
    age = (now - beat).total_seconds()
    shown = beat.astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M:%S")
    limit = health_limit_seconds(settings)
    if age > limit:
        return Check(False, f"mailbot run 最近一次完成处理是在 {shown}（{age / 60:.0f} 分钟前），超过 {limit / 60:.0f} 分钟："
                            "守护进程可能已停止或卡住，也可能连不上邮箱或数据库，请查看日志")
    return Check(True, f"正常：mailbot run 最近一次完成处理是在 {shown}（{max(age, 0):.0f} 秒前），"
                       f"数据库结构为最新版本 {found.head}")
