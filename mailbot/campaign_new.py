"""`mailbot campaign new`: start a collection round from the workbook the office will send out.

The new folder's campaign.toml starts as a copy of an existing campaign's (its comments explain
every key, and its statuses, ledger, report and checks settings carry over), with the title,
document number, notice date, deadline, keywords and template name replaced and no extensions. The copy is
edited as TOML (mailbot.toml_edit), not as text, so nothing but those keys changes. The folder is kept only
if the whole rules directory still loads.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

from mailbot.rules import Rules
from mailbot.rules_loader import CAMPAIGN_FILE, CAMPAIGNS_DIR, RulesError, load_rules
from mailbot.toml_edit import TEMPLATE, campaign_text

def new_campaign(rules_dir: Path, campaign_id: str, workbook: Path, title: str, deadline: date,
                 doc_number: str = "", keywords: tuple[str, ...] = (), base: str | None = None,
                 notice_date: date | None = None) -> Rules:
    """Create rules/campaigns/<campaign_id>/ and return the loaded rules.

    Raises ValueError (Chinese) for a bad id, base or workbook; RulesError when the rules would not
    load, the folder then removed again.
    """
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", campaign_id):
        raise ValueError("任务编号只能用字母、数字、点、横线和下划线，如 xzbh-2022-12")
    if not Path(workbook).is_file():
        raise ValueError(f"找不到台账模板文件：{workbook}")
    root = Path(rules_dir) / CAMPAIGNS_DIR
    folder = root / campaign_id
    if folder.exists():
        raise ValueError(f"{folder} 已存在")
    existing = sorted(p.name for p in root.iterdir() if (p / CAMPAIGN_FILE).is_file()) if root.is_dir() else []
    if base and base not in existing:
        raise ValueError(f"没有编号为「{base}」的报送任务可以参照，现有：{'、'.join(existing) or '（无）'}")
    if not existing:
        raise ValueError("没有可参照的报送任务，请从 rules/campaigns/ 中复制一个")
    source = root / (base or existing[-1])
    text = campaign_text((source / CAMPAIGN_FILE).read_text(encoding="utf-8-sig"), title, deadline, doc_number,
                         keywords, notice_date)
    folder.mkdir(parents=True)
    try:
        (folder / CAMPAIGN_FILE).write_text(text, encoding="utf-8")
        shutil.copyfile(workbook, folder / TEMPLATE)
        return load_rules(rules_dir)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


__all__ = ["new_campaign", "RulesError"]
