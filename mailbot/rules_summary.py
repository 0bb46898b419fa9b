"""What `mailbot rules check` says about rules that load: the roster, each campaign's deadline, extensions
and who answers which problems. The console's 规则 page shows the same lines."""

from __future__ import annotations

from mailbot.rules import Rules, UnitKind


def summary_lines(loaded: Rules) -> list[str]:
    roster = loaded.roster
    towns, depts = len(roster.of_kind(UnitKind.TOWNSHIP)), len(roster.of_kind(UnitKind.DEPARTMENT))
    registered = sum(1 for u in roster.units if u.addresses)
    lines = [f"规则无误（版本 {loaded.version}）",
             f"名册：{len(roster.units)} 个单位（乡镇 {towns}，部门 {depts}），"
             f"{registered} 个已登记邮箱；工作人员邮箱 {len(roster.staff)} 个"]
    for campaign in loaded.campaigns.values():
        spec = campaign.spec
        d = spec.deadline
        rule = "含当日" if d.inclusive else "不含当日"
        cutoff = d.cutoff().strftime("%Y-%m-%d %H:%M")
        grace = f"，宽限 {d.grace_hours:g} 小时" if d.grace_hours else ""
        lines += [f"\n任务 {campaign.id}：{spec.doc_number}《{spec.title}》",
                  f"  截止：{d.date} 前（{rule}{grace}），即 {cutoff}（{d.timezone}）之前收到为按时",
                  "  补正：" + ("首次报送按时的，截止后的补正不记逾期" if d.first_mail_counts
                              else "截止后收到的每封邮件都记逾期，补正也不例外")]
        for name, extension in spec.extensions.items():
            why = f"，{extension.reason}" if extension.reason else ""
            lines.append(f"  延期：{name} 至 {extension.until}（{extension.by} 批准{why}）")
        lines.append(f"  问题：{len(campaign.problems)} 个（来自 {spec.ledger.template}）")
        nobody = [p.seq for p in campaign.problems if not any(p.concerns(u) for u in roster.units)]
        groups: dict[tuple[int, ...], list[str]] = {}
        for unit in roster.units:
            groups.setdefault(tuple(p.seq for p in campaign.problems_for(unit)), []).append(unit.name)
        for seqs, names in groups.items():
            who = f"{names[0]} 等 {len(names)} 个单位" if len(names) > 3 else "、".join(names)
            each = "各 " if len(names) > 1 else ""
            lines.append(f"    {who}：{each}{len(seqs)} 项（序号 {ranges(list(seqs))}）")
        if nobody:
            lines.append(f"  注意：序号 {ranges(nobody)} 没有对应的责任单位")
    return lines


def ranges(numbers: list[int]) -> str:
    """[1,2,3,5] → '1-3, 5'."""
    out: list[str] = []
    for n in sorted(numbers):
        if out and out[-1].split("-")[-1] == str(n - 1):
            out[-1] = out[-1].split("-")[0] + f"-{n}"
        else:
            out.append(str(n))
    return ", ".join(out) or "无"
