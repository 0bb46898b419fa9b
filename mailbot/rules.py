"""Typed models of the admin-edited rules: the campaigns (the roster is in :mod:`mailbot.roster`).

Built by :mod:`mailbot.rules_loader` from ``rules/units.toml`` and
``rules/campaigns/<id>/``; everything after loading works on these values only.
The list of problems is not typed in TOML: it is read from the campaign's
template workbook, so the office edits it in one place.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field, StrictBool, field_validator, model_validator

from mailbot.findings import Severity
from mailbot.roster import Roster, Unit, UnitKind, normalize_name  # callers also import the roster from here
from mailbot.rules_fields import (
    LEDGER_TYPES,
    REPORT_TYPES,
    Placed,
    Strict,
    Text,
    file_types,
    known_zone,
    template_name,
)
from mailbot.rules_messages import regex_error

StrictDate = Annotated[date, Field(strict=True)]  # a quoted "2021-11-25" is refused, as the guide says


class Deadline(Strict):
    """When mail must have arrived. ``inclusive``: 前 read as 'by the end of that day'."""

    # strict: "yes" or "2" in quotes would be read silently as something else
    date: StrictDate
    inclusive: StrictBool = True
    timezone: Annotated[str, AfterValidator(known_zone)] = "Asia/Shanghai"
    grace_hours: float = Field(default=0, ge=0, le=24 * 30, strict=True, allow_inf_nan=False)
    # true: a unit whose first ledger or report came in time is not 逾期 for corrections sent later
    first_mail_counts: StrictBool = False

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

    until: StrictDate
    by: Text  # who granted it
    reason: str = ""

    @model_validator(mode="before")
    @classmethod
    def _says_who(cls, value):
        if isinstance(value, (date, str)):  # a bare date, quoted or not: who granted it is missing
            raise ValueError(f'延期须写明批准人，如 {{ until = {value}, by = "批准人", reason = "延期原因" }}')
        return value


class Statuses(Strict):
    allowed: tuple[Text, ...] = Field(default=("完成整改", "正在整改", "未整改"), min_length=1)
    synonyms: dict[str, str] = {}
    needs_reason: tuple[str, ...] = ("未整改",)

    @model_validator(mode="after")
    def _targets_allowed(self) -> "Statuses":
        for word, target in self.synonyms.items():
            if target not in self.allowed:
                raise Placed(f"同义词「{word}」指向「{target}」，但它不在 allowed 中", "synonyms", word)
        for status in self.needs_reason:
            if status not in self.allowed:
                raise Placed(f"needs_reason 中的「{status}」不在 allowed 中", "needs_reason")
        return self

    def normalize(self, text: str) -> tuple[str | None, bool]:
        """(allowed status or None, whether a synonym was needed); an empty cell is (None, False)."""
        if not text:
            return None, False
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
    template: Annotated[str, AfterValidator(template_name)] = "template.xlsx"
    required_columns: tuple[str, ...] = ("序号", "反馈问题", "整改措施", "整改完成情况", "备注")
    required_fields: tuple[str, ...] = ("整改措施", "整改完成情况")
    example_prefixes: tuple[Text, ...] = ("例：", "例:", "示例：", "示例:")
    types: Annotated[tuple[str, ...], AfterValidator(file_types(LEDGER_TYPES, "台账"))] = LEDGER_TYPES

    @field_validator("required_columns", "required_fields")
    @classmethod
    def _known_columns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        known = tuple(LEDGER_FIELD_LABELS.values())  # in template order, so the list reads like the sheet
        for index, label in enumerate(value):
            if label not in known:
                raise Placed(f"未知的列名「{label}」，可用：{'、'.join(known)}", index)
        return value


class ReportRules(Strict):
    title_patterns: tuple[str, ...] = Field(default=(r"整改.*报告",), min_length=1)
    types: Annotated[tuple[str, ...], AfterValidator(file_types(REPORT_TYPES, "报告"))] = REPORT_TYPES

    @field_validator("title_patterns")
    @classmethod
    def _compiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for index, pattern in enumerate(value):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise Placed(regex_error(pattern, exc), index) from exc
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

    title: Text
    doc_number: str = ""
    notice_date: StrictDate | None = None  # 印发日期: a report signed before it was written for something else
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
