"""An administrator's edit of one campaign's check severities and deadline extensions (the console's 规则 page).

Nothing is written until the edit has loaded: it is made on a copy of ``rules/`` first, so a broken
edit is refused with the same ``file:line: field: 说明`` as `mailbot rules check`. It is saved only if
nobody changed ``rules/`` since the page was opened (the rules version it started from), in one
atomic rename, so the daemon never reads half a file; the daemon reloads the rules by itself.
"""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mailbot.audit import Actor, note
from mailbot.checks import all_issues
from mailbot.findings import Severity
from mailbot.rules import Rules
from mailbot.rules_loader import CAMPAIGN_FILE, CAMPAIGNS_DIR, load_rules, read_text, rules_version
from mailbot.store import Store
from mailbot.toml_edit import ExtensionEntry, with_checks_and_extensions
from parsers.types import Limits


class EditConflict(Exception):
    """rules/ changed since the edit began; the message says so in Chinese."""


@dataclass(frozen=True)
class CampaignEdit:
    campaign: str
    severities: dict[str, str]  # code → error | warning | off; a code not named keeps its default
    extensions: dict[str, ExtensionEntry]  # unit → its extension: the whole new set


@dataclass(frozen=True)
class Preview:
    old_text: str
    new_text: str
    rules: Rules  # the rules as they would be after the edit (loaded from the copy)
    changes: list[str]  # what the edit changes, in Chinese

    @property
    def diff(self) -> str:
        return "".join(difflib.unified_diff(self.old_text.splitlines(True), self.new_text.splitlines(True),
                                            "修改前", "修改后"))


def campaign_file(rules_dir: Path, campaign: str) -> Path:
    return Path(rules_dir) / CAMPAIGNS_DIR / campaign / CAMPAIGN_FILE


def preview(rules_dir: Path, edit: CampaignEdit, limits: Limits) -> Preview:
    """The edit made on a copy of ``rules/`` and loaded; RulesError (with every problem) when it does not load."""
    path = campaign_file(rules_dir, edit.campaign)
    old = read_text(path)
    new = with_checks_and_extensions(old, edit.severities, edit.extensions)
    with tempfile.TemporaryDirectory(prefix="mailbot-rules-") as scratch:
        copy = Path(scratch) / Path(rules_dir).resolve().name  # problems then name the files as rules check does
        shutil.copytree(rules_dir, copy, ignore=shutil.ignore_patterns(".*", "~$*"))
        campaign_file(copy, edit.campaign).write_text(new, encoding="utf-8")
        edited = load_rules(copy, limits)
    before = load_rules(rules_dir, limits).campaigns.get(edit.campaign)
    return Preview(old, new, edited, _changes(before.spec if before else None, edited.campaigns[edit.campaign].spec))


def save(rules_dir: Path, edit: CampaignEdit, base_version: str, limits: Limits, store: Store, actor: Actor,
         now: datetime) -> Rules:
    """Write the edit if ``rules/`` is still at ``base_version``; the rules as now in force."""
    with _edit_lock(rules_dir):
        if rules_version(rules_dir) != base_version:
            raise EditConflict("规则文件在您打开本页之后已被修改（可能是其他管理员或直接编辑了文件）。"
                               "为免覆盖他人的修改，本次未保存；请重新打开规则页面，再作修改")
        shown = preview(rules_dir, edit, limits)
        if shown.new_text == shown.old_text:
            return load_rules(rules_dir, limits)
        path = campaign_file(rules_dir, edit.campaign)
        temporary = path.with_name(f".{CAMPAIGN_FILE}.saving")  # a dot file: not part of the rules version
        temporary.write_text(shown.new_text, encoding="utf-8")
        os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
        os.replace(temporary, path)
        loaded = load_rules(rules_dir, limits)
    with store.session() as session:
        note(session, actor, "rules.edit", f"任务 {edit.campaign}",
             "；".join(shown.changes) + f"（规则版本 {base_version} → {loaded.version}）", now)
        session.commit()
    return loaded


def _changes(before, after) -> list[str]:
    titles = {issue.code: (issue.title, issue.default) for issue in all_issues()}
    out = []
    for code in sorted(set(before.checks if before else {}) | set(after.checks)):
        title, default = titles.get(code, (code, Severity.ERROR))
        old = (before.checks if before else {}).get(code, default)
        new = after.checks.get(code, default)
        if old != new:
            out.append(f"校验「{title}」：{old.label} → {new.label}")
    old_ext = before.extensions if before else {}
    for unit in sorted(set(old_ext) | set(after.extensions)):
        old, new = old_ext.get(unit), after.extensions.get(unit)
        if old == new:
            continue
        if new is None:
            out.append(f"取消{unit}的延期（原至 {old.until}）")
        else:
            why = f"，{new.reason}" if new.reason else ""
            out.append(f"{unit}延期至 {new.until}（{new.by} 批准{why}）" + (f"，原至 {old.until}" if old else ""))
    return out or ["没有改动"]


class _edit_lock:
    """One edit at a time per rules folder (several console processes may serve the same rules)."""

    def __init__(self, rules_dir: Path) -> None:
        key = hashlib.sha256(str(Path(rules_dir).resolve()).encode()).hexdigest()[:16]
        self.path = Path(tempfile.gettempdir()) / f"mailbot-rules-edit-{key}.lock"

    def __enter__(self):
        self.file = open(self.path, "a+b")
        fcntl.flock(self.file.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()
