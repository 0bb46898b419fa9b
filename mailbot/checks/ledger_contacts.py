"""The 单位 / 联系人 / 联系方式 lines above the table must be filled, the phone must dial."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue, cell_place
from mailbot.findings import Finding, Place

UNIT_BLANK = Issue(
    "ledger.unit_blank", "未填写单位",
    "台账表头的“单位”未填写。",
    "请在“单位：”后填写单位全称，如“{example}”。",
)
CONTACT_BLANK = Issue(
    "ledger.contact_blank", "未填写联系人",
    "台账表头的“联系人”未填写。",
    "请在“联系人：”后填写经办人姓名。",
)
PHONE_BLANK = Issue(
    "ledger.phone_blank", "未填写联系方式",
    "台账表头的“联系方式”未填写。",
    "请填写经办人的手机号码（11 位）或办公电话（区号-号码，如 0954-3012423）。",
)
PHONE_MALFORMED = Issue(
    "ledger.phone_malformed", "联系方式格式有误",
    "联系方式“{value}”不是有效的电话号码。",
    "请填写 11 位手机号码，或“区号-号码”形式的办公电话（如 0954-3012423）。",
)
ISSUES = (UNIT_BLANK, CONTACT_BLANK, PHONE_BLANK, PHONE_MALFORMED)

_DASHES = re.compile(r"[\u2010-\u2015\u2212\uff0d\ufe63~～]")
_CANDIDATE = re.compile(r"[\d()（）\-]{5,}")
_MOBILE = re.compile(r"^(\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(\(0\d{2,3}\)|0\d{2,3}-?)\d{7,8}(-\d{1,6})?$")


def phone_numbers_valid(text: str) -> bool:
    """True when the text holds at least one number and every number in it dials.

    Accepts what clerks write: 15509503117, 0954-3012423, 0954—3012423,
    (0954)3012423, several numbers separated by 、 or /, a name before them.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _DASHES.sub("-", text).replace(" ", "")
    numbers = [n.strip("-") for n in _CANDIDATE.findall(text)]
    numbers = [n for n in numbers if n]
    return bool(numbers) and all(_MOBILE.match(n) or _LANDLINE.match(n) for n in numbers)


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    lf = ctx.ledger_file
    if lf is None:
        return
    ledger = lf.ledger
    block_place = Place(file=lf.name, sheet=ledger.sheet)
    example = ctx.unit.name if ctx.unit else "田坪乡"

    def place(cell):
        return cell_place(lf.name, cell) if cell is not None else block_place

    if ledger.unit is None or not ledger.unit.text:
        yield ctx.finding(UNIT_BLANK, place(ledger.unit), example=example)
    if ledger.contact is None or not ledger.contact.text:
        yield ctx.finding(CONTACT_BLANK, place(ledger.contact))
    if ledger.phone is None or not ledger.phone.text:
        yield ctx.finding(PHONE_BLANK, place(ledger.phone))
    elif not phone_numbers_valid(ledger.phone.text):
        yield ctx.finding(PHONE_MALFORMED, place(ledger.phone), value=ledger.phone.text)
