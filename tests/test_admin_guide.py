"""The administrator's guide explains every key of the rules files and every check, in prose.

A key counts as explained by a table row or a bullet that names it (outside code blocks, where
``key =`` only shows the syntax) and says what it does with an example. The keys come from the rules
models themselves, walked recursively, so a key added to the code and not to the guide fails here.
"""

import re
from collections import Counter
from pathlib import Path

from mailbot.checks import all_issues
from mailbot.rules import CampaignFile, Roster
from tests.model_walk import nested_models

GUIDE = (Path(__file__).resolve().parents[1] / "docs" / "管理员指南.md").read_text(encoding="utf-8")
PROSE = re.sub(r"\n  +", "", re.sub(r"(?ms)^```.*?^```", "", GUIDE)).splitlines()  # a bullet's indented lines joined


def rules_keys() -> list[str]:
    """Every key an administrator can write, nested models included: once for each model that has it."""
    found, todo, seen = [], [CampaignFile, Roster], set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for key, field in model.model_fields.items():
            found.append(key)
            todo.extend(nested_models(field.annotation))
    return found


def explaining(name: str) -> list[str]:
    """Table rows whose first cell, and bullets whose lead (before the first ：), name `name`."""
    mark = re.compile(rf"`(\[\[?)?{re.escape(name)}(\]\]?)?`")
    rows = [line for line in PROSE if line.startswith("|") and mark.search(line.split("|")[1])
            and len([c for c in line.split("|")[2:] if c.strip()]) >= 2]
    bullets = [line for line in PROSE if line.startswith("- ") and "：" in line and mark.search(line.split("：")[0])]
    return rows + bullets


def with_example(line: str) -> bool:
    """A table row has an example column; a bullet shows a value in backticks after its lead, or says 例."""
    if line.startswith("|"):
        return True
    rest = line.split("：", 1)[1]
    return "`" in rest or "例" in rest


def test_every_rules_key_is_explained_with_an_example():
    keys = Counter(rules_keys())  # `types` is a ledger key and a report key: two explanations
    assert {"first_mail_counts", "timezone", "template", "until", "by", "units", "staff"} <= set(keys)
    missing = []
    for key, needed in sorted(keys.items()):
        lines = [line for line in explaining(key) if with_example(line)]
        if len(lines) < needed:
            missing.append(f"{key}（需 {needed} 处说明，有 {len(lines)} 处）")
    assert missing == []


def test_every_check_code_has_a_row_with_its_default_and_an_example():
    rows = {line.split("|")[1].strip(): line for line in PROSE if line.startswith("| `")}
    missing = [i.code for i in all_issues() if f"`{i.code}`" not in rows
               or len([c for c in rows[f"`{i.code}`"].split("|")[2:] if c.strip()]) < 3]
    assert missing == []
    wrong = [i.code for i in all_issues() if f"`{i.code}`" in rows and f"| {i.default.value} |" not in rows[f"`{i.code}`"]]
    assert wrong == []
