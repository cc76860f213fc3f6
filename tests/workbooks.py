"""Real workbooks built in code, for tests: .xlsx/.xlsm (openpyxl), .xls (xlwt), .ods (odfpy).

A workbook is described as a list of `SheetSpec`: rows of plain values (str, int, float, date,
datetime, None) or `Formula(expr, cached)`, merged ranges in A1 notation, and a visibility. `build(fmt,
sheets)` writes the same description in any of the four formats, so one test can run on all of them.

Formulas carry the value Excel would have cached: openpyxl writes none, so the .xlsx writer patches
the sheet XML to add it (exactly what Excel stores); odfpy writes `table:formula` plus `office:value`;
xlwt writes the cached number into the FORMULA record.

`report(...)` builds a template-shaped weekly report ("Báo cáo" + "Tin bài" + veryHidden "_meta"),
following the template contract of loaders/outputs/template.py.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.sax.saxutils import escape

from loaders.ingest.reader import col_letter, parse_ref

__all__ = ["Formula", "SheetSpec", "build", "xlsx", "xls", "ods", "report", "encrypted_ooxml",
           "TEMPLATE_HEADER", "week_text"]


@dataclass
class Formula:
    expr: str            # without the leading "=", e.g. "SUM(E9:E10)"
    cached: object       # the value Excel shows (and stores) for it


@dataclass
class SheetSpec:
    name: str
    rows: list[list] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    state: str = "visible"          # visible | hidden | veryHidden


# --------------------------------------------------------------------------- .xlsx / .xlsm (openpyxl)

def xlsx(sheets: list[SheetSpec], macro: bool = False) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    cached: dict[tuple[int, str], object] = {}
    for i, spec in enumerate(sheets):
        ws = wb.create_sheet(spec.name)
        for r, row in enumerate(spec.rows):
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                if isinstance(v, Formula):
                    ws.cell(r + 1, c + 1, "=" + v.expr)
                    cached[(i, f"{col_letter(c)}{r + 1}")] = v.cached
                else:
                    cell = ws.cell(r + 1, c + 1, v)
                    if isinstance(v, (date, datetime)):
                        cell.number_format = "dd/mm/yyyy"
        for m in spec.merges:
            ws.merge_cells(m)
        ws.sheet_state = spec.state
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if cached:
        data = _patch_cached(data, cached)
    if macro:
        data = _as_xlsm(data)
    return data


def _patch_cached(data: bytes, cached: dict[tuple[int, str], object]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            m = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", item.filename)
            if m:
                idx = int(m.group(1)) - 1
                text = body.decode("utf-8")
                for (i, ref), value in cached.items():
                    if i != idx:
                        continue
                    if isinstance(value, str):
                        new = f'<c r="{ref}" t="str"><f>\\1</f><v>{escape(value)}</v></c>'
                    else:
                        new = f'<c r="{ref}"><f>\\1</f><v>{value}</v></c>'
                    text = re.sub(rf'<c r="{ref}"[^>]*><f>(.*?)</f>(?:<v\s*/>|<v></v>)(</c>)?', new, text)
                body = text.encode("utf-8")
            dst.writestr(item, body)
    return out.getvalue()


def _as_xlsm(data: bytes) -> bytes:
    """The macro-enabled flavour: its content type, and a (dummy) VBA project part as Excel writes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                body = body.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                body = body.replace(b"</Types>", b'<Default Extension="bin" '
                                    b'ContentType="application/vnd.ms-office.vbaProject"/></Types>')
            dst.writestr(item, body)
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    return out.getvalue()


# --------------------------------------------------------------------------- .xls (xlwt)

def xls(sheets: list[SheetSpec]) -> bytes:
    import sys

    import xlwt
    from xlwt import BIFFRecords

    Row = sys.modules["xlwt.Row"]

    date_style = xlwt.easyxf(num_format_str="dd/mm/yyyy")
    wb = xlwt.Workbook(encoding="utf-8")
    for spec in sheets:
        ws = wb.add_sheet(spec.name, cell_overwrite_ok=True)
        merged_cells = {}
        for m in spec.merges:
            a, b = m.split(":")
            (r0, c0), (r1, c1) = parse_ref(a), parse_ref(b)
            merged_cells[(r0, c0)] = (r1, c1)
        for r, row in enumerate(spec.rows):
            for c, v in enumerate(row):
                if (r, c) in merged_cells:
                    r1, c1 = merged_cells.pop((r, c))
                    ws.write_merge(r, r1, c, c1, None if v is None else v)
                    continue
                if v is None or v == "":
                    continue
                if isinstance(v, Formula):
                    ws.write(r, c, xlwt.Formula(v.expr))
                    _xls_cached[(spec.name, r, c)] = v.cached
                elif isinstance(v, (date, datetime)):
                    ws.write(r, c, v, date_style)
                else:
                    ws.write(r, c, v)
        for (r0, c0), (r1, c1) in merged_cells.items():
            ws.write_merge(r0, r1, c0, c1, None)
        if spec.state != "visible":
            ws.visibility = 2 if spec.state == "veryHidden" else 1
    # xlwt stores "no cached result" for formulas; write the number Excel would have cached
    orig = BIFFRecords.FormulaRecord.__init__
    current = {"sheet": None}

    def patched(self, row, col, xf_index, rpn, calc_flags=0):
        orig(self, row, col, xf_index, rpn, calc_flags)
        value = _xls_cached.get((current["sheet"], row, col))
        if isinstance(value, (int, float)):
            self._rec_data = (struct.pack("<3Hd", row, col, xf_index, float(value))
                              + self._rec_data[14:])

    buf = io.BytesIO()
    BIFFRecords.FormulaRecord.__init__ = patched
    orig_get = Row.Row.get_cells_biff_data if hasattr(Row.Row, "get_cells_biff_data") else None
    try:
        # the sheet a row belongs to is needed to look the cached value up
        def get_cells(self):
            current["sheet"] = self._Row__parent.name
            return orig_get(self)
        if orig_get:
            Row.Row.get_cells_biff_data = get_cells
        wb.save(buf)
    finally:
        BIFFRecords.FormulaRecord.__init__ = orig
        if orig_get:
            Row.Row.get_cells_biff_data = orig_get
        _xls_cached.clear()
    return buf.getvalue()


_xls_cached: dict[tuple[str, int, int], object] = {}


# --------------------------------------------------------------------------- .ods (odfpy)

def ods(sheets: list[SheetSpec]) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableProperties
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    hidden_style = Style(name="hiddenTable", family="table")
    hidden_style.addElement(TableProperties(display=False))
    doc.automaticstyles.addElement(hidden_style)
    for spec in sheets:
        attrs = {"name": spec.name}
        if spec.state != "visible":
            attrs["stylename"] = hidden_style
        table = Table(**attrs)
        spans, covered = {}, set()
        for m in spec.merges:
            a, b = m.split(":")
            (r0, c0), (r1, c1) = parse_ref(a), parse_ref(b)
            spans[(r0, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
            covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
        height = max(len(spec.rows), max((r + rs for (r, _), (rs, _) in spans.items()), default=0))
        for r in range(height):
            row = spec.rows[r] if r < len(spec.rows) else []
            width = max(len(row), max((c + cs for (rr, c), (_, cs) in spans.items() if rr == r), default=0),
                        max((c + 1 for (rr, c) in covered if rr == r), default=0))
            tr = TableRow()
            for c in range(width):
                v = row[c] if c < len(row) else None
                if (r, c) in covered:
                    tr.addElement(CoveredTableCell())
                    continue
                kw = {}
                if (r, c) in spans:
                    kw["numberrowsspanned"], kw["numbercolumnsspanned"] = spans[(r, c)]
                tr.addElement(_ods_cell(TableCell, P, v, kw))
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


def _ods_cell(TableCell, P, v, kw):
    formula = None
    if isinstance(v, Formula):
        formula, v = "of:=" + re.sub(r"([A-Z]+\d+)", r"[.\1]", v.expr), v.cached
    if v is None or v == "":
        cell = TableCell(**kw)
    elif isinstance(v, bool):
        cell = TableCell(valuetype="boolean", booleanvalue=str(v).lower(), **kw)
    elif isinstance(v, (int, float)):
        cell = TableCell(valuetype="float", value=v, **kw)
        cell.addElement(P(text=str(v)))
    elif isinstance(v, (date, datetime)):
        cell = TableCell(valuetype="date", datevalue=v.isoformat(), **kw)
        cell.addElement(P(text=v.strftime("%d/%m/%Y")))
    else:
        cell = TableCell(valuetype="string", **kw)
        for line in str(v).split("\n"):
            cell.addElement(P(text=line))
    if formula:
        cell.setAttribute("formula", formula)
    return cell


def build(fmt: str, sheets: list[SheetSpec]) -> bytes:
    if fmt == "xlsx":
        return xlsx(sheets)
    if fmt == "xlsm":
        return xlsx(sheets, macro=True)
    if fmt == "xls":
        return xls(sheets)
    if fmt == "ods":
        return ods(sheets)
    raise ValueError(fmt)


# --------------------------------------------------------------------------- an encrypted workbook

def encrypted_ooxml() -> bytes:
    """A compound file shaped like a password-protected .xlsx (EncryptionInfo + EncryptedPackage)."""
    sector = 512
    info = b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"<encryption/>".ljust(4096 - 8, b"\0")
    package = struct.pack("<Q", 1234) + bytes(range(256)) * 15 + b"\0" * (4096 - 8 - 256 * 15)
    n_info, n_pkg = len(info) // sector, len(package) // sector
    fat = [0xFFFFFFFD, 0xFFFFFFFE]
    start_info = 2
    fat += [start_info + i + 1 for i in range(n_info - 1)] + [0xFFFFFFFE]
    start_pkg = start_info + n_info
    fat += [start_pkg + i + 1 for i in range(n_pkg - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
              + struct.pack("<I", 0) + struct.pack("<I", 0xFFFFFFFF) * 108)

    def entry(name, typ, child, right, start, size):
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), typ, 1)
                + struct.pack("<III", 0xFFFFFFFF, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, 1, 0xFFFFFFFF, 0xFFFFFFFE, 0)
                 + entry("EncryptionInfo", 2, 0xFFFFFFFF, 2, start_info, len(info))
                 + entry("EncryptedPackage", 2, 0xFFFFFFFF, 0xFFFFFFFF, start_pkg, len(package))
                 + b"\0" * 128)
    return header + struct.pack(f"<{sector // 4}I", *fat) + directory + info + package


# --------------------------------------------------------------------------- template-shaped report

TEMPLATE_HEADER = ["STT", "Mã chỉ tiêu", "Nội dung", "Đơn vị tính", "Số lượng trong kỳ", "Lũy kế", "Ghi chú"]
POSTS_HEADER = ["STT", "Ngày đăng", "Nền tảng", "Tiêu đề", "Đường dẫn (URL)"]

# (code, name, uom) per channel group, in catalog order: enough for the tests
TEMPLATE_SECTIONS = [
    ("I", "Báo chí, phát thanh, truyền hình", [
        ("bc_tin_bai", "Tin, bài trên báo in, báo điện tử", "tin, bài"),
        ("bc_phat_thanh", "Chương trình, tin phát thanh", "chương trình")]),
    ("II", "Hệ thống thông tin cơ sở", [
        ("ttcs_tin_bai", "Tin, bài phát trên hệ thống truyền thanh cơ sở", "tin, bài"),
        ("ttcs_thoi_luong", "Thời lượng phát thanh trên hệ thống truyền thanh cơ sở", "phút")]),
    ("III", "Cổng/Trang thông tin điện tử", [
        ("web_tin_bai", "Tin, bài đăng trên Cổng/Trang thông tin điện tử", "tin, bài"),
        ("web_banner", "Banner tuyên truyền Đại hội trên trang chủ", "có/không")]),
    ("IV", "Mạng xã hội", [
        ("mxh_facebook", "Bài đăng trên Facebook (fanpage, nhóm)", "bài"),
        ("mxh_zalo", "Bài đăng trên Zalo (OA, nhóm)", "bài")]),
    ("V", "Tuyên truyền trực quan", [
        ("tq_bang_ron", "Băng rôn, khẩu hiệu", "cái")]),
    ("VI", "Tuyên truyền miệng", [
        ("m_hoi_nghi", "Hội nghị, buổi sinh hoạt, họp thôn/tổ dân phố có nội dung tuyên truyền", "cuộc")]),
]


def week_text(start: date, end: date) -> str:
    return f"Tuần từ ngày {start.day:02d}/{start.month}/{start.year} đến ngày {end.day:02d}/{end.month}/{end.year}"


def report(unit_name: str, start: date, end: date, values: dict[str, object] | None = None,
           cumulative: dict[str, object] | None = None, *, unit_code: str | None = None,
           campaign_code: str = "daklak-2025", posts: list[tuple] | None = None,
           meta: bool = True, title_unit: str | None = None, sheet_name: str = "Báo cáo",
           sections=TEMPLATE_SECTIONS) -> list[SheetSpec]:
    """A template-shaped report. values/cumulative: indicator code → cell value (missing: blank)."""
    values = values or {}
    cumulative = cumulative or {}
    title_unit = title_unit if title_unit is not None else f"UBND {unit_name.upper()}"
    rows: list[list] = [
        [title_unit, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        [None, None, None, "Độc lập - Tự do - Hạnh phúc"],
        [],
        ["BÁO CÁO KẾT QUẢ CÔNG TÁC TUYÊN TRUYỀN ĐẠI HỘI ĐẢNG"],
        [week_text(start, end)],
        [],
        list(TEMPLATE_HEADER),
    ]
    merges = ["A1:C1", "D1:G1", "D2:G2", "A4:G4", "A5:G5"]
    for roman, group, items in sections:
        rows.append([roman, None, group])
        for i, (code, name, uom) in enumerate(items, 1):
            rows.append([i, code, name, uom, values.get(code), cumulative.get(code), None])
    sheets = [SheetSpec(sheet_name, rows, merges)]
    if posts is not None:
        prow = [["DANH SÁCH TIN, BÀI ĐÃ ĐĂNG"], [], list(POSTS_HEADER)]
        for i, p in enumerate(posts, 1):
            prow.append([i, *p])
        sheets.append(SheetSpec("Tin bài", prow, ["A1:E1"]))
    if meta:
        sheets.append(SheetSpec("_meta", [
            ["template_version", "1"], ["campaign_code", campaign_code], ["unit_code", unit_code or ""],
            ["period_start", start.isoformat()], ["period_end", end.isoformat()]], state="veryHidden"))
    return sheets


def value_cells(sheets: list[SheetSpec], code: str) -> str:
    """The A1 reference of the "Số lượng trong kỳ" cell of an indicator in a report() sheet."""
    for r, row in enumerate(sheets[0].rows):
        if len(row) > 1 and row[1] == code:
            return f"E{r + 1}"
    raise KeyError(code)


FREE_HEADER = ["STT", "Nội dung", "Đơn vị tính", "Số lượng", "Lũy kế", "Ghi chú"]


def free_form(title_lines: list[str], period_line: str | None, rows: list[list], *,
              header: list[str] | None = None, col0: int = 0, blank_rows: int = 1,
              sheet_name: str = "Sheet1", footer: bool = True) -> SheetSpec:
    """A hand-made report: title lines (merged over the table's width), the national motto, a report
    title and the period line, blank rows, then the table (starting at column col0) and a signature."""
    header = header or FREE_HEADER
    width = len(header)
    pad = [None] * col0
    out: list[list] = []
    merges: list[str] = []
    half = max(2, width // 2)
    motto = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    for i in range(max(len(title_lines), 2)):
        left = title_lines[i] if i < len(title_lines) else None
        right = motto[i] if i < 2 else None
        row = pad + [left] + [None] * (half - 1) + [right]
        out.append(row)
        r = len(out)
        merges.append(f"{col_letter(col0)}{r}:{col_letter(col0 + half - 1)}{r}")
        merges.append(f"{col_letter(col0 + half)}{r}:{col_letter(col0 + width - 1)}{r}")
    out.append([])
    out.append(pad + ["BÁO CÁO KẾT QUẢ CÔNG TÁC TUYÊN TRUYỀN"])
    merges.append(f"{col_letter(col0)}{len(out)}:{col_letter(col0 + width - 1)}{len(out)}")
    if period_line is not None:
        out.append(pad + [period_line])
        merges.append(f"{col_letter(col0)}{len(out)}:{col_letter(col0 + width - 1)}{len(out)}")
    out += [[] for _ in range(blank_rows)]
    out.append(pad + list(header))
    for row in rows:
        out.append(pad + list(row))
    if footer:
        out.append([])
        out.append(pad + [None] * (width - 2) + ["NGƯỜI LẬP BIỂU"])
        out.append(pad + [None] * (width - 2) + ["(ký, ghi rõ họ tên)"])
    return SheetSpec(sheet_name, out, merges)
