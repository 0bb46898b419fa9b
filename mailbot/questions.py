"""A question in a unit's own words ("请问第 12 项由哪个单位整改？"), so that a person answers it.

mailbot answers submissions, not questions; a question must not vanish behind an
automatic receipt. Quoted text is not the unit's own words: lines starting with
">" and everything after a reply or forward marker (our earlier receipt the unit
replied to, a forwarded original) are dropped first, and links are ignored (a
query string is not a question).
"""

from __future__ import annotations

import re

_MARKER = re.compile(r"^[ \t]*(?:-{2,}.*(?:原始邮件|转发|Original).*"  # ---- 原始邮件 ---- (QQ, 126)
                     r"|.{0,80}(?:写道|wrote)[ \t]*[:：][ \t]*"  # 在 2021-11-24 10:30，"xjzfbxx" 写道：
                     r"|(?:发件人|From)[ \t]*[:：].*)$", re.M | re.I)  # Outlook's header block
_URL = re.compile(r"https?://\S+", re.I)
_QUESTION = re.compile(r"[^。！!？?\n]*[？?]"
                       r"|[^。！!？?\n]*(?:请问|咨询|能否|可否|是否需要|是否可以)[^。！!？?\n]*")
MAX_EXCERPT = 120


def own_words(body: str) -> str:
    """The body without quoted or forwarded text."""
    marker = _MARKER.search(body)
    text = body[: marker.start()] if marker else body
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))


def question_in(body: str) -> str:
    """The first question the sender asks in their own words, shortened; "" when there is none."""
    found = _QUESTION.search(_URL.sub(" ", own_words(body)))
    if found is None:
        return ""
    question = " ".join(found.group(0).split())
    return question if len(question) <= MAX_EXCERPT else question[: MAX_EXCERPT - 1] + "…"
