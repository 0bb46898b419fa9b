"""Load ``rules/`` into typed :class:`mailbot.rules.Rules`, or say precisely what is wrong.

Every problem names the file, the line and the field, in Chinese, because the
people who edit these files are office administrators, not programmers. All
problems are collected before failing, so one run of ``mailbot rules check``
shows everything to mend.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from mailbot.checks import known_codes
from mailbot.checks.ledger_file import REASONS as LEDGER_REASONS
from mailbot.rules import Campaign, CampaignFile, Problem, Roster, Rules, UnitKind
from mailbot.rules_fields import Placed
from mailbot.rules_messages import os_reason, pydantic_error, toml_error
from mailbot.toml_places import key_at, line_of
from parsers.ledger import read_ledger
from parsers.types import FileKind, Ledger, Limits, ParseError, ParseErrorKind

UNITS_FILE = "units.toml"
CAMPAIGNS_DIR = "campaigns"
CAMPAIGN_FILE = "campaign.toml"

_EVERY_TOWNSHIP = re.compile(r"^(各|全部|所有)?乡镇(人民政府)?$")
_EVERY_DEPARTMENT = re.compile(r"^(县直)?(各|全部|所有)?(部门|单位|部门\(单位\)|县直部门)(\(单位\))?$")

@dataclass(frozen=True)
class RuleProblem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class RulesError(Exception):
    """The rules cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)


def load_rules(rules_dir: Path, limits: Limits = Limits()) -> Rules:
    rules_dir = Path(rules_dir)
    problems: list[RuleProblem] = []
    roster, _ = _load_toml_model(rules_dir / UNITS_FILE, Roster, rules_dir, problems)
    campaigns: dict[str, Campaign] = {}
    campaign_root = rules_dir / CAMPAIGNS_DIR
    folders = sorted(p for p in campaign_root.iterdir() if p.is_dir()) if campaign_root.is_dir() else []
    if not folders:
        problems.append(RuleProblem(_rel(campaign_root, rules_dir), None, "", "没有任何报送任务文件夹"))
    for folder in folders:
        spec, text = _load_toml_model(folder / CAMPAIGN_FILE, CampaignFile, rules_dir, problems)
        if spec is None or roster is None:
            continue
        campaign = _build_campaign(folder, spec, text, roster, rules_dir, limits, problems)
        if campaign is not None:
            campaigns[campaign.id] = campaign
    if problems:
        raise RulesError(problems)
    return Rules(roster=roster, campaigns=campaigns, version=rules_version(rules_dir))


def rules_version(rules_dir: Path) -> str:
    """A short hash of every file under ``rules/``: stored with each verdict it judged.

    Raises RulesError naming a file that cannot be read (a stray file counts: it changes the version).
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(rules_dir).rglob("*") if p.is_file()):
        if path.name.startswith((".", "~$")):
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            problem = RuleProblem(_rel(path, Path(rules_dir)), None, "", f"文件无法读取：{os_reason(exc)}")
            raise RulesError([problem]) from exc
        digest.update(str(path.relative_to(rules_dir)).encode())
        digest.update(b"\0")
        digest.update(data)
    return digest.hexdigest()[:12]


def _rel(path: Path, root: Path) -> str:
    try:
        return str(Path(root.name) / path.relative_to(root))
    except ValueError:
        return str(path)


def read_text(path: Path) -> str:
    """A rules file as text; a byte-order mark (Windows Notepad writes one) is dropped.

    Raises FileNotFoundError, or ValueError with the Chinese reason.
    """
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise
    except UnicodeDecodeError as exc:
        raise ValueError("文件不是 UTF-8 编码，请用 UTF-8 保存") from exc
    except OSError as exc:  # a folder of that name, no permission...
        raise ValueError(f"文件无法读取：{os_reason(exc)}") from exc


def _load_toml_model(path: Path, model: type[BaseModel], root: Path, problems: list[RuleProblem]):
    """(model, text), or (None, text) with the problems added."""
    name = _rel(path, root)
    try:
        text = read_text(path)
    except FileNotFoundError:
        problems.append(RuleProblem(name, None, "", "文件不存在"))
        return None, ""
    except ValueError as exc:
        problems.append(RuleProblem(name, None, "", str(exc)))
        return None, ""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, message = toml_error(str(exc), text)
        key = key_at(text, line) if line else ()
        problems.append(RuleProblem(name, line, _field_name(key), f"TOML 语法错误：{message}"))
        return None, text
    try:
        return model.model_validate(data), text
    except ValidationError as exc:
        for error in exc.errors():
            placed = (error.get("ctx") or {}).get("error")
            loc = tuple(error["loc"]) + (placed.loc if isinstance(placed, Placed) else ())
            problems.append(RuleProblem(name, line_of(text, loc), _field_name(loc), pydantic_error(error)))
        return None, text


def _field_name(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _build_campaign(folder, spec, toml_text, roster, root, limits, problems) -> Campaign | None:
    """Read the template's problems and check every name the campaign uses against the roster."""
    toml_name = _rel(folder / CAMPAIGN_FILE, root)
    before = len(problems)
    for unit_name in spec.extensions:
        if roster.get(unit_name) is None:
            problems.append(RuleProblem(toml_name, line_of(toml_text, ("extensions", unit_name)),
                                        f"extensions.{unit_name}", "名册中没有这个单位"))
    for code in spec.checks:
        if code not in known_codes():
            problems.append(RuleProblem(toml_name, line_of(toml_text, ("checks", code)), f"checks.{code}",
                                        "没有这项校验，可用的校验项见 `mailbot rules checks`"))
    ledger = _template(folder, spec, toml_name, toml_text, limits, problems)
    if ledger is None:
        return None
    problem_rows = _problems(ledger, spec, roster, _rel(folder / spec.ledger.template, root), problems)
    if len(problems) > before:
        return None
    return Campaign(id=folder.name, spec=spec, problems=problem_rows, template_title=ledger.title)


_TEMPLATE_REASONS = {**LEDGER_REASONS,  # what a unit's ledger is told, and what only the office's template can be
                     ParseErrorKind.ENCRYPTED: "设置了打开密码，请取消密码后保存",
                     ParseErrorKind.WRONG_TYPE: "不是 Excel 工作簿（.xlsx）",
                     ParseErrorKind.NO_TABLE: "找不到台账表头（须有“序号”“反馈问题”“责任单位”等列）",
                     ParseErrorKind.OVERFLOW: "台账工作表超出可读取的行数或列数"}


def _template(folder, spec, toml_name, toml_text, limits, problems) -> Ledger | None:
    """The campaign's template workbook read as a ledger; a problem names ``ledger.template`` where it is set."""
    line = line_of(toml_text, ("ledger", "template"))
    where = f"模板《{spec.ledger.template}》"
    try:
        data = (folder / spec.ledger.template).read_bytes()
    except FileNotFoundError:
        why = "不存在：请把随通知下发的台账模板放在本任务文件夹中"
    except OSError as exc:  # a folder of that name, a name too long, no permission
        why = f"无法读取：{os_reason(exc)}"
    else:
        try:
            return read_ledger(data, FileKind.XLSX, limits)
        except ParseError as exc:
            why = f"无法读取：{_TEMPLATE_REASONS.get(exc.kind, '文件已损坏或格式无法识别')}"
        except Exception:  # noqa: BLE001 - a reader bug on the office's own workbook is a rules problem, not a crash
            why = "无法读取：文件已损坏或格式无法识别"
    problems.append(RuleProblem(toml_name, line, "ledger.template", where + why))
    return None


def _problems(ledger: Ledger, spec, roster, template_name, problems) -> tuple[Problem, ...]:
    for label, field in (("序号", "seq"), ("反馈问题", "problem"), ("责任单位", "owner")):
        if field not in ledger.columns:
            problems.append(RuleProblem(template_name, ledger.header_row, label, "模板缺少这一列"))
    if not ledger.rows:
        problems.append(RuleProblem(template_name, None, "", "模板中没有任何问题行"))
    out = []
    level1 = ""
    for seq, row in sorted(ledger.rows.items()):
        level1 = row.text("level1") or level1  # merged in the template: the label holds for the rows below
        owner_cell = row.cells.get("owner")
        owners, kinds, unknown = parse_owners(row.text("owner"), roster)
        for token in unknown:
            ref = owner_cell.ref if owner_cell else f"第 {row.row} 行"
            problems.append(RuleProblem(template_name, row.row, f"{ref} 责任单位",
                                        f"「{token}」不在名册中，请在 units.toml 中登记或加为别称"))
        if not owners and not kinds and not unknown:
            problems.append(RuleProblem(template_name, row.row, f"序号 {seq} 责任单位", "未填写责任单位"))
        measure = row.text("measure")
        status = row.text("status")
        out.append(Problem(
            seq=seq,
            problem=row.text("problem"),
            level1=level1,
            level2=row.text("level2"),
            content=row.text("content"),
            owner_text=row.text("owner"),
            owners=owners,
            kinds=kinds,
            example_measure=measure if measure.startswith(spec.ledger.example_prefixes) else "",
            example_status=status if status and spec.statuses.normalize(status)[0] is None else "",
        ))
    return tuple(out)


def parse_owners(text: str, roster: Roster) -> tuple[tuple[str, ...], tuple[UnitKind, ...], tuple[str, ...]]:
    """责任单位 text → (named units, whole kinds, tokens not in the roster).

    "各乡镇、各部门(单位)" means every township and every department;
    "政府办 司法局" and "民政局、人力资源和社会保障局" name units.
    """
    text = unicodedata.normalize("NFKC", text or "")
    owners: list[str] = []
    kinds: list[UnitKind] = []
    unknown: list[str] = []
    for token in (t for t in re.split(r"[、，,；;/\s]+", text) if t):
        if _EVERY_TOWNSHIP.match(token):
            kinds.append(UnitKind.TOWNSHIP)
        elif _EVERY_DEPARTMENT.match(token):
            kinds.append(UnitKind.DEPARTMENT)
        elif unit := roster.get(token):
            owners.append(unit.name)
        else:
            unknown.append(token)
    return tuple(dict.fromkeys(owners)), tuple(dict.fromkeys(kinds)), tuple(unknown)
