"""Excel export of the lagging communes list (Danh sách xã chậm tiến độ), formatted for printing.

    from loaders.outputs.export import lagging_workbook
    data = lagging_workbook(table, campaign_title, "Đợt II", date(2025, 11, 19))   # .xlsx bytes

`table` is the list as the page shows it: one row per unit, in rank order. Columns named like the
lagging_units query (rank, unit_name, kind_name, score, reasons, …) get Vietnamese headers; columns
already in Vietnamese pass through unchanged. Lists (several reasons) become one line each.

The sheet prints on landscape A4 fitted to the page width, with the header row repeated on every
printed page, the header frozen on screen, borders, wrapped text and fixed column widths.

Text that a spreadsheet would execute as a formula (starting with =, +, -, @, or a tab/carriage
return before one) is neutralized with a leading apostrophe: a unit name or reason read from an
uploaded report is data, never a formula.
"""
from __future__ import annotations

import io
import math
from collections.abc import Iterable
from datetime import date, datetime

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from loaders.common import formatting

SHEET_TITLE = "Xã chậm tiến độ"
TITLE = "DANH SÁCH XÃ, PHƯỜNG CHẬM TIẾN ĐỘ"

# Query column → (Vietnamese header, width in characters, number format or None).
COLUMNS: dict[str, tuple[str, float, str | None]] = {
    "rank": ("STT", 6, "0"),
    "unit_code": ("Mã đơn vị", 10, None),
    "unit_name": ("Đơn vị", 26, None),
    "kind_name": ("Loại đơn vị", 12, None),
    "kind": ("Loại đơn vị", 12, None),
    "score": ("Điểm", 8, None),
    "rules_fired": ("Số tiêu chí", 9, "0"),
    "reasons": ("Lý do chậm tiến độ", 70, None),
    "reasons_text": ("Lý do chậm tiến độ", 70, None),
    "completion": ("Hoàn thành đợt", 11, "0%"),
    "expected": ("Mức cần đạt", 11, "0%"),
    "phase_expected": ("Mức cần đạt", 11, "0%"),
    "reporting_rate": ("Tỷ lệ nộp báo cáo", 11, "0%"),
    "received": ("Số báo cáo đã nộp", 10, "0"),
    "expected_reports": ("Số báo cáo phải nộp", 10, "0"),
    "last_received_at": ("Lần nộp gần nhất", 14, "dd/mm/yyyy"),
}
# Widths of Vietnamese headers a page may already use.
_WIDTH_BY_HEADER = {v[0]: (v[1], v[2]) for v in COLUMNS.values()}
_WIDTH_BY_HEADER.update({"Hạng": (6, "0"), "Xã, phường": (26, None), "Lý do": (70, None)})

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
_FONT = "Times New Roman"        # the font of Vietnamese administrative documents
_LINE_HEIGHT = 15.0              # points per line of 11 pt text


def neutralize(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; anything else unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _cell_value(value):
    """A DataFrame value as a cell value: lists as lines, missing as empty, numpy as Python."""
    if isinstance(value, (list, tuple, np.ndarray)):
        items = value.tolist() if isinstance(value, np.ndarray) else list(value)
        return neutralize("\n".join(str(neutralize(x)) for x in items))
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        value = value.item()
    return neutralize(value)


def _vn_date(d) -> str:
    return formatting.date_dmy(d)


def _lines(text: str, width: float) -> int:
    """Printed lines of wrapped text in a column `width` characters wide (a generous estimate)."""
    usable = max(width - 1, 1)
    return sum(max(1, math.ceil(len(part) / usable)) for part in str(text).split("\n"))


def lagging_workbook(df: pd.DataFrame, campaign_title: str, phase_name: str | None,
                     as_of: date | datetime, columns: Iterable[str] | None = None) -> bytes:
    """The lagging list as an .xlsx for printing; `columns` picks and orders the columns (default all)."""
    table = df if columns is None else df[list(columns)]
    wb = Workbook()
    ws: Worksheet = wb.active
    ws.title = SHEET_TITLE
    headers, widths, formats = _columns(table)
    subtitle = f"{phase_name or 'Toàn bộ kế hoạch'} · Tính đến ngày {_vn_date(as_of)} · {len(table)} đơn vị"
    header_row = _title_block(ws, [campaign_title, subtitle], widths, max(len(headers), 1))
    _header_row(ws, header_row, headers, widths)
    _body(ws, table, header_row + 1, widths, formats)
    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    _print_setup(ws, header_row)
    if len(table):
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(max(len(headers), 1))}{header_row + len(table)}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _columns(table: pd.DataFrame) -> tuple[list[str], list[float], list[str | None]]:
    """Header, width and number format of every column (known query columns, or a page's own headers)."""
    headers, widths, formats = [], [], []
    for col in table.columns:
        if col in COLUMNS:
            h, w, f = COLUMNS[col]
        else:
            h = str(col)
            w, f = _WIDTH_BY_HEADER.get(h, (max(10, min(40, len(h) + 2)), None))
        headers.append(h)
        widths.append(w)
        formats.append(f)
    return headers, widths, formats


def _title_block(ws: Worksheet, lines: list[str], widths: list[float], n_cols: int) -> int:
    """What, which campaign, which phase and as of when, across the table's width; returns the header row."""
    last = get_column_letter(n_cols)
    title_rows = [
        (TITLE, Font(name=_FONT, size=14, bold=True), 22),
        (lines[0], Font(name=_FONT, size=12, bold=True), None),
        (lines[1], Font(name=_FONT, size=11, italic=True), None),
    ]
    total_width = sum(widths) if widths else 60
    for r, (text, font, height) in enumerate(title_rows, start=1):
        ws.merge_cells(f"A{r}:{last}{r}")
        cell = ws.cell(row=r, column=1, value=neutralize(text))
        cell.font = font
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.row_dimensions[r].height = height or _LINE_HEIGHT * 1.15 * _lines(text, total_width * 0.9)
    return len(title_rows) + 2           # one empty row under the title block


def _header_row(ws: Worksheet, row: int, headers: list[str], widths: list[float]) -> None:
    for c, h in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=c, value=neutralize(h))
        cell.font = Font(name=_FONT, size=11, bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[row].height = _LINE_HEIGHT * max(
        (_lines(h, w) for h, w in zip(headers, widths)), default=1) + 4


def _body(ws: Worksheet, table: pd.DataFrame, first_row: int, widths: list[float],
          formats: list[str | None]) -> None:
    body_font = Font(name=_FONT, size=11)
    for i, row in enumerate(table.itertuples(index=False), start=first_row):
        lines = 1
        for c, (value, width, fmt) in enumerate(zip(row, widths, formats), start=1):
            v = _cell_value(value)
            cell = ws.cell(row=i, column=c, value=v)
            if isinstance(v, str):
                cell.data_type = "s"           # never a formula, whatever openpyxl would guess
                lines = max(lines, _lines(v, width))
            elif fmt and v is not None:
                cell.number_format = fmt
            cell.font = body_font
            cell.border = _BORDER
            numeric = isinstance(v, (int, float)) and not isinstance(v, bool)
            cell.alignment = Alignment(vertical="top", wrap_text=True,
                                       horizontal="right" if numeric else "left")
        ws.row_dimensions[i].height = _LINE_HEIGHT * lines + 3


def _print_setup(ws: Worksheet, header_row: int) -> None:
    """Landscape A4, one page wide, as many pages tall as needed, the header on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "Trang &P / &N"
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """A CSV that Excel opens with its diacritics (UTF-8 with BOM) and whose text cells cannot run
    as formulas (neutralized like the Excel exports)."""
    safe = df.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(neutralize)
    return safe.to_csv(index=False).encode("utf-8-sig")
