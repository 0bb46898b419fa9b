"""Typed models of the admin-edited rules: the roster and the campaigns.

Built by :mod:`mailbot.rules_loader` from ``rules/units.toml`` and
``rules/campaigns/<id>/``; everything after loading works on these values only.
The list of problems is not typed in TOML: it is read from the campaign's
template workbook, so the office edits it in one place.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mailbot.findings import Severity

ADDRESS_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Strict(BaseModel):
    """Unknown keys are typos: refuse them, naming the key."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitKind(str, Enum):
    TOWNSHIP = "乡镇"
    DEPARTMENT = "部门"


def normalize_name(text: str) -> str:
    """Compare names the way a reader does: full-width folded, spaces and brackets unified."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", "", text)


class Unit(Strict):
    name: str = Field(min_length=2)
    kind: UnitKind
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()

    @field_validator("addresses")
    @classmethod
    def _addresses_are_mail(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if not ADDRESS_RE.match(address):
                raise ValueError(f"「{address}」不是有效的邮箱地址（格式如 tianping@126.com）")
        return tuple(a.lower() for a in value)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the unit goes by, longest first (so 人力资源和社会保障局 beats 社保局)."""
        return tuple(sorted({self.name, *self.aliases}, key=len, reverse=True))


class Roster(Strict):
    """The units that must report, plus the office staff who get digests and flags."""

    staff: tuple[str, ...] = ()
    units: tuple[Unit, ...]

    @field_validator("staff")
    @classmethod
    def _staff_are_mail(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if not ADDRESS_RE.match(address):
                raise ValueError(f"「{address}」不是有效的邮箱地址")
        return tuple(a.lower() for a in value)

    @model_validator(mode="after")
    def _names_unique(self) -> "Roster":
        seen: dict[str, str] = {}
        for unit in self.units:
            for name in unit.names:
                key = normalize_name(name)
                if key in seen and seen[key] != unit.name:
                    raise ValueError(f"名称「{name}」同时属于「{seen[key]}」和「{unit.name}」")
                seen[key] = unit.name
            for address in unit.addresses:
                key = f"@{address}"
                if key in seen and seen[key] != unit.name:
                    raise ValueError(f"邮箱 {address} 同时登记在「{seen[key]}」和「{unit.name}」")
                seen[key] = unit.name
        return self

    def get(self, name: str) -> Unit | None:
        """The unit called ``name`` (its name or an alias, however spaced), or None."""
        key = normalize_name(name)
        for unit in self.units:
            if any(normalize_name(n) == key for n in unit.names):
                return unit
        return None

    def by_address(self, address: str) -> Unit | None:
        address = (address or "").strip().lower()
        return next((u for u in self.units if address in u.addresses), None)

    def of_kind(self, kind: UnitKind) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.kind is kind)

    def mentioned_in(self, text: str) -> tuple[Unit, ...]:
        """Units whose name or alias occurs in ``text``, in order of first mention.

        Longer names are matched first and their span is blanked, so 县政府办公室
        does not also count as a mention of some shorter name inside it.
        """
        text = normalize_name(text)
        taken = bytearray(len(text))  # marks spans already claimed (rebuilding the text per mention was quadratic)
        spans: list[tuple[int, Unit]] = []
        candidates = sorted(
            ((normalize_name(n), u) for u in self.units for n in u.names),
            key=lambda pair: len(pair[0]),
            reverse=True,
        )
        for name, unit in candidates:
            start = text.find(name) if name else -1
            while start >= 0:
                end = start + len(name)
                if any(taken[start:end]):  # inside a longer name's mention
                    start = text.find(name, start + 1)
                    continue
                spans.append((start, unit))
                taken[start:end] = b"\1" * len(name)
                start = text.find(name, end)
        ordered: list[Unit] = []
        for _, unit in sorted(spans, key=lambda s: s[0]):
            if unit not in ordered:
                ordered.append(unit)
        return tuple(ordered)


class Deadline(Strict):
    """When mail must have arrived. ``inclusive``: 前 read as 'by the end of that day'."""

    date: date
    inclusive: bool = True
    timezone: str = "Asia/Shanghai"
    grace_hours: float = Field(default=0, ge=0, le=24 * 30)
    # true: a unit whose first ledger or report came in time is not 逾期 for corrections sent later
    first_mail_counts: bool = False

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    def cutoff(self, day: date | None = None) -> datetime:
        """The first instant that is late (aware), grace included."""
        day = day or self.date
        zone = ZoneInfo(self.timezone)
        start = datetime.combine(day, time(0, 0), tzinfo=zone)
        end = start + timedelta(days=1) if self.inclusive else start
        return end + timedelta(hours=self.grace_hours)


class Extension(Strict):
    """A later last day for one unit, with who granted it and why.

    Kept in campaign.toml rather than the database, so the rules version recorded
    with every verdict also says which extensions were in force.
    """

    until: date
    by: str = Field(min_length=1)  # who granted it
    reason: str = ""

    @model_validator(mode="before")
    @classmethod
    def _says_who(cls, value):
        if isinstance(value, date):
            raise ValueError(f'延期须写明批准人，如 {{ until = {value}, by = "批准人", reason = "延期原因" }}')
        return value


class Statuses(Strict):
    allowed: tuple[str, ...] = ("完成整改", "正在整改", "未整改")
    synonyms: dict[str, str] = {}
    needs_reason: tuple[str, ...] = ("未整改",)

    @model_validator(mode="after")
    def _targets_allowed(self) -> "Statuses":
        for word, target in self.synonyms.items():
            if target not in self.allowed:
                raise ValueError(f"同义词「{word}」指向「{target}」，但它不在 allowed 中")
        for status in self.needs_reason:
            if status not in self.allowed:
                raise ValueError(f"needs_reason 中的「{status}」不在 allowed 中")
        return self

    def normalize(self, text: str) -> tuple[str | None, bool]:
        """(allowed status or None, whether a synonym was needed)."""
        key = normalize_name(text)
        for status in self.allowed:
            if key == normalize_name(status):
                return status, False
        for word, target in self.synonyms.items():
            if key == normalize_name(word):
                return target, True
        return None, False


LEDGER_FIELD_LABELS = {
    "seq": "序号",
    "level1": "一级指标",
    "level2": "二级指标",
    "content": "评测内容",
    "problem": "反馈问题",
    "owner": "责任单位",
    "measure": "整改措施",
    "status": "整改完成情况",
    "remark": "备注",
}


class LedgerRules(Strict):
    template: str = "template.xlsx"
    required_columns: tuple[str, ...] = ("序号", "反馈问题", "整改措施", "整改完成情况", "备注")
    required_fields: tuple[str, ...] = ("整改措施", "整改完成情况")
    example_prefixes: tuple[str, ...] = ("例：", "例:", "示例：", "示例:")
    types: tuple[str, ...] = ("xlsx", "xls", "csv")

    @field_validator("required_columns", "required_fields")
    @classmethod
    def _known_columns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        known = set(LEDGER_FIELD_LABELS.values())
        for label in value:
            if label not in known:
                raise ValueError(f"未知的列名「{label}」，可用：{'、'.join(known)}")
        return value


class ReportRules(Strict):
    title_patterns: tuple[str, ...] = (r"整改.*报告",)
    types: tuple[str, ...] = ("pdf",)

    @field_validator("title_patterns")
    @classmethod
    def _compiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"正则表达式「{pattern}」有误：{exc}") from exc
        return value


class Problem(Strict):
    """One row of the template: a problem and who must answer it."""

    seq: int
    problem: str
    owner_text: str
    level1: str = ""
    level2: str = ""
    content: str = ""
    owners: tuple[str, ...] = ()  # named units (roster names)
    kinds: tuple[UnitKind, ...] = ()  # 各乡镇 → 乡镇, 各部门 → 部门
    example_measure: str = ""
    example_status: str = ""

    def concerns(self, unit: Unit) -> bool:
        return unit.name in self.owners or unit.kind in self.kinds


class CampaignFile(Strict):
    """``campaign.toml`` as written by the administrator."""

    title: str
    doc_number: str = ""
    subject_keywords: tuple[str, ...] = ()
    deadline: Deadline
    extensions: dict[str, Extension] = {}
    statuses: Statuses = Statuses()
    ledger: LedgerRules = LedgerRules()
    report: ReportRules = ReportRules()
    checks: dict[str, Severity] = {}


class Campaign(Strict):
    """A collection round: its file plus the problems read from its template."""

    id: str
    spec: CampaignFile
    problems: tuple[Problem, ...]
    template_title: str = ""

    def problems_for(self, unit: Unit) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.concerns(unit))

    def problem(self, seq: int) -> Problem | None:
        return next((p for p in self.problems if p.seq == seq), None)

    def last_day_for(self, unit_name: str | None) -> date:
        """The day named as the deadline for this unit: its extension's, else the campaign's."""
        extension = self.spec.extensions.get(unit_name) if unit_name else None
        return extension.until if extension else self.spec.deadline.date

    def cutoff_for(self, unit: Unit | None) -> datetime:
        """First late instant for this unit, its extension included."""
        return self.spec.deadline.cutoff(self.last_day_for(unit.name if unit else None))

    def severity(self, code: str, default: Severity) -> Severity:
        return self.spec.checks.get(code, default)


class Rules(Strict):
    roster: Roster
    campaigns: dict[str, Campaign]
    version: str  # sha256 of every rules file, short

    def campaign(self, campaign_id: str | None = None) -> Campaign:
        """The named campaign, or the only one. Raises KeyError with a Chinese message."""
        if campaign_id:
            if campaign_id not in self.campaigns:
                raise KeyError(f"没有编号为「{campaign_id}」的报送任务，现有：{'、'.join(self.campaigns)}")
            return self.campaigns[campaign_id]
        if len(self.campaigns) != 1:
            raise KeyError(f"有多个报送任务，请用 --campaign 指定：{'、'.join(self.campaigns)}")
        return next(iter(self.campaigns.values()))
