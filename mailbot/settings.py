"""Where mailbot finds things and the limits it applies: one TOML file plus the environment.

Built once at start-up (:func:`load_settings`) and passed down; nothing reads
settings from a global. Every key has a default, so no file is needed to start.
Environment variables override the file: ``MAILBOT_RULES_DIR``,
``MAILBOT_LIMITS__MAX_FILE_BYTES`` (double underscore for nested keys).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mailbot.mail_types import Office, TrustPolicy
from mailbot.rules_fields import known_zone
from mailbot.rules_messages import os_reason, pydantic_error, toml_error
from mailbot.toml_places import line_of
from parsers.types import Limits


class LimitSettings(BaseModel):
    """Bounds on untrusted attachments (see parsers.types.Limits for what each means)."""

    model_config = ConfigDict(extra="forbid")

    max_file_bytes: int = Field(default=Limits.max_file_bytes, gt=0)
    max_archive_members: int = Field(default=Limits.max_archive_members, gt=0)
    max_archive_total_bytes: int = Field(default=Limits.max_archive_total_bytes, gt=0)
    max_archive_depth: int = Field(default=Limits.max_archive_depth, ge=0)
    max_compression_ratio: int = Field(default=Limits.max_compression_ratio, gt=1)
    max_xlsx_uncompressed_bytes: int = Field(default=Limits.max_xlsx_uncompressed_bytes, gt=0)
    max_sheet_rows: int = Field(default=Limits.max_sheet_rows, gt=0)
    max_sheet_columns: int = Field(default=Limits.max_sheet_columns, gt=0)
    max_pdf_pages: int = Field(default=Limits.max_pdf_pages, gt=0)
    max_files_per_mail: int = Field(default=Limits.max_files_per_mail, ge=2)
    parse_timeout_seconds: float = Field(default=Limits.parse_timeout_seconds, gt=0)
    parse_memory_mb: int = Field(default=Limits.parse_memory_mb, ge=64)
    parse_backstop_seconds: float = Field(default=Limits.parse_backstop_seconds, gt=0)

    @model_validator(mode="after")
    def _backstop_after_budget(self) -> "LimitSettings":
        if self.parse_backstop_seconds < self.parse_timeout_seconds:
            raise ValueError(f"parse_backstop_seconds（{self.parse_backstop_seconds:g}）不能小于 parse_timeout_seconds"
                             f"（{self.parse_timeout_seconds:g}）：否则读取较大的文件总会被当作服务器繁忙而反复重试")
        return self

    def to_limits(self) -> Limits:
        return Limits(**self.model_dump())


class OcrSettings(BaseModel):
    """Reading scanned reports (optional extra ``mailbot[ocr]``; without it scans are not read)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True  # used when installed; false: scans are not read even then
    max_pages: int = Field(default=4, ge=1, le=60)  # pages of one report OCR may read (in part or whole)
    seconds_per_page: float = Field(default=30, gt=0)  # one page's reading; longer: stopped, what was read kept
    memory_mb: int = Field(default=1536, ge=512)  # address space of the OCR process (its resident memory is ~700 MB)


class MaildirSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["maildir"] = "maildir"
    path: Path | None = None  # default: <var_dir>/mail/inbox or /outbox


class MaildirInboxSettings(MaildirSettings):
    # larger mail is read as its header only (archived whole), and the sender told: the same limit as IMAP's
    max_message_bytes: int = Field(default=30 * 1024 * 1024, gt=0)


NETEASE_HOSTS = ("126.com", "163.com", "yeah.net", "188.com")


class Secret(BaseModel):
    """Where a password or 授权码 comes from: the environment, a systemd credential or a file, never this file.

    The first of these that is there wins:

    1. ``password_env``, when that variable is set: whoever runs one command can give it for that run;
    2. ``credential``: the file of that name in ``$CREDENTIALS_DIRECTORY``. systemd fills that folder from
       LoadCredentialEncrypted= for mailbot.service and just as well for a one-off
       ``systemd-run -p LoadCredentialEncrypted=…`` (so ``mailbot doctor`` sees the service's 授权码),
       whereas the fixed path /run/credentials/mailbot.service/… exists only while the service runs;
       compose sets CREDENTIALS_DIRECTORY=/run/secrets, so one settings file serves both;
    3. ``password_file``: a fixed path.
    """

    model_config = ConfigDict(extra="forbid")

    password_env: str = ""  # name of the environment variable holding it
    credential: str = Field(default="", pattern=r"^[\w.-]*$")  # name of a systemd credential, e.g. "imap"
    password_file: Path | None = None

    def read(self, what: str) -> str:
        if self.password_env and self.password_env in os.environ:
            return os.environ[self.password_env]
        if self.credential:
            folder = os.environ.get("CREDENTIALS_DIRECTORY")
            if folder:
                return _read_secret(Path(folder) / self.credential, f"{what}.credential")
            if self.password_file is None:
                raise SettingsError(
                    f"{what}.credential：没有环境变量 CREDENTIALS_DIRECTORY，凭据「{self.credential}」只在 systemd "
                    f"服务中可用。手动运行时请用 systemd-run -p LoadCredentialEncrypted={self.credential}:… "
                    "（见部署说明第 2.5 节“检查”），或临时用 password_env 指定的环境变量提供")
        if self.password_file is not None:
            return _read_secret(self.password_file, f"{what}.password_file")
        if self.password_env:
            raise SettingsError(f"{what}.password_env：环境变量 {self.password_env} 未设置")
        raise SettingsError(f"{what}：未指定密码（授权码）从哪里读取，请设置 credential、password_env 或 password_file")


def _read_secret(path: Path, key: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SettingsError(f"{key}：无法读取 {path}（{exc.strerror or exc}）") from exc


class ImapSettings(Secret):
    kind: Literal["imap"]
    host: str
    port: int = 993
    security: Literal["ssl", "starttls", "plain"] = "ssl"
    username: str
    folder: str = "INBOX"
    send_id: Literal["auto", "always", "never"] = "auto"  # auto: for 126/163/yeah.net, when the server offers ID
    idle: bool = True  # use IDLE when the server offers it
    batch_bytes: int = Field(default=50 * 1024 * 1024, gt=0)  # fetch a backlog in batches of about this size
    max_message_bytes: int = Field(default=30 * 1024 * 1024, gt=0)  # larger mail: headers only, sender told
    processed_folder: str = ""  # move answered mail here ("" = leave it where it is)
    attention_folder: str = ""  # move mail that needs a person here
    ca_file: Path | None = None  # extra CA for a self-signed server certificate
    timeout_seconds: float = Field(default=30, gt=0)

    @property
    def wants_id(self) -> bool:
        return self.send_id == "always" or (self.send_id == "auto" and self.host.lower().endswith(NETEASE_HOSTS))


class SmtpSettings(Secret):
    kind: Literal["smtp"]
    host: str
    port: int = 465
    security: Literal["ssl", "starttls", "plain"] = "ssl"
    username: str  # NetEase requires MAIL FROM to equal this login
    ca_file: Path | None = None
    timeout_seconds: float = Field(default=30, gt=0)
    max_per_minute: float = Field(default=20, gt=0)  # NetEase limits how much one account sends
    retry_base_seconds: float = Field(default=60, gt=0)  # temporary failures wait 1, 2, 4 ... times this


class OfficeSettings(BaseModel):
    """Who we are in the replies."""

    model_config = ConfigDict(extra="forbid")

    name: str = "西吉县人民政府办公室"
    address: str = "xjzfbxx@126.com"  # From of every reply; also never answered when seen as a sender
    phone: str = ""  # shown in replies for questions, e.g. "王雪倩 15509503117"
    message_id_domain: str = ""  # default: the domain of ``address``

    def to_office(self, zone: str = "Asia/Shanghai") -> Office:
        return Office(self.name, self.address.lower(), self.phone, self.message_id_domain, zone)


class DigestSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # Asia/Shanghai
    recipients: tuple[str, ...] = ()  # besides the staff addresses in rules/units.toml
    enabled: bool = True


class ReminderSettings(BaseModel):
    """Remind units that are not accepted yet, ``days_before`` the deadline's last day at ``time``."""

    model_config = ConfigDict(extra="forbid")

    days_before: int = Field(default=1, ge=0, le=60)
    time: str = Field(default="10:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class TrustSettings(BaseModel):
    """Which sender authentication to believe (see mailbot.trust)."""

    model_config = ConfigDict(extra="forbid")

    authserv_ids: tuple[str, ...] = ()  # e.g. ("*.126.com",): the receiving server's Authentication-Results
    trust_staff_forwards: bool = False  # an authenticated forward by staff vouches for the mail inside
    known_domains: tuple[str, ...] = ()  # the office's own mail domains etc.: never look-alikes

    def to_policy(self) -> TrustPolicy:
        return TrustPolicy(tuple(p.strip().lower() for p in self.authserv_ids if p.strip()),
                           self.trust_staff_forwards, tuple(d.strip().lower() for d in self.known_domains))


class WebSettings(BaseModel):
    """The staff console (`mailbot web`): where it listens and how long a login lasts."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"  # behind a reverse proxy on the same machine; never 0.0.0.0 without one
    port: int = Field(default=8080, gt=0, lt=65536)
    session_hours: float = Field(default=8, gt=0, le=24 * 7)  # a login lasts this long at most
    idle_minutes: float = Field(default=60, gt=0)  # and ends after this long without a page opened
    trusted_proxies: int = Field(default=0, ge=0, le=5)  # proxies in front whose X-Forwarded-For/-Proto count
    secure_cookies: bool = False  # true behind HTTPS: the browser sends the login cookie over HTTPS only
    threads: int = Field(default=4, ge=1, le=64)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILBOT_", env_nested_delimiter="__", extra="forbid")

    rules_dir: Path = Path("rules")
    var_dir: Path = Path("var")
    database_url: str = ""  # default: sqlite:///<var_dir>/mailbot.db
    database_url_file: Path | None = None  # read the URL (with its password) from this file instead
    templates_dir: Path | None = None  # default: the outbox_templates/ folder shipped with mailbot
    archive_dir: Path | None = None  # default: <var_dir>/archive
    inbox: Annotated[MaildirInboxSettings | ImapSettings, Field(discriminator="kind")] = MaildirInboxSettings()
    outbox: Annotated[MaildirSettings | SmtpSettings, Field(discriminator="kind")] = MaildirSettings()
    office: OfficeSettings = OfficeSettings()
    poll_interval_seconds: float = Field(default=60, gt=0)
    alert_after_minutes: float = Field(default=30, gt=0)  # failing this long → staff are mailed (and on recovery)
    replies_per_sender_per_hour: int = Field(default=10, ge=1)
    timezone: Annotated[str, AfterValidator(known_zone)] = "Asia/Shanghai"  # the office's clock: receipt numbers, dates in letters, digest and reminder times
    log_format: Literal["text", "json"] = "text"  # json: one JSON object per line, for log collectors
    digest: DigestSettings = DigestSettings()
    reminders: tuple[ReminderSettings, ...] = (ReminderSettings(),)
    limits: LimitSettings = LimitSettings()
    trust: TrustSettings = TrustSettings()
    ocr: OcrSettings = OcrSettings()
    web: WebSettings = WebSettings()

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        """The environment wins over the settings file (passed in as init values), as operators expect."""
        return env_settings, init_settings, file_secret_settings

    @property
    def db_url(self) -> str:
        if self.database_url_file is not None:
            try:
                return self.database_url_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SettingsError(f"database_url_file：无法读取 {self.database_url_file}（{exc.strerror or exc}）") from exc
        return self.database_url or f"sqlite:///{self.var_dir / 'mailbot.db'}"

    @property
    def archive_path(self) -> Path:
        return self.archive_dir or self.var_dir / "archive"

    @property
    def inbox_path(self) -> Path:
        path = self.inbox.path if isinstance(self.inbox, MaildirSettings) else None
        return path or self.var_dir / "mail" / "inbox"

    @property
    def outbox_path(self) -> Path:
        path = self.outbox.path if isinstance(self.outbox, MaildirSettings) else None
        return path or self.var_dir / "mail" / "outbox"


class SettingsError(Exception):
    """Settings cannot be used; the message names the file and the key."""


def load_settings(path: Path | None = None) -> Settings:
    """The settings from ``path`` (if given) and the environment; every problem is a SettingsError in words."""
    data: dict = {}
    source = ""
    if path is not None:
        path = Path(path)
        try:
            source = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise SettingsError(f"{path}：找不到设置文件") from exc
        except PermissionError as exc:
            raise SettingsError(_unreadable(path)) from exc
        except IsADirectoryError as exc:
            raise SettingsError(f"{path}：这是一个文件夹，请指定其中的设置文件（如 {path / 'mailbot.toml'}）") from exc
        except OSError as exc:
            raise SettingsError(f"{path}：无法读取设置文件（{os_reason(exc)}）") from exc
        except UnicodeDecodeError as exc:
            raise SettingsError(f"{path}：不是 UTF-8 编码的文本，请用 UTF-8 编码另存后再试") from exc
        try:
            data = tomllib.loads(source.removeprefix("\ufeff"))  # Notepad writes a byte-order mark
        except tomllib.TOMLDecodeError as exc:
            line, said = toml_error(str(exc), source)
            raise SettingsError(f"{path}:{line}: TOML 语法错误：{said}") from exc  # as `rules check` says it
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise SettingsError("\n".join(_problem(path, source, e) for e in exc.errors())) from exc


def _problem(path: Path | None, source: str, error: dict) -> str:
    """file:line: key: what is wrong, as `rules check` says it; or the environment variable that set it."""
    loc = tuple(error["loc"])
    variable = "MAILBOT_" + "__".join(str(part).upper() for part in loc)
    line = line_of(source, loc) if source else None
    if line is not None:
        where = f"{path}:{line}"
    elif variable in os.environ:
        where = f"环境变量 {variable}"
    else:
        where = str(path) if path is not None else "设置"
    return f"{where}: {'.'.join(map(str, loc))}: {pydantic_error(error)}"


def _unreadable(path: Path) -> str:
    """Name who cannot read it and the usual fix: the service user is in the folder's group, not its owner."""
    import grp
    import pwd

    uid, gid = os.geteuid(), os.getegid()
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    try:
        group = grp.getgrgid(gid).gr_name
    except KeyError:
        group = str(gid)
    folder = path.resolve().parent
    return (f"{path}：用户 {user} 没有权限读取此设置文件（或进入其所在目录）。请让该用户所在的组能读取，例如："
            f"chgrp {group} {folder} {path} && chmod 750 {folder} && chmod 640 {path}")
