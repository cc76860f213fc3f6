"""The corpus of broken and hostile files, built in code (shared by the tests and bench/bench_hostile.py)."""
from __future__ import annotations

import functools
import io
import random
import zipfile
from datetime import date, datetime

import msoffcrypto
import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from tests import workbooks as wb

WEEK = (date(2025, 9, 15), date(2025, 9, 21))
_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{sheets}</Types>')
_SHEET_CT = ('<Override PartName="/xl/worksheets/sheet{i}.xml" '
             'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def good(values=None, **kw) -> bytes:
    return wb.xlsx(wb.report("Phường Tân Lập", *WEEK, values or {"ttcs_tin_bai": 5}, unit_code="24121", **kw))


def _raw_xlsx(sheet_xml: list[str | bytes], compress=zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal real .xlsx package around the given sheet XML parts (for sizes no office app writes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as z:
        z.writestr("[Content_Types].xml", _CT.format(sheets="".join(_SHEET_CT.format(i=i + 1)
                                                                 for i in range(len(sheet_xml)))))
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        sheets = "".join(f'<sheet name="S{i + 1}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(len(sheet_xml)))
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {_NS} {_RNS}><sheets>{sheets}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       f'relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(sheet_xml)))
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        for i, x in enumerate(sheet_xml):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", x)
    return buf.getvalue()


@functools.cache
def _million_rows_xml() -> str:
    return "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1</v></c></row>'
                   for r in range(1, 1_000_001))


def million_rows(dimension: bool = True) -> bytes:
    rows = _million_rows_xml()
    dim = '<dimension ref="A1:B1000000"/>' if dimension else ""
    return _raw_xlsx([f'<?xml version="1.0"?><worksheet {_NS}>{dim}<sheetData>{rows}</sheetData></worksheet>'])


def many_sheets(n: int = 3000) -> bytes:
    return _raw_xlsx([f'<?xml version="1.0"?><worksheet {_NS}><sheetData/></worksheet>'] * n)


def zip_bomb() -> bytes:
    """256 MB of zeros behind a 250 KB archive (ratio 1000:1), declared as an ordinary sheet."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CT.format(sheets=_SHEET_CT.format(i=1)))
        z.writestr("xl/workbook.xml", f'<workbook {_NS}/>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(256):
                f.write(block)
    return buf.getvalue()


def encrypted() -> bytes:
    """A real password-protected .xlsx (ECMA-376 agile encryption by msoffcrypto-tool)."""
    src = io.BytesIO(good())
    out = io.BytesIO()
    f = msoffcrypto.OfficeFile(src)
    f.encrypt("mat-khau", out)
    return out.getvalue()


def error_cells() -> bytes:
    data = good()
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book["Báo cáo"]
    ref = wb.value_cells(wb.report("Phường Tân Lập", *WEEK, {}, unit_code="24121"), "ttcs_tin_bai")
    ws[ref] = "#REF!"
    ref2 = wb.value_cells(wb.report("Phường Tân Lập", *WEEK, {}, unit_code="24121"), "mxh_facebook")
    ws[ref2] = "#VALUE!"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def date_1904() -> bytes:
    """The period written as real dates in a workbook using the 1904 date system (old Mac Excel)."""
    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904
    ws = book.active
    ws.title = "Báo cáo"
    ws.append(["UBND PHƯỜNG TÂN LẬP"])
    ws.append(["BÁO CÁO KẾT QUẢ CÔNG TÁC TUYÊN TRUYỀN"])
    ws.append(["Từ ngày", datetime(2025, 9, 15), "đến ngày", datetime(2025, 9, 21)])
    ws.append([])
    ws.append(["STT", "Nội dung", "Đơn vị tính", "Số lượng", "Lũy kế", "Ghi chú"])
    ws.append([1, "Tin, bài phát trên hệ thống truyền thanh cơ sở", "tin, bài", 6, None, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def huge_text_cells() -> bytes:
    long = "Ghi chú rất dài " * 6250  # 100,000 characters
    data = wb.report("Phường Tân Lập", *WEEK, {"ttcs_tin_bai": 5}, unit_code="24121")
    for row in data[0].rows:
        if len(row) > 6 and row[1] == "ttcs_tin_bai":
            row[6] = long
    data[0].rows[0][0] = "UBND PHƯỜNG TÂN LẬP " + "X" * 100_000
    return wb.xlsx(data)


def script_unit_name() -> bytes:
    return wb.xlsx(wb.report("Phường Tân Lập", *WEEK, {"ttcs_tin_bai": 5}, meta=False,
                             title_unit="UBND <script>alert('x')</script><img src=x onerror=alert(1)>"))


def formula_notes() -> bytes:
    data = wb.report("Phường Tân Lập", *WEEK, {"ttcs_tin_bai": 5}, unit_code="24121")
    for i, row in enumerate(r for r in data[0].rows if len(r) > 6 and r[1]):
        row[6] = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(1)"][i % 4]
    return wb.xlsx(data)


def truncated() -> bytes:
    data = good()
    return data[: len(data) // 2]


def random_bytes() -> bytes:
    return random.Random(7).randbytes(20_000)


def _replace_part(data: bytes, name: str, body: bytes | str) -> bytes:
    """The same package with one part's bytes replaced (to put XML no office library writes)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, body if item.filename == name else src.read(item.filename))
    return out.getvalue()


def error_formulas(n: int = 20_000, width: int = 10) -> bytes:
    """A good report plus a sheet of n formula cells whose saved value is #DIV/0!, filled down the way
    Excel writes it (one shared formula, then `<f t="shared" si="0"/>`): this once took minutes."""
    rows = []
    for r in range(1, n // width + 1):
        cells = "".join(
            f'<c r="{wb.col_letter(c)}{r}" t="e">'
            + ('<f t="shared" ref="A1:J99999" si="0">1/0</f>' if r == 1 and c == 0 else '<f t="shared" si="0"/>')
            + "<v>#DIV/0!</v></c>" for c in range(width))
        rows.append(f'<row r="{r}">{cells}</row>')
    xml = f'<?xml version="1.0"?><worksheet {_NS}><sheetData>{"".join(rows)}</sheetData></worksheet>'
    sheets = wb.report("Phường Tân Lập", *WEEK, {"ttcs_tin_bai": 5}, unit_code="24121")
    sheets.insert(1, wb.SheetSpec("Tính toán", [["x"]]))
    return _replace_part(wb.xlsx(sheets), "xl/worksheets/sheet2.xml", xml)


def formula_without_value(expr: str) -> bytes:
    """A report whose ttcs_tin_bai count is a formula saved with no value (what openpyxl and other
    programs write); bc_tin_bai = 3 and bc_phat_thanh = 4 sit in E9 and E10 for SUM to use."""
    return wb.xlsx(wb.report("Phường Tân Lập", *WEEK, {"ttcs_tin_bai": "=" + expr, "bc_tin_bai": 3,
                                                       "bc_phat_thanh": 4}, unit_code="24121"))


def big_numbers(n: int = 100_000) -> bytes:
    """A plain sheet of n numbers beside a good report: legitimate, only slow to read."""
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{wb.col_letter(c)}{r}"><v>{r + c}</v></c>' for c in range(10))
                   + "</row>" for r in range(1, n // 10 + 1))
    sheets = wb.report("Phường Tân Lập", *WEEK, {"ttcs_tin_bai": 5}, unit_code="24121")
    sheets.insert(1, wb.SheetSpec("Số liệu", [["x"]]))
    xml = f'<?xml version="1.0"?><worksheet {_NS}><sheetData>{rows}</sheetData></worksheet>'
    return _replace_part(wb.xlsx(sheets), "xl/worksheets/sheet2.xml", xml)


def impossible(values: dict) -> bytes:
    """A report with the given values typed in (1e308 banners, 10^12 flags, 12.5 banners…)."""
    return good(values)


def _cached(build):
    return functools.cache(build)  # some files take a second to build; build each once per session


# name → (file name, builder, expected outcome: "rejected" or "accepted")
CORPUS = {
    "random_bytes": ("bao-cao.xlsx", _cached(random_bytes), "rejected"),
    "truncated_zip": ("bao-cao-cut.xlsx", _cached(truncated), "rejected"),
    "password": ("bao-cao-mat-khau.xlsx", _cached(encrypted), "rejected"),
    "million_rows": ("trieu-dong.xlsx", _cached(million_rows), "rejected"),
    "million_rows_no_dimension": ("trieu-dong-2.xlsx", _cached(lambda: million_rows(dimension=False)), "rejected"),
    "thousands_of_sheets": ("nhieu-trang.xlsx", _cached(many_sheets), "rejected"),
    "zip_bomb": ("bom.xlsx", _cached(zip_bomb), "rejected"),
    "error_cells": ("loi-ref.xlsx", _cached(error_cells), "rejected"),
    "date_1904": ("mac-1904.xlsx", _cached(date_1904), "accepted"),
    "huge_text_cells": ("chu-dai.xlsx", _cached(huge_text_cells), "accepted"),
    "script_in_unit_name": ("script.xlsx", _cached(script_unit_name), "rejected"),
    "formula_notes": ("cong-thuc.xlsx", _cached(formula_notes), "accepted"),
    "error_formulas_20k": ("loi-cong-thuc.xlsx", _cached(error_formulas), "accepted"),
    "formula_no_value_arithmetic": ("cong-thuc-250.xlsx", _cached(lambda: formula_without_value("250+50")),
                                    "accepted"),
    "formula_no_value_sum": ("cong-thuc-sum.xlsx", _cached(lambda: formula_without_value("SUM(E9:E10)")),
                             "accepted"),
    "formula_no_value_lookup": ("cong-thuc-vlookup.xlsx",
                                _cached(lambda: formula_without_value("VLOOKUP(1,E9:E10,1)")), "rejected"),
    "banners_1e308": ("bang-ron-1e308.xlsx", _cached(lambda: impossible({"tq_bang_ron": 1e308})), "rejected"),
    "flags_10_12": ("co-10-12.xlsx", _cached(lambda: impossible({"tq_bang_ron": 3, "ttcs_tin_bai": 10 ** 12})),
                    "rejected"),
    "banners_fraction": ("bang-ron-12-5.xlsx", _cached(lambda: impossible({"tq_bang_ron": 12.5})), "rejected"),
}
