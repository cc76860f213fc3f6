"""The uploader's workbook back, annotated: a comment on every cell a message is about, the cell
coloured by level (error red, warning yellow, info blue), and a first sheet "Kết quả kiểm tra" listing
every message with its sheet and cell.

.xlsx/.xlsm come back as they were (openpyxl keeps formulas, styles, hidden sheets; macros are dropped
since the result is an .xlsx). .xls and .ods are rebuilt from their values into an .xlsx (same sheet
names, values and merged ranges). A file that cannot be read at all comes back as a workbook with the
result sheet only.
"""
from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from loaders.ingest.formulas import UnevaluatedFormula
from loaders.ingest.reader import META_SHEET, ReadError, read_workbook, sniff
from loaders.ingest.validate import FileResult

RESULT_SHEET = "Kết quả kiểm tra"
FILLS = {"error": PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C"),
         "info": PatternFill("solid", fgColor="DDEBF7")}
LEVEL_NAMES = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"}
STATUS_NAMES = {"accepted": "ĐƯỢC NHẬN", "unchanged": "KHÔNG THAY ĐỔI (đã nộp trước đó)", "rejected": "BỊ TỪ CHỐI"}
AUTHOR = "Theo dõi công tác tuyên truyền"


def annotated_workbook(data: bytes, file_name: str, result: FileResult) -> bytes:
    """The workbook as .xlsx bytes, with the result's messages on the cells they are about."""
    wb = _open(data)
    for m in result.messages:
        if not (m.sheet and m.cell) or m.sheet not in wb.sheetnames:
            continue
        ws = wb[m.sheet]
        try:
            cell = ws[m.cell]
        except (ValueError, KeyError, IndexError):
            continue
        if type(cell).__name__ == "MergedCell":
            continue
        text = f"[{LEVEL_NAMES.get(m.level, m.level)}] {_short(m.text)}"
        if cell.comment is not None and cell.comment.author == AUTHOR:
            text = cell.comment.text + "\n\n" + text
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 360, 160
        cell.comment = comment
        current = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type == "solid" else None
        if m.level == "error" or current not in (FILLS["error"].fgColor.rgb,):
            if not (m.level == "info" and current in (FILLS["warning"].fgColor.rgb,)):
                cell.fill = FILLS.get(m.level, FILLS["info"])
    _result_sheet(wb, file_name, result)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _open(data: bytes) -> Workbook:
    try:
        fmt = sniff(data)
    except ReadError:
        fmt = None
    if fmt in ("xlsx", "xlsm"):
        try:
            wb = load_workbook(io.BytesIO(data))
            for ws in wb.worksheets:
                if ws.title != META_SHEET:      # the uploader can fix the marked cells; metadata stays locked
                    ws.protection.sheet = False
            return wb
        except Exception:  # noqa: BLE001 - openpyxl is stricter than calamine: rebuild from values
            pass
    if fmt is not None:
        try:
            return _rebuild(data)
        except ReadError:
            pass
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _rebuild(data: bytes) -> Workbook:
    book = read_workbook(data)
    wb = Workbook()
    wb.remove(wb.active)
    for s in book.sheets:
        ws = wb.create_sheet(s.name[:31])
        for r, row in enumerate(s.rows, 1):
            for c, v in enumerate(row, 1):
                if v not in ("", None):
                    ws.cell(r, c, str(v) if isinstance(v, UnevaluatedFormula) else v)  # the formula again
        for (r0, c0), (r1, c1) in s.merged:
            if (r0, c0) != (r1, c1):
                ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
        if s.visible == "veryhidden":
            ws.sheet_state = "veryHidden"
        elif s.visible == "hidden":
            ws.sheet_state = "hidden"
    return wb


def _result_sheet(wb: Workbook, file_name: str, result: FileResult) -> None:
    name = RESULT_SHEET
    k = 2
    while name in wb.sheetnames:
        name = f"{RESULT_SHEET} ({k})"
        k += 1
    ws = wb.create_sheet(name, 0)
    ws["A1"] = f"Kết quả kiểm tra tệp “{file_name}”: {STATUS_NAMES.get(result.status, result.status)}"
    ws["A1"].font = Font(bold=True, size=13)
    if result.unit_code or result.periods:
        periods = "; ".join(f"{a:%d/%m/%Y} – {b:%d/%m/%Y}" for a, b in result.periods)
        ws["A2"] = f"Đơn vị: {result.unit_code or '?'}    Kỳ báo cáo: {periods or '?'}"
    for c, title in enumerate(["Mức", "Trang", "Ô", "Nội dung"], 1):
        ws.cell(4, c, title).font = Font(bold=True)
    for row, m in enumerate(result.messages, 5):
        for c, v in enumerate([LEVEL_NAMES.get(m.level, m.level), m.sheet or "", m.cell or "", m.text], 1):
            ws.cell(row, c, v)
        ws.cell(row, 1).fill = FILLS.get(m.level, FILLS["info"])
        ws.cell(row, 4).alignment = Alignment(wrap_text=True, vertical="top")
    if not result.messages:
        ws.cell(5, 4, "Không có lỗi hay cảnh báo nào.")
    for i, w in enumerate((12, 18, 8, 110), 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False


def _short(text: str) -> str:
    """The message without its "Tệp …, trang …, ô …:" prefix (the comment sits on that cell)."""
    head, sep, tail = text.partition(": ")
    return tail if sep and head.startswith("Tệp “") else text
