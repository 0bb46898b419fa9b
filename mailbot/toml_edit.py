"""Edits of campaign.toml made as TOML (tomlkit is imported here only): the keys change, every comment
and every other key stays as the administrator wrote it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import tomlkit

TEMPLATE = "template.xlsx"


@dataclass(frozen=True)
class ExtensionEntry:
    until: date
    by: str
    reason: str = ""


def campaign_text(base: str, title: str, deadline: date, doc_number: str, keywords: tuple[str, ...]) -> str:
    """The base campaign.toml with a new round's keys set (`mailbot campaign new`); no extensions."""
    doc = tomlkit.parse(base)
    doc["title"] = title
    doc["doc_number"] = doc_number
    doc["subject_keywords"] = list(keywords)
    doc["deadline"]["date"] = deadline
    if "extensions" in doc:
        extensions = doc["extensions"]
        for name in list(extensions):
            del extensions[name]
    if "ledger" in doc and "template" in doc["ledger"]:
        doc["ledger"]["template"] = TEMPLATE
    text = tomlkit.dumps(doc)
    return re.sub(r"(?m)^(# 报送任务：).*$", lambda m: f"{m.group(1)}{doc_number}《{title}》", text, count=1)


def with_checks_and_extensions(text: str, severities: dict[str, str], extensions: dict[str, ExtensionEntry]) -> str:
    """campaign.toml with its ``[checks]`` set to ``severities`` (a code absent: its default) and its
    ``[extensions]`` to ``extensions``. An entry that does not change keeps its line as written."""
    doc = tomlkit.parse(text)
    checks = _table(doc, "checks")
    for code in [c for c in checks if c not in severities]:
        del checks[code]
    for code, severity in severities.items():
        if checks.get(code) != severity:
            checks[code] = severity
    granted = _table(doc, "extensions")
    for unit in [u for u in granted if u not in extensions]:
        del granted[unit]
    for unit, entry in extensions.items():
        wanted = {"until": entry.until, "by": entry.by, **({"reason": entry.reason} if entry.reason else {})}
        if unit in granted and dict(granted[unit]) == wanted:
            continue
        inline = tomlkit.inline_table()
        inline.update(wanted)
        granted[unit] = inline
    return tomlkit.dumps(doc)


def _table(doc, name: str):
    if name not in doc:
        doc.add(tomlkit.nl())
        doc.add(name, tomlkit.table())
    return doc[name]
