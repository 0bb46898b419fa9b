"""A question in a unit's own words ("请问第 12 项由哪个单位整改？"), so that a person answers it.

mailbot answers submissions, not questions; a question must not vanish behind an
automatic receipt. Quoted text is not the unit's own words: lines starting with
">" and everything after a reply or forward marker (our earlier receipt the unit
replied to, a forwarded original) are dropped first, and links are ignored (a
query string is not a question).
"""

from __future__ import annotations

import re

from mailbot.mailparse import URL

_MARKER = re.compile(r"^[ \t]*(?:-{2,20}[^\n]{0,40}?(?:原始邮件|转发|Original).*"  # ---- 原始邮件 ---- (QQ, 126)
                     r"|.{0,80}(?:写道|wrote)[ \t]*[:：][ \t]*"  # 在 2021-11-24 10:30，"xjzfbxx" 写道：
                     r"|(?:发件人|From)[ \t]*[:：].*)$", re.M | re.I)  # Outlook's header block
# One pass over the text: each sentence is matched once, ending at its terminator (linear time; a
# pattern that searched for a question mark from every position was quadratic on a long line).
_SENTENCE = re.compile(r"[^。！!？?\n]+[？?]?")
_ASKING = ("请问", "咨询", "能否", "可否", "是否需要", "是否可以")
MAX_EXCERPT = 120
MAX_OWN_WORDS = 20_000  # characters looked at: a cover note's question is near its top


def own_words(body: str) -> str:
    """The body without quoted or forwarded text."""
    marker = _MARKER.search(body)
    text = body[: marker.start()] if marker else body
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))


def question_in(body: str) -> str:
    """The first question the sender asks in their own words, shortened; "" when there is none."""
    for sentence in _SENTENCE.finditer(URL.sub(" ", own_words(body[:MAX_OWN_WORDS]))):
        text = sentence.group(0)
        if text.endswith(("？", "?")) or any(word in text for word in _ASKING):
            question = " ".join(text.split())
            return question if len(question) <= MAX_EXCERPT else question[: MAX_EXCERPT - 1] + "…"
    return ""
