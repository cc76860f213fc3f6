"""The corpus of broken and hostile files, built in code (shared by the tests and bench/bench_hostile.py)."""
from __future__ import annotations

import codecs
import functools
import io
import random
import struct
import zipfile
from datetime import date, datetime
from hashlib import md5
from html import escape as html_escape
from xml.sax.saxutils import escape as xml_escape

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


def _report(values=None, **kw) -> list:
    return wb.report("Phường Tân Lập", *WEEK, values or {"ttcs_tin_bai": 5}, unit_code="24121", **kw)


def html_xls(bom: bool = True, charset: str = "utf-8") -> bytes:
    """A report exported as an HTML table named .xls, the way government software writes it: a byte-order
    mark, a <meta> content type, a title row spanning the table (colspan), a header <th> row."""
    sheet = _report({"ttcs_tin_bai": 7, "mxh_facebook": 3}, meta=False)[0]
    width = max(len(r) for r in sheet.rows)
    body = []
    for r in sheet.rows:
        if r and r[0] and all(v in (None, "") for v in r[1:]):
            body.append(f'<tr><td colspan="{width}"><b>{html_escape(str(r[0]))}</b></td></tr>')
            continue
        tag = "th" if r[:1] == ["STT"] else "td"
        body.append("<tr>" + "".join(f"<{tag}>{'' if v is None else html_escape(str(v))}</{tag}>" for v in r)
                    + "</tr>")
    page = (f'<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta http-equiv="Content-Type" '
            f'content="text/html; charset={charset}"><title>Báo cáo</title></head><body><table border="1">'
            + "\n".join(body) + "</table></body></html>")
    return (codecs.BOM_UTF8 if bom else b"") + page.encode(charset)


def xml2003(hidden: bool = False) -> bytes:
    """The report as Excel 2003 XML Spreadsheet (SpreadsheetML), merged title cells, typed data."""
    sheets = _report({"ttcs_tin_bai": 8, "tq_bang_ron": 2}, meta=False)
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<?mso-application progid="Excel.Sheet"?>',
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:'
           'office:office" xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-'
           'com:office:spreadsheet">']
    if hidden:
        out.append('<Worksheet ss:Name="Trang trống"><Table><Row><Cell><Data ss:Type="String">Xem trang sau'
                   '</Data></Cell></Row></Table></Worksheet>')
    for spec in sheets:
        out.append(f'<Worksheet ss:Name="{xml_escape(spec.name)}"><Table>')
        for r in spec.rows:
            cells = []
            for c, v in enumerate(r):
                if v in (None, ""):
                    continue
                typ = "Number" if isinstance(v, (int, float)) else "String"
                merge = ' ss:MergeAcross="6"' if c == 0 and all(x in (None, "") for x in r[1:]) else ""
                cells.append(f'<Cell ss:Index="{c + 1}"{merge}><Data ss:Type="{typ}">{xml_escape(str(v))}</Data></Cell>')
            out.append("<Row>" + "".join(cells) + "</Row>")
        out.append("</Table>")
        if hidden:
            out.append('<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetHidden'
                       '</Visible></WorksheetOptions>')
        out.append("</Worksheet>")
    out.append("</Workbook>")
    return "\n".join(out).encode("utf-8")


def hidden_sheet() -> bytes:
    """The report's only data sheet hidden; the visible sheet is an empty cover."""
    sheets = _report({"ttcs_tin_bai": 9})
    sheets[0].state = "hidden"
    sheets.insert(0, wb.SheetSpec("Sheet1", [["Báo cáo ở trang sau"]]))
    return wb.xlsx(sheets)


def reports_zip(compress=zipfile.ZIP_DEFLATED) -> bytes:
    """What an office sends for several units at once: a .zip of reports (one .xlsx, one .xls, one
    broken file, a folder and macOS junk), built in memory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as z:
        z.writestr("tuan-38/", b"")
        z.writestr("tuan-38/tan-lap.xlsx", good({"ttcs_tin_bai": 5}))
        z.writestr("tuan-38/ea-kao.xls", wb.xls(wb.report("Phường Ea Kao", *WEEK, {"ttcs_tin_bai": 4}, unit_code="24169")))
        z.writestr("tuan-38/hong.xlsx", b"PK\x03\x04 not really")
        z.writestr("__MACOSX/tuan-38/._tan-lap.xlsx", b"\0" * 100)
    return buf.getvalue()


def zip_too_many(n: int = 250) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            z.writestr(f"bao-cao-{i}.xlsx", b"x")
    return buf.getvalue()


def zip_with_bomb() -> bytes:
    """A zip whose one member inflates to 64 MB of zeros, next to a good report."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("tan-lap.xlsx", good({"ttcs_tin_bai": 5}))
        with z.open("bom.xlsx", "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(64):
                f.write(block)
    return buf.getvalue()


# ---- .xlsb (Excel binary workbook): no library writes it, so its records are written here (MS-XLSB)

def _brt(typ: int, body: bytes = b"") -> bytes:
    t = bytes([typ]) if typ < 0x80 else bytes([(typ & 0x7F) | 0x80, typ >> 7])
    n, size = len(body), b""
    while True:
        size += bytes([(n & 0x7F) | (0x80 if n > 0x7F else 0)])
        n >>= 7
        if not n:
            break
    return t + size + body


def _wide(text: str) -> bytes:
    raw = text.encode("utf-16-le")
    return struct.pack("<I", len(raw) // 2) + raw


def xlsb(sheets=None) -> bytes:
    """A real .xlsb: workbook.bin with the sheet list, one worksheet .bin per sheet (numbers as BrtCellReal,
    text as BrtCellSt), relationships and content types."""
    sheets = sheets or _report({"ttcs_tin_bai": 6, "mxh_zalo": 2})
    book = _brt(0x0083) + _brt(0x008F)
    rels = []
    parts = {}
    for i, spec in enumerate(sheets, 1):
        state = {"visible": 0, "hidden": 1, "veryHidden": 2}[spec.state]
        book += _brt(0x009C, struct.pack("<II", state, i) + _wide(f"rId{i}") + _wide(spec.name))
        rels.append(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    f'relationships/worksheet" Target="worksheets/sheet{i}.bin"/>')
        width = max((len(r) for r in spec.rows), default=1)
        body = _brt(0x0081) + _brt(0x0094, struct.pack("<IIII", 0, max(len(spec.rows) - 1, 0), 0, width - 1))
        body += _brt(0x0091)
        for r, row in enumerate(spec.rows):
            body += _brt(0x0000, struct.pack("<IIH", r, 0, 300) + b"\0" * 3 + struct.pack("<I", 0))
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                head = struct.pack("<I", c) + b"\0\0\0\0"
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    body += _brt(0x0005, head + struct.pack("<d", float(v)))
                else:
                    body += _brt(0x0006, head + _wide(str(v)))
        body += _brt(0x0092) + _brt(0x0082)
        parts[f"xl/worksheets/sheet{i}.bin"] = body
    book += _brt(0x0090) + _brt(0x009D, b"\0" * 26) + _brt(0x0084)
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/'
          'package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.'
          'binary.macroEnabled.main"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
          'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>')
        z.writestr("xl/workbook.bin", book)
        z.writestr("xl/_rels/workbook.bin.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships">' + "".join(rels) + "</Relationships>")
        for name, body in parts.items():
            z.writestr(name, body)
    return buf.getvalue()


# ---- a real password-protected .xls: RC4 encryption (MS-XLS 2.2.10) of an xlwt workbook

_XLS_PLAIN = {0x0809, 0x002F, 0x0194, 0x0195, 0x00E1, 0x0196, 0x0138}  # never encrypted: BOF, FilePass, …


def _rc4_key(password: str, salt: bytes, block: int) -> bytes:
    h0 = md5(password.encode("utf-16-le")).digest()[:5]
    h1 = md5((h0 + salt) * 16).digest()[:5]
    return md5(h1 + struct.pack("<I", block)).digest()[:16]


def _rc4(key: bytes):
    from cryptography.hazmat.primitives.ciphers import Cipher
    try:
        from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
    except ImportError:  # older cryptography
        from cryptography.hazmat.primitives.ciphers.algorithms import ARC4
    return Cipher(ARC4(key), mode=None).encryptor()


def encrypted_xls(password: str = "mat-khau") -> bytes:
    """An .xls with an open password, as Excel 97–2003 writes it (RC4, FilePass after BOF, record bodies
    encrypted by stream offset and rekeyed every 1024 bytes); msoffcrypto-tool decrypts it back."""
    import olefile
    from xlwt.CompoundDoc import XlsDoc

    plain = wb.xls(_report({"ttcs_tin_bai": 5}))
    stream = olefile.OleFileIO(io.BytesIO(plain)).openstream("Workbook").read()
    salt, verifier = bytes(range(16)), bytes(range(100, 116))
    enc = _rc4(_rc4_key(password, salt, 0))
    filepass = struct.pack("<HHH", 1, 1, 1) + salt + enc.update(verifier) + enc.update(md5(verifier).digest())
    rec = struct.pack("<HH", 0x002F, len(filepass)) + filepass
    out, mask = bytearray(), bytearray()
    pos, end, first = 0, len(stream.rstrip(b"\0")), True
    while pos + 4 <= end:
        num, size = struct.unpack_from("<HH", stream, pos)
        body = bytearray(stream[pos + 4:pos + 4 + size])
        if num == 0x0085:                        # BoundSheet: its sheet offset moves by the FilePass record
            body[0:4] = struct.pack("<I", struct.unpack_from("<I", body)[0] + len(rec))
        out += stream[pos:pos + 4] + body
        secret = b"\0" * size if num in _XLS_PLAIN else (b"\0" * 4 + b"\1" * (size - 4) if num == 0x0085 else b"\1" * size)
        mask += b"\0" * 4 + secret
        pos += 4 + size
        if first:
            out += rec
            mask += b"\0" * len(rec)
            first = False
    if len(out) % 4:                              # the zero padding after it must read as whole records
        k = -(len(out) + 4) % 4
        out += struct.pack("<HH", 0, k) + b"\0" * k
        mask += b"\0" * (4 + k)
    for block in range(0, len(out), 1024):
        ks = _rc4(_rc4_key(password, salt, block // 1024)).update(b"\0" * 1024)
        for i in range(block, min(block + 1024, len(out))):
            if mask[i]:
                out[i] ^= ks[i - block]
    buf = io.BytesIO()
    XlsDoc().save(buf, bytes(out))
    return buf.getvalue()


def _cached(build):
    return functools.cache(build)  # some files take a second to build; build each once per session


# name → (file name, builder, expected outcome: "rejected" or "accepted")
CORPUS: dict = {
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
    "html_table_as_xls": ("xuat-tu-phan-mem.xls", _cached(html_xls), "accepted"),
    "html_table_no_bom": ("xuat-2.xls", _cached(lambda: html_xls(bom=False)), "accepted"),
    "html_table_utf16": ("xuat-3.xls", _cached(lambda: html_xls(bom=False, charset="utf-16")), "accepted"),
    "spreadsheetml_2003": ("bao-cao-2003.xml", _cached(xml2003), "accepted"),
    "spreadsheetml_hidden": ("bao-cao-2003-an.xml", _cached(lambda: xml2003(hidden=True)), "accepted"),
    "password_xls": ("bao-cao-mat-khau.xls", _cached(encrypted_xls), "rejected"),
    "hidden_data_sheet": ("trang-an.xlsx", _cached(hidden_sheet), "accepted"),
    "xlsb": ("bao-cao.xlsb", _cached(xlsb), "accepted"),
}


# archives: name → (file name, builder, expected outcome of each file inside, in order)
ARCHIVES = {
    "zip_of_reports": ("tuan-38.zip", _cached(reports_zip), ["accepted", "accepted", "rejected"]),
    "zip_of_stored_reports": ("tuan-38-stored.zip", _cached(lambda: reports_zip(zipfile.ZIP_STORED)),
                              ["accepted", "accepted", "rejected"]),
    "zip_too_many_files": ("nhieu-tep.zip", _cached(zip_too_many), ["rejected"]),
    "zip_member_bomb": ("bom-trong-zip.zip", _cached(zip_with_bomb), ["accepted", "rejected"]),
}
