"""Reports as a statistician sends them on: CSV for Excel and XLSX, bytes in, bytes out (no files).

* CSV: UTF-8 with a byte-order mark (so Excel opens the Chinese headers correctly), Chinese
  headers, one row per report row; numbers written the way Excel reads them back: counts as
  integers, rates as ``96.73%``, averages in seconds with one decimal, totals of time as
  ``h:mm:ss``; an undefined rate (zero base) is an empty cell.
* XLSX (openpyxl): one sheet per report named after it, Chinese headers in a bold frozen row (the
  dimension columns frozen too), number formats per column (``0``, ``0.00``, ``0.00%``, ``0.0``,
  ``[h]:mm:ss``), column widths fitted to the text, the total row bold, the period, scope and
  notes under the table.  Cells hold the same numbers as the JSON: fractions for rates (formatted
  as percent), seconds for averages; totals of time are Excel durations (seconds ÷ 86400).

Dimension values are shown through ``labels`` (code → text); :data:`~reports.cube.ALL` shows as
全省 in the prefecture column and 合计 elsewhere.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped, unused-ignore]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]

from reports.agent_time import AgentState
from reports.cube import ALL
from reports.records import Rating
from reports.report import Column, Kind, Report, Value
from reports.tickets import ESCALATION_CHANNELS, RepeatKind, Severity

__all__ = ["LABELS", "csv_bytes", "display", "xlsx_bytes"]

LABELS: dict[str, str] = {
    **{s.value: s.zh for s in Severity},
    **{r.value: r.zh for r in Rating},
    **{k.value: k.zh for k in RepeatKind},
    **{a.value: a.zh for a in AgentState},
    **ESCALATION_CHANNELS,
    "": "(无)",
}

_XLSX_FORMATS = {
    Kind.TEXT: "@",
    Kind.INTEGER: "0",
    Kind.DECIMAL: "0.00",
    Kind.PERCENT: "0.00%",
    Kind.SECONDS: "0.0",
    Kind.DURATION: "[h]:mm:ss",
}
_SECONDS_PER_DAY = 86400
_INVALID_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def display(column: Column, value: Value, labels: Mapping[str, str] = LABELS) -> str:
    """The text of a cell as CSV writes it (and as the XLSX column widths are fitted to)."""
    if value is None:
        return ""
    if isinstance(value, str):
        if value == ALL:
            return "全省" if column.key == "prefecture" else "合计"
        return labels.get(value, value)
    if column.kind is Kind.PERCENT:
        return f"{value * 100:.2f}%"
    if column.kind is Kind.DECIMAL:
        return f"{value:.2f}"
    if column.kind is Kind.SECONDS:
        return f"{value:.1f}"
    if column.kind is Kind.DURATION:
        return _clock(value)
    return str(int(value))


def csv_bytes(report: Report, labels: Mapping[str, str] = LABELS) -> bytes:
    """The report as CSV for Excel: UTF-8 with BOM, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.title for c in report.columns])
    for row in report.rows:
        writer.writerow([display(c, v, labels) for c, v in zip(report.columns, row, strict=True)])
    return out.getvalue().encode("utf-8-sig")


def _text_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _sheet_title(title: str, taken: set[str]) -> str:
    base = title.translate(_INVALID_SHEET_CHARS)[:28]
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}({n})"
    taken.add(name)
    return name


def _cell_value(column: Column, value: Value, labels: Mapping[str, str]) -> Value:
    if isinstance(value, str) or column.is_dimension:
        return display(column, value, labels)
    if value is not None and column.kind is Kind.DURATION:
        return value / _SECONDS_PER_DAY
    return value


def xlsx_bytes(reports: Sequence[Report], labels: Mapping[str, str] = LABELS) -> bytes:
    """A workbook with one sheet per report."""
    if not reports:
        raise ValueError("a workbook needs at least one report")
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for report in reports:
        sheet = book.create_sheet(_sheet_title(report.title, taken))
        widths = [_text_width(c.title) for c in report.columns]
        for j, column in enumerate(report.columns, start=1):
            cell = sheet.cell(row=1, column=j, value=column.title)
            cell.font, cell.fill = bold, header_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for i, row in enumerate(report.rows, start=2):
            last = i == len(report.rows) + 1
            for j, (column, value) in enumerate(zip(report.columns, row, strict=True), start=1):
                cell = sheet.cell(row=i, column=j, value=_cell_value(column, value, labels))
                cell.number_format = _XLSX_FORMATS[column.kind]
                if last:
                    cell.font = bold
                widths[j - 1] = max(widths[j - 1], _text_width(display(column, value, labels)))
        for j, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(j)].width = min(width + 2, 50)
        sheet.freeze_panes = sheet.cell(row=2, column=len(report.dimensions) + 1)
        footer = len(report.rows) + 3
        scope = "全省" if report.scope == ALL else labels.get(report.scope, report.scope)
        lines = [f"{report.title}  统计期间: {report.period.label}  范围: {scope}", *report.notes]
        for k, line in enumerate(lines):
            sheet.cell(row=footer + k, column=1, value=line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
