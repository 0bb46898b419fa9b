"""A verdict as plain Chinese text for a clerk at a terminal (``mailbot check``)."""

from __future__ import annotations

from mailbot.findings import Finding, Severity, Verdict, VerdictTag

MARKS = {Severity.ERROR: "✗", Severity.WARNING: "!"}


def format_verdict(verdict: Verdict) -> str:
    s = verdict.summary
    unit = s.unit or "（无法确认单位）"
    lines = [f"{verdict.tag.value}：{unit}　{s.line()}"]
    if verdict.tag is VerdictTag.UNIT_UNKNOWN:
        lines.append("无法确定报送单位：请在台账“单位”栏填写单位全称，或用 --unit 指定。")
    if verdict.findings:
        counts = [f"{n} 项{label}" for n, label in ((len(verdict.errors), Severity.ERROR.label), (len(verdict.warnings), Severity.WARNING.label)) if n]
        lines.append(f"共 {'，'.join(counts)}。")
    for file, findings in _by_file(verdict.findings):
        lines.append("")
        lines.append(f"《{file}》" if file else "报送材料")
        for f in findings:
            where = f.place.describe().removeprefix(f"《{file}》").lstrip("，")
            prefix = f"{where}：" if where else ""
            lines.append(f"  {MARKS[f.severity]} {prefix}{f.message}")
            if f.hint:
                lines.append(f"    → {f.hint}")
    return "\n".join(lines)


def _by_file(findings: tuple[Finding, ...]) -> list[tuple[str, list[Finding]]]:
    """Findings per file (whole-dossier ones first), errors before warnings, then by 序号."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.place.file, []).append(f)
    for items in groups.values():
        items.sort(key=lambda f: (f.severity is not Severity.ERROR, f.place.seq or 0))
    return sorted(groups.items(), key=lambda item: item[0] != "")
