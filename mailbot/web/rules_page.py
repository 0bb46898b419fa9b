"""规则 (administrators only): the rules in force as `rules check` reports them; check severities and
deadline extensions edited in a form, previewed (the TOML change, and what a dry-run replay of the
stored mail says would change), then saved with the file's comments kept and put in force."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for

from mailbot.checks import all_issues
from mailbot.findings import Severity
from mailbot.replay import issue_titles, replay
from mailbot.rules import Campaign
from mailbot.rules_edit import CampaignEdit, EditConflict, preview, save
from mailbot.rules_loader import RulesError
from mailbot.rules_summary import summary_lines
from mailbot.toml_edit import ExtensionEntry
from mailbot.web.common import actor, chosen_campaign, get_console
from mailbot.web.security import admin_required

bp = Blueprint("rules_page", __name__)
SEVERITIES = {"": "默认", Severity.ERROR.value: "需补正（不予受理）", Severity.WARNING.value: "仅提示",
              Severity.OFF.value: "不检查"}
NEW_ROWS = 2  # empty extension rows offered at the end of the form


@bp.route("/rules")
@admin_required
def index():
    campaign = chosen_campaign()
    return _form(campaign, _values_of(campaign), [])


def _form(campaign: Campaign, values: dict, problems: list[str], status: int = 200):
    console = get_console()
    return render_template("rules.html", campaign=campaign, values=values, problems=problems,
                           summary="\n".join(summary_lines(console.rules)), issues=all_issues(),
                           severities=SEVERITIES, units=[u.name for u in console.rules.roster.units],
                           version=request.form.get("base_version") or console.rules.version), status


def _values_of(campaign: Campaign) -> dict:
    """The form's fields as the campaign is now."""
    values = {f"sev-{code}": severity.value for code, severity in campaign.spec.checks.items()}
    rows = [(unit, e.until.isoformat(), e.by, e.reason) for unit, e in campaign.spec.extensions.items()]
    return {**values, "rows": rows + [("", "", "", "")] * NEW_ROWS}


def _edit_of(campaign: Campaign, form) -> tuple[CampaignEdit, dict, list[str]]:
    """The edit a submitted form asks for, the form's values (to show it again) and what is wrong with it."""
    problems: list[str] = []
    severities = {}
    for issue in all_issues():
        chosen = form.get(f"sev-{issue.code}", "")
        if chosen in SEVERITIES and chosen:
            severities[issue.code] = chosen
    extensions: dict[str, ExtensionEntry] = {}
    rows = []
    for i in range(min(form.get("rows", 0, type=int), 500)):
        unit, until, by, reason = (form.get(f"ext-{part}-{i}", "").strip() for part in ("unit", "until", "by", "reason"))
        if form.get(f"ext-drop-{i}") == "1" or not (unit or until or by or reason):
            continue
        rows.append((unit, until, by, reason))
        if not unit:
            problems.append(f"延期第 {len(rows)} 行：请选择单位")
            continue
        if unit in extensions:
            problems.append(f"延期：{unit}填写了两次，请只保留一行")
            continue
        try:
            day = date.fromisoformat(until)
        except ValueError:
            problems.append(f"延期：{unit}的日期「{until}」写法不对，请写成 2021-11-30 这样的格式（年-月-日）")
            continue
        extensions[unit] = ExtensionEntry(day, by, reason)
    values = {**{f"sev-{k}": v for k, v in severities.items()}, "rows": rows + [("", "", "", "")] * NEW_ROWS}
    return CampaignEdit(campaign.id, severities, extensions), values, problems


@bp.route("/rules/preview", methods=["POST"])
@admin_required
def preview_edit():
    console = get_console()
    campaign = chosen_campaign()
    edit, values, problems = _edit_of(campaign, request.form)
    if request.form.get("back"):
        return _form(campaign, values, problems)
    if problems:
        return _form(campaign, values, problems, 400)
    try:
        shown = preview(console.rules_dir, edit, console.runtime.limits)
    except RulesError as exc:
        return _form(campaign, values, [str(p) for p in exc.problems], 400)
    edited_rt = replace(console.runtime, rules=shown.rules)
    changes = replay(edited_rt, shown.rules.campaigns[campaign.id])
    titles = issue_titles()
    return render_template("rules_preview.html", campaign=campaign, shown=shown, form=request.form,
                           replayed=len(changes), changed=[c.describe(titles) for c in changes if c.changed],
                           missing=[c.describe(titles) for c in changes if c.missing])


@bp.route("/rules/save", methods=["POST"])
@admin_required
def save_edit():
    console = get_console()
    campaign = chosen_campaign()
    edit, values, problems = _edit_of(campaign, request.form)
    if problems:
        return _form(campaign, values, problems, 400)
    try:
        loaded = save(console.rules_dir, edit, request.form.get("base_version", ""), console.runtime.limits,
                      console.store, actor(), console.now())
    except EditConflict as exc:
        flash(str(exc), "error")
        return redirect(url_for("rules_page.index", c=campaign.id))
    except RulesError as exc:
        return _form(campaign, values, [str(p) for p in exc.problems], 400)
    console.put_in_force(loaded)
    flash(f"规则已保存并生效（版本 {loaded.version}）。邮件处理程序会在下一轮收信时自动采用新规则；"
          "已收到的材料不会自动重审，如需向结论有变化的单位发出更正回执，请运行 mailbot rules replay --apply。", "ok")
    return redirect(url_for("rules_page.index", c=campaign.id))


