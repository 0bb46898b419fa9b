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

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from mailbot.letters import Office
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

    def to_limits(self) -> Limits:
        return Limits(**self.model_dump())


class MaildirSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["maildir"] = "maildir"
    path: Path | None = None  # default: <var_dir>/mail/inbox or /outbox


NETEASE_HOSTS = ("126.com", "163.com", "yeah.net", "188.com")


class Secret(BaseModel):
    """Where a password or 授权码 comes from: an environment variable or a file, never this settings file."""

    model_config = ConfigDict(extra="forbid")

    password_env: str = ""  # name of the environment variable holding it
    password_file: Path | None = None  # e.g. a systemd credential: /run/credentials/mailbot.service/imap

    def read(self, what: str) -> str:
        if self.password_file is not None:
            try:
                return self.password_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SettingsError(f"{what}.password_file: cannot read {self.password_file}: {exc}") from exc
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise SettingsError(f"{what}.password_env: environment variable {self.password_env} is not set")
            return value
        raise SettingsError(f"{what}: set password_env or password_file")


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

    def to_office(self) -> Office:
        return Office(self.name, self.address.lower(), self.phone, self.message_id_domain)


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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILBOT_", env_nested_delimiter="__", extra="forbid")

    rules_dir: Path = Path("rules")
    var_dir: Path = Path("var")
    database_url: str = ""  # default: sqlite:///<var_dir>/mailbot.db
    database_url_file: Path | None = None  # read the URL (with its password) from this file instead
    templates_dir: Path | None = None  # default: the outbox_templates/ folder shipped with mailbot
    archive_dir: Path | None = None  # default: <var_dir>/archive
    inbox: Annotated[MaildirSettings | ImapSettings, Field(discriminator="kind")] = MaildirSettings()
    outbox: Annotated[MaildirSettings | SmtpSettings, Field(discriminator="kind")] = MaildirSettings()
    office: OfficeSettings = OfficeSettings()
    poll_interval_seconds: float = Field(default=60, gt=0)
    alert_after_minutes: float = Field(default=30, gt=0)  # failing this long → staff are mailed (and on recovery)
    replies_per_sender_per_hour: int = Field(default=10, ge=1)
    timezone: str = "Asia/Shanghai"  # for the digest and reminder times
    log_format: Literal["text", "json"] = "text"  # json: one JSON object per line, for log collectors
    digest: DigestSettings = DigestSettings()
    reminders: tuple[ReminderSettings, ...] = (ReminderSettings(),)
    limits: LimitSettings = LimitSettings()

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
                raise SettingsError(f"database_url_file: cannot read {self.database_url_file}: {exc}") from exc
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
    data: dict = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise SettingsError(f"{path}: settings file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: TOML syntax error: {exc}") from exc
    try:
        return Settings(**data)
    except ValidationError as exc:
        lines = [f"{path or 'environment'}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise SettingsError("\n".join(lines)) from exc
