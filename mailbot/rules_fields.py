"""Validators for single values in the rules files: addresses, time zones, file names and types.

Each raises ValueError with a Chinese message (never KeyError or OSError, which pydantic would let
through as a crash of ``mailbot rules check`` and of the daemon's reload).
"""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict

from mailbot.rules_messages import choices
from parsers.types import FileKind

ADDRESS_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# what the intake can read as each role (mailbot.intake routes these kinds to the ledger / report readers)
LEDGER_TYPES = (FileKind.XLSX.value, FileKind.XLS.value, FileKind.CSV.value)
REPORT_TYPES = (FileKind.PDF.value,)


class Strict(BaseModel):
    """Unknown keys are typos: refuse them, naming the key."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Placed(ValueError):
    """A message about a key below the value validated (``loc`` relative to it), so the loader
    names that key and its line rather than the whole table."""

    def __init__(self, message: str, *loc: str | int) -> None:
        super().__init__(message)
        self.loc = loc


def _mail_address(value: str) -> str:
    if not ADDRESS_RE.match(value):
        raise ValueError("不是有效的邮箱地址（格式如 tianping@126.com）")
    return value.lower()


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("不能为空")
    return value


MailAddress = Annotated[str, AfterValidator(_mail_address)]
Text = Annotated[str, AfterValidator(_not_blank)]


def known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (KeyError, ValueError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError("无法识别的时区，一般填写 Asia/Shanghai（北京时间）") from exc
    return value


def template_name(value: str) -> str:
    """The workbook lies beside campaign.toml: a plain .xlsx file name, not a folder or a path."""
    if value in ("", ".", "..") or re.search(r"[\\/\x00]", value) or not value.lower().endswith(".xlsx"):
        raise ValueError('应为本任务文件夹中模板文件的文件名，如 "template.xlsx"')
    return value


def file_types(known: tuple[str, ...], role: str):
    """A validator for ``types``: only kinds the intake can read as this role ("xlxs" would refuse every file)."""

    def check(value: tuple[str, ...]) -> tuple[str, ...]:
        value = tuple(t.strip().lower().lstrip(".") for t in value)
        for index, kind in enumerate(value):
            if kind not in known:
                raise Placed(f"无法识别的文件类型「{kind}」，{role}可填 {choices(known)}", index)
        if not value:
            raise ValueError(f"至少要填写一种{role}文件类型，如 {choices(known[:1])}")
        return value

    return check
