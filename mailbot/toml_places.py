"""Find the line of a TOML key, so a rules error names file, line and field.

tomllib gives positions only for syntax errors; pydantic gives a path such as
``("units", 3, "kind")``. This walks the text once, tracking table headers and
array-of-tables counters, and returns the line that best matches the path.
It understands what the rules files use (tables, arrays of tables, bare and
quoted keys); for anything else it falls back to the nearest enclosing table.
"""

from __future__ import annotations

import re

_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_ARRAY = re.compile(r"^\s*\[\[\s*([^\[\]]+?)\s*\]\]\s*(#.*)?$")
_KEY = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_\-.]+)\s*=')


def _split_key(key: str) -> tuple[str, ...]:
    """``a.b`` → (a, b); a quoted key stays whole: ``"ledger.x"`` → (ledger.x,)."""
    key = key.strip()
    if key[:1] in "\"'":
        return (key[1:-1],)
    return tuple(part.strip() for part in key.split("."))


def key_lines(text: str) -> dict[tuple, int]:
    """Every key path defined in ``text`` mapped to its 1-based line."""
    places: dict[tuple, int] = {}
    table: tuple = ()
    counters: dict[tuple, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if m := _ARRAY.match(line):
            path = _split_key(m.group(1))
            index = counters.get(path, -1) + 1
            counters[path] = index
            table = (*path, index)
            places.setdefault(table, number)
        elif m := _TABLE.match(line):
            table = _split_key(m.group(1))
            places.setdefault(table, number)
        elif m := _KEY.match(line):
            places.setdefault((*table, *_split_key(m.group(1))), number)
    return places


def line_of(text: str, path: tuple) -> int | None:
    """Line of the longest prefix of ``path`` defined in ``text`` (None: not found)."""
    places = key_lines(text)
    path = tuple(path)
    for end in range(len(path), 0, -1):
        if path[:end] in places:
            return places[path[:end]]
    return None


def key_at(text: str, line: int) -> tuple:
    """The key path written on ``line`` (a key line or a table header), () when none: a syntax error
    then names the key as well as the line."""
    return next((path for path, number in key_lines(text).items() if number == line), ())
