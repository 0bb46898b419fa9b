"""The consolidated workbook (汇总台账) sent up to the city: openpyxl for writing lives here only.

Every value that came from a unit's file is written as text, never as a formula:
a cell starting with = + - @ cannot run anything when the city opens the file.
"""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from mailbot.progress import NO_ANSWER, Progress
from mailbot.rules import Rules
from mailbot.shown import shown
from mailbot.status import ACCEPTED, NEEDS_FIX, NOT_SUBMITTED, OVERDUE, UNIT_UNKNOWN

STATE_FILLS = {ACCEPTED: "C6EFCE", NEEDS_FIX: "FFC7CE", OVERDUE: "FFEB9C", NOT_SUBMITTED: "EDEDED", UNIT_UNKNOWN: "FFEB9C"}
STATUS_FILLS = {"完成整改": "C6EFCE", "正在整改": "FFEB9C", "未整改": "FFC7CE", NO_ANSWER: "EDEDED"}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")


def put(ws, row: int, col: int, value, fill: str | None = None):
    """Write a value; text always stays text, whatever it starts with, and is shown as a reader sees it."""
    cell = ws.cell(row=row, column=col, value=shown(value))
    if isinstance(value, str):
        cell.data_type = "s"  # '=HYPERLINK(...)' from a unit's file is shown, never evaluated
    cell.alignment = WRAP
    cell.border = BOX
    if fill:
        cell.fill = PatternFill("solid", fgColor=fill)
    return cell


def _table(ws, headers: list[str], widths: list[int], rows: list[list], fills=None) -> None:
    for col, (name, width) in enumerate(zip(headers, widths), start=1):
        cell = put(ws, 1, col, name)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        ws.column_dimensions[get_column_letter(col)].width = width
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            put(ws, r, c, value, fills(values, c) if fills else None)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(2, len(rows) + 1)}"


def consolidated_workbook(progress: Progress, rules: Rules) -> bytes:
    zone = ZoneInfo(progress.campaign.spec.deadline.timezone)
    wb = Workbook()
    ledger = wb.active
    ledger.title = "汇总台账"
    state_of = {s.unit: s for s in progress.states}
    rows = []
    for unit in rules.roster.units:
        answered = progress.rows.get(unit.name, {})
        for problem in progress.campaign.problems_for(unit):
            row = answered.get(problem.seq)
            state = state_of[unit.name]
            rows.append([unit.name, state.state + ("（逾期）" if state.late and state.state != OVERDUE else ""),
                         problem.seq, problem.level1, problem.level2, problem.content, problem.problem,
                         problem.owner_text, row.measure if row else "", row.status if row else "",
                         row.remark if row else ""])
    _table(ledger, ["单位", "报送状态", "序号", "一级指标", "二级指标", "评测内容", "反馈问题", "责任单位", "整改措施",
                    "整改完成情况", "备注"], [14, 12, 6, 10, 14, 30, 40, 16, 40, 14, 24], rows,
           fills=lambda values, col: STATUS_FILLS.get(values[9] or NO_ANSWER) if col == 10 else None)

    roster = wb.create_sheet("报送进度")
    roster_rows = [[s.unit, s.kind, s.state, "是" if s.late else "",
                    s.last_mail.astimezone(zone).strftime("%Y-%m-%d %H:%M") if s.last_mail else "",
                    s.open_findings or "", s.receipt] for s in progress.states]
    _table(roster, ["单位", "类别", "状态", "逾期", "最后来信", "未改正问题", "回执编号"], [20, 8, 12, 6, 18, 10, 16],
           roster_rows, fills=lambda values, col: STATE_FILLS.get(values[2]) if col == 3 else None)
    _charts(roster, progress)

    matrix = wb.create_sheet("问题整改情况")
    units = [u.name for u in rules.roster.units]
    matrix_rows = []
    for problem in progress.campaign.problems:
        line: list = [problem.seq, problem.problem]
        for unit in rules.roster.units:
            if not problem.concerns(unit):
                line.append("")
                continue
            row = progress.rows.get(unit.name, {}).get(problem.seq)
            status = progress.campaign.spec.statuses.normalize(row.status)[0] if row and row.status else None
            line.append(status or NO_ANSWER)
        matrix_rows.append(line)
    _table(matrix, ["序号", "反馈问题", *units], [6, 40, *[10] * len(units)], matrix_rows,
           fills=lambda values, col: STATUS_FILLS.get(values[col - 1]) if col > 2 else None)
    matrix.freeze_panes = "C2"

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _charts(ws, progress: Progress) -> None:
    """Progress by state (bars) and accepted units over time (line), beside the roster."""
    states = [ACCEPTED, NEEDS_FIX, NOT_SUBMITTED, OVERDUE]
    base = 1
    col = 10  # column J, clear of the table
    put(ws, base, col, "状态")
    put(ws, base, col + 1, "单位数")
    for i, state in enumerate(states, start=1):
        put(ws, base + i, col, state)
        ws.cell(row=base + i, column=col + 1, value=progress.count(state))
    bars = BarChart()
    bars.title, bars.y_axis.title = "报送进度", "单位数"
    bars.add_data(Reference(ws, min_col=col + 1, min_row=base, max_row=base + len(states)), titles_from_data=True)
    bars.set_categories(Reference(ws, min_col=col, min_row=base + 1, max_row=base + len(states)))
    bars.height, bars.width = 7, 12
    ws.add_chart(bars, "J7")
    if progress.daily_accepted:
        start = base + len(states) + 20
        put(ws, start, col, "日期")
        put(ws, start, col + 1, "已受理单位")
        for i, (day, count) in enumerate(progress.daily_accepted, start=1):
            put(ws, start + i, col, day)
            ws.cell(row=start + i, column=col + 1, value=count)
        line = LineChart()
        line.title = "已受理单位数（按日）"
        line.add_data(Reference(ws, min_col=col + 1, min_row=start, max_row=start + len(progress.daily_accepted)),
                      titles_from_data=True)
        line.set_categories(Reference(ws, min_col=col, min_row=start + 1, max_row=start + len(progress.daily_accepted)))
        line.height, line.width = 7, 12
        ws.add_chart(line, "J22")
