"""The roster (``rules/units.toml``): the units that must report, and the office staff.

Names are compared the way a reader compares them (full-width folded, spaces ignored); every name,
alias and address belongs to exactly one unit, so the evidence in a mail points at one unit or at a
conflict, never silently at the first match.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum

from pydantic import Field, model_validator

from mailbot.rules_fields import MailAddress, Placed, Strict, Text


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
    aliases: tuple[Text, ...] = ()
    addresses: tuple[MailAddress, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the unit goes by, longest first (so 人力资源和社会保障局 beats 社保局)."""
        return tuple(sorted({self.name, *self.aliases}, key=len, reverse=True))


class Roster(Strict):
    """The units that must report, plus the office staff who get digests and flags."""

    staff: tuple[MailAddress, ...] = ()
    units: tuple[Unit, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_unique(self) -> "Roster":
        """Each name, alias and address belongs to one [[units]] entry (by position, so a unit entered
        twice under the same name is caught too); the error points at the later entry."""
        owner: dict[str, int] = {}
        for index, unit in enumerate(self.units):
            for text, key in ((unit.name, "name"), *((alias, "aliases") for alias in unit.aliases)):
                other = owner.setdefault(normalize_name(text), index)
                if other == index:
                    continue
                first = self.units[other].name
                if key == "name" and normalize_name(first) == normalize_name(text):
                    raise Placed(f"单位「{text}」登记了两次（另一处是第 {other + 1} 个 [[units]]）", "units", index, key)
                raise Placed(f"名称「{text}」同时属于「{first}」和「{unit.name}」", "units", index, key)
            for address in unit.addresses:
                other = owner.setdefault(f"@{address}", index)
                if other != index:
                    raise Placed(f"邮箱 {address} 同时登记在「{self.units[other].name}」和「{unit.name}」",
                                 "units", index, "addresses")
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

    def named(self, text: str) -> Unit | None:
        """The unit a 单位 field names: its exact name or alias, else the only unit mentioned in it."""
        if not text:
            return None
        unit = self.get(text)
        if unit is not None:
            return unit
        mentioned = self.mentioned_in(text)
        return mentioned[0] if len(mentioned) == 1 else None

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
