"""Edits of the administrators' TOML files (campaign.toml, units.toml) made as TOML (tomlkit is imported
here only): the keys change, every comment and every other key stays as the administrator wrote it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import tomlkit

from mailbot.roster import normalize_name

TEMPLATE = "template.xlsx"


@dataclass(frozen=True)
class ExtensionEntry:
    until: date
    by: str
    reason: str = ""


def campaign_text(base: str, title: str, deadline: date, doc_number: str, keywords: tuple[str, ...],
                  notice_date: date | None = None) -> str:
    """The base campaign.toml with this round's keys set; every other key and every comment kept. The base
    round's notice date is never carried over: it would make every report of the new round "too early"."""
    doc = tomlkit.parse(base)
    doc["title"] = title
    doc["doc_number"] = doc_number
    if notice_date is not None:
        doc["notice_date"] = notice_date
    elif "notice_date" in doc:
        del doc["notice_date"]
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


def add_address(units_toml: str, unit: str, address: str) -> str:
    """units.toml with ``address`` added to the [[units]] entry named ``unit`` (its roster name)."""
    doc = tomlkit.parse(units_toml)
    for entry in doc.get("units", []):
        if normalize_name(str(entry.get("name", ""))) == normalize_name(unit):
            if "addresses" in entry:
                if address not in [str(a).lower() for a in entry["addresses"]]:
                    entry["addresses"].append(address)
            else:
                entry["addresses"] = [address]
            return tomlkit.dumps(doc)
    raise KeyError(unit)


def write_checked(path: Path, text: str, check: Callable[[], object]):
    """Write ``text`` to ``path`` (atomically), then run ``check`` (loading the rules): on any error the
    file's old text is put back and the error raised. Returns what ``check`` returned."""
    path = Path(path)
    old = path.read_bytes()
    _replace(path, text.encode("utf-8"))
    try:
        return check()
    except BaseException:
        _replace(path, old)
        raise


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
