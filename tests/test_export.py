"""The Excel export of the lagging list: headers, title block, print setup, formula neutralization."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from loaders.outputs.export import lagging_workbook, neutralize

TITLE = "Kế hoạch tăng cường công tác thông tin, tuyên truyền Đại hội đại biểu Đảng bộ tỉnh Đắk Lắk lần thứ I"


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame({
        "rank": [1, 2, 3],
        "unit_name": ["Xã Ea Kao", "=HYPERLINK(\"http://evil\",\"Phường Tân An\")", "@SUM(A1)"],
        "kind_name": ["Xã", "Phường", "Xã"],
        "score": [5.0, 3.0, 1.0],
        "reasons": [
            ["Không nộp báo cáo 2 tuần gần nhất (10/11/2025, 03/11/2025)",
             "Hoàn thành đợt 31%, thấp hơn mức cần đạt 71% − 15%"],
            ["+1 tuần thiếu"],
            ["-5 bài"],
        ],
        "completion": [0.31, 0.55, 0.9],
    })


def _open(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return wb, wb.active


def test_title_block_and_vietnamese_headers(table):
    wb, ws = _open(lagging_workbook(table, TITLE, "Đợt II", date(2025, 11, 19)))
    assert ws.title == "Xã chậm tiến độ"
    assert ws["A1"].value == "DANH SÁCH XÃ, PHƯỜNG CHẬM TIẾN ĐỘ"
    assert ws["A1"].font.bold
    assert ws["A2"].value == TITLE
    assert ws["A3"].value == "Đợt II · Tính đến ngày 19/11/2025 · 3 đơn vị"
    # the title rows span the table's width
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:F1", "A2:F2", "A3:F3"} <= merged
    headers = [c.value for c in ws[5]]
    assert headers == ["STT", "Đơn vị", "Loại đơn vị", "Điểm", "Lý do chậm tiến độ", "Hoàn thành đợt"]
    assert all(c.font.bold and c.border.bottom.style == "thin" for c in ws[5])
    # body: numbers stay numbers with a format, reasons one per line, wrapped and bordered
    assert ws["A6"].value == 1 and ws["D6"].value == 5.0
    assert ws["F6"].value == pytest.approx(0.31) and ws["F6"].number_format == "0%"
    assert ws["E6"].value.split("\n") == table["reasons"][0]
    assert ws["E6"].alignment.wrap_text and ws["E6"].border.left.style == "thin"
    assert ws.row_dimensions[6].height > ws.row_dimensions[8].height   # two lines of reasons
    assert ws.column_dimensions["E"].width >= 60 and ws.column_dimensions["A"].width <= 8


def test_print_setup(table):
    _, ws = _open(lagging_workbook(table, TITLE, "Đợt II", date(2025, 11, 19)))
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9                       # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows == "$5:$5"                         # header repeated on each page
    assert ws.freeze_panes == "A6"                                # header frozen on screen
    assert ws.auto_filter.ref == "A5:F8"


def test_formulas_are_neutralized(table):
    data = lagging_workbook(table, "=cmd|' /C calc'!A0", "+Đợt", date(2025, 11, 19))
    _, ws = _open(data)
    values = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(v.startswith(("=", "+", "-", "@")) for v in values)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert ws["B7"].value == "'=HYPERLINK(\"http://evil\",\"Phường Tân An\")"
    assert ws["B8"].value == "'@SUM(A1)"
    assert ws["E7"].value == "'+1 tuần thiếu"
    assert ws["E8"].value == "'-5 bài"
    assert ws["A2"].value == "'=cmd|' /C calc'!A0"
    assert ws["A3"].value.startswith("'+Đợt")
    # and nothing in the file's XML is a formula
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()


def test_neutralize_leaves_numbers_and_plain_text():
    assert neutralize(-3) == -3
    assert neutralize("Xã Ea Kao") == "Xã Ea Kao"
    assert neutralize("\t=1") == "'\t=1"


def test_empty_list_and_whole_campaign():
    empty = pd.DataFrame({"rank": [], "unit_name": [], "reasons": []})
    _, ws = _open(lagging_workbook(empty, TITLE, None, date(2025, 11, 19)))
    assert ws["A3"].value == "Toàn bộ kế hoạch · Tính đến ngày 19/11/2025 · 0 đơn vị"
    assert [c.value for c in ws[5]] == ["STT", "Đơn vị", "Lý do chậm tiến độ"]


def test_vietnamese_columns_pass_through():
    df = pd.DataFrame({"Hạng": [1], "Xã, phường": ["Xã Hòa Phú"], "Lý do": ["Không nộp báo cáo"]})
    _, ws = _open(lagging_workbook(df, TITLE, "Đợt I", date(2025, 9, 30)))
    assert [c.value for c in ws[5]] == ["Hạng", "Xã, phường", "Lý do"]
    assert ws.column_dimensions["C"].width == 70
