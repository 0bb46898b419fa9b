"""`mailbot campaign new`: start a collection round from the workbook the office will send out.

The new folder's campaign.toml starts as a copy of an existing campaign's (its comments explain
every key), with the title, document number, deadline and keywords replaced and no extensions.
The folder is kept only if the whole rules directory still loads.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

from mailbot.rules import Rules
from mailbot.rules_loader import CAMPAIGN_FILE, CAMPAIGNS_DIR, RulesError, load_rules


def _set(text: str, key: str, value: str) -> str:
    return re.sub(rf"(?m)^{key} = .*$", lambda _: f"{key} = {value}", text, count=1)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def new_campaign(rules_dir: Path, campaign_id: str, workbook: Path, title: str, deadline: date,
                 doc_number: str = "", keywords: tuple[str, ...] = (), base: str | None = None) -> Rules:
    """Create rules/campaigns/<campaign_id>/ and return the loaded rules; raises RulesError (folder removed)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", campaign_id):
        raise ValueError("任务编号只能用字母、数字、点、横线和下划线，如 xzbh-2022-12")
    root = Path(rules_dir) / CAMPAIGNS_DIR
    folder = root / campaign_id
    if folder.exists():
        raise ValueError(f"{folder} 已存在")
    existing = sorted(p for p in root.iterdir() if (p / CAMPAIGN_FILE).exists())
    source = root / base if base else (existing[-1] if existing else None)
    if source is None:
        raise ValueError("没有可参照的报送任务，请从 rules/campaigns/ 中复制一个")
    text = (source / CAMPAIGN_FILE).read_text(encoding="utf-8")
    text = _set(text, "title", _quote(title))
    text = _set(text, "doc_number", _quote(doc_number))
    text = _set(text, "date", deadline.isoformat())
    text = _set(text, "subject_keywords", "[" + ", ".join(_quote(k) for k in keywords) + "]")
    text = _set(text, "template", '"template.xlsx"')
    text = re.sub(r"(?ms)^\[extensions\]\n(?:(?!^\[).*\n)*", "[extensions]\n\n", text)
    text = re.sub(r"(?m)^(# 报送任务：).*$", rf"\g<1>{doc_number}《{title}》", text, count=1)
    folder.mkdir(parents=True)
    try:
        (folder / CAMPAIGN_FILE).write_text(text, encoding="utf-8")
        shutil.copyfile(workbook, folder / "template.xlsx")
        return load_rules(rules_dir)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


__all__ = ["new_campaign", "RulesError"]
