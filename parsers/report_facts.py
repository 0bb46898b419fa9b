"""Facts a clerk takes from a report's text (a text layer or OCR): the counts it states, the date of
its 落款, whether it names the notice's 文号. Pure functions of text.

OCR of 〔2021〕 often comes back as （2021】 or [2021]; full-width digits and brackets are folded
(NFKC) and all bracket kinds are made one before comparing.
"""

from __future__ import annotations

import re
import unicodedata

from parsers.report import _chinese_number, find_dates
from parsers.types import StatedCounts

_NUMBER = r"(\d{1,4}|[零〇一二两三四五六七八九十]{1,3})"
_MEASURE = r"(?:个|项|条|处)"
_FIGURES = {  # a status word, then (的/问题) and the number; a longer word is tried before its tail
    "done": r"(?<![未尚没])(?:已完成整改|已整改完成|已整改到位|已经完成整改|完成整改|整改完成|已整改|已完成)",
    "doing": r"(?:正在整改|正在推进整改|整改中|持续整改|正在推进)",
    "undone": r"(?:尚未完成整改|未完成整改|尚未整改|未整改|未完成)",
}
_TOTAL = (re.compile(r"问题(?:共|共计|总计|合计|共有)" + _NUMBER + _MEASURE),
          re.compile(r"(?:共|共计|总计|合计|共有)(?:反馈|涉及|存在)?(?:的)?问题" + _NUMBER + _MEASURE),
          re.compile(r"(?:共|共计|总计|合计|共有)(?:反馈|涉及|存在)?" + _NUMBER + _MEASURE + r"[^。；]{0,8}?问题"))
_BRACKETS = str.maketrans({c: "(" for c in "〔[［【（"} | {c: ")" for c in "〕]］】）"})


def normalized(text: str) -> str:
    """NFKC, no whitespace, one kind of bracket: how two readings of the same words compare."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).translate(_BRACKETS)


def stated_counts(text: str) -> StatedCounts | None:
    """The first sentence that states how many problems were rectified (at least one status figure)."""
    for written in re.split(r"[。；;!！]", re.sub(r"\s+", "", text or "")):  # a sentence may wrap
        sentence = unicodedata.normalize("NFKC", written)
        figures = {name: _figure(pattern, sentence) for name, pattern in _FIGURES.items()}
        if all(value is None for value in figures.values()):
            continue
        total = next((_number(m.group(1)) for p in _TOTAL if (m := p.search(sentence))), None)
        return StatedCounts(sentence=written[:120], total=total, **figures)
    return None


def _figure(word: str, sentence: str) -> int | None:
    found = re.search(word + r"(?:的|问题|的问题)?" + _NUMBER + _MEASURE, sentence)
    return _number(found.group(1)) if found else None


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text in ("零", "〇"):
        return 0
    value = _chinese_number(text.replace("两", "二"))
    return value or None


def signed_on(closing: str) -> str:
    """The date of the 落款: the last date in the closing lines (ISO), or ""."""
    dates = find_dates(closing)
    return dates[-1] if dates else ""


def names_number(text: str, doc_number: str) -> bool:
    """Does the text name the document number (西政办函〔2021〕56号), however its brackets came out?"""
    wanted = normalized(doc_number)
    return bool(wanted) and wanted in normalized(text)
