"""A verdict as plain Chinese text for a clerk at a terminal (``mailbot check``)."""

from __future__ import annotations

from mailbot.findings import Finding, Severity, Verdict, VerdictTag

MARKS = {Severity.ERROR: "✗", Severity.WARNING: "!"}


def format_verdict(verdict: Verdict) -> str:
    s = verdict.summary
    unit = s.unit or "（单位未能确定）"
    lines = [f"{verdict.tag.value}：{unit}　{s.line()}"]
    if verdict.tag is VerdictTag.UNIT_UNKNOWN:
        lines.append("无法确定报送单位：请在台账“单位”栏填写单位全称，或用 --unit 指定。")
    if verdict.findings:
        errors, warnings = len(verdict.errors), len(verdict.warnings)
        lines.append(f"共 {errors} 项须改正，{warnings} 项提示。")
    for file, findings in _by_file(verdict.findings):
        lines.append("")
        lines.append(f"《{file}》" if file else "整体")
        for f in findings:
            where = f.place.describe().removeprefix(f"《{file}》").lstrip("，")
            prefix = f"{where}：" if where else ""
            lines.append(f"  {MARKS[f.severity]} {prefix}{f.message}")
            if f.hint:
                lines.append(f"    → {f.hint}")
    return "\n".join(lines)


def _by_file(findings: tuple[Finding, ...]) -> list[tuple[str, list[Finding]]]:
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.place.file, []).append(f)
    return sorted(groups.items(), key=lambda item: item[0] != "")
