"""deploy/mailbot.example.toml read line by line, as an administrator edits it: sections, live and commented keys.

What a key may be in each section comes from the Settings model itself (walked recursively), so
the tests know the example's lines without a second list of keys to keep in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from mailbot.settings import Settings
from tests.model_walk import nested_models

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "mailbot.example.toml"

_HEADER = re.compile(r"^#?\s*\[\[?\s*([A-Za-z_][\w.]*)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^(?P<hashes>(?:#\s*)*)(?P<key>[A-Za-z_]\w*) = ")


def sections(model: type[BaseModel] = Settings, name: str = "") -> dict[str, list[type[BaseModel]]]:
    """Section name ("" for the top) → the models that may fill it, for the model and every table below it."""
    out = {name: [model]}
    for field, info in model.model_fields.items():
        inner = nested_models(info.annotation)
        if inner:
            dotted = f"{name}.{field}" if name else field
            out[dotted] = inner
            for member in inner:
                for sub, models in sections(member, dotted).items():
                    if sub != dotted:
                        out[sub] = models
    return out


def keys_of(models: list[type[BaseModel]]) -> set[str]:
    """Plain keys (not tables) any of the models accepts."""
    return {f for m in models for f, info in m.model_fields.items() if not nested_models(info.annotation)}


def model_keys() -> set[str]:
    """Every dotted key the Settings model accepts: log_format, inbox.batch_bytes, reminders.time …"""
    return {f"{s}.{k}" if s else k for s, models in sections().items() for k in keys_of(models)}


@dataclass(frozen=True)
class KeyLine:
    index: int
    section: str
    key: str
    live: bool

    @property
    def dotted(self) -> str:
        return f"{self.section}.{self.key}" if self.section else self.key


def key_lines(text: str) -> list[KeyLine]:
    """Each `key = value` line, live or commented out, with the section it sits in."""
    section, out = "", []
    for index, line in enumerate(text.splitlines()):
        header = _HEADER.match(line)
        if header:
            section = header[1]
            continue
        match = _KEY.match(line)
        if match:
            out.append(KeyLine(index, section, match["key"], not match["hashes"]))
    return out


def documented_keys(text: str) -> set[str]:
    return {k.dotted for k in key_lines(text)}


def _uncomment(line: str) -> str:
    return re.sub(r"^(#\s*)+", "", line)


def every_option(text: str, last_wins: bool) -> str:
    """The example with every commented key switched on, one line per key (the first or the last of its section).

    In a section that is one of several models (inbox: maildir or imap), the keys the chosen ``kind``
    does not have are dropped: with ``last_wins`` that is the production IMAP/SMTP set, without it the default.
    """
    lines = text.splitlines()
    allowed = sections()
    found = [k for k in key_lines(text) if k.key in keys_of(allowed.get(k.section, []))]
    chosen: dict[tuple[str, str], KeyLine] = {}
    for k in found:
        if last_wins or (k.section, k.key) not in chosen:
            chosen[(k.section, k.key)] = k
    kinds = {s: re.search(r'"(\w+)"', lines[k.index])[1] for (s, key), k in chosen.items() if key == "kind"}
    keep = set()
    for (section, key), k in chosen.items():
        models = allowed[section]
        if section in kinds:
            models = [m for m in models if m.model_fields["kind"].annotation.__args__ == (kinds[section],)]
        if key in keys_of(models):
            keep.add(k.index)
    dropped = {k.index for k in found} - keep
    return "\n".join(_uncomment(line) if i in keep else line for i, line in enumerate(lines) if i not in dropped) + "\n"


def set_key(text: str, section: str, key: str, value: str) -> str:
    """`key = value` in its place in ``section``: the live line replaced, else the commented one switched on.

    Raises LookupError when the example has no such line there: the guide told the administrator
    to change something that is not in the file they copied.
    """
    lines = text.splitlines()
    candidates = [k for k in key_lines(text) if k.section == section and k.key == key]
    if not candidates:
        raise LookupError(f"[{section}] {key} is not in the example settings")
    target = next((k for k in candidates if k.live), candidates[0])
    lines[target.index] = f"{key} = {value}"
    return "\n".join(lines) + "\n"
