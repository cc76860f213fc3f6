"""Read a workbook sent by a unit into plain grids: .xlsx, .xlsm, .xlsb, .xls and .ods, HTML tables saved
as .xls and SpreadsheetML 2003 (markup.py), judged by content, never by the file's name.

python-calamine does the reading (≈0.4 ms for a 10 KB report, 20–30× faster than openpyxl). Formulas
come back as their cached values, dates as `date`/`datetime`, every sheet is listed with its visibility
(so the template's veryHidden "_meta" sheet is found). Merged ranges are kept beside the grid: a merged
value lives in its top-left cell only, which is what the parser wants for numbers (no double counting)
and `Sheet.text_at` fills in for headers and labels.

A file that cannot be read raises `ReadError` with a Vietnamese message saying what to do.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import python_calamine as pc

from loaders.ingest import archive, formulas, limits, markup, sheet_xml

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"

FORMAT_NAMES = {"xlsx": "Excel (.xlsx)", "xlsm": "Excel có macro (.xlsm)", "xls": "Excel 97–2003 (.xls)",
                "ods": "OpenDocument (.ods)", "xlsb": "Excel nhị phân (.xlsb)", "html": "trang HTML lưu thành .xls",
                "xml2003": "bảng tính XML 2003 (.xml)"}
META_SHEET = "_meta"
PASSWORD_MESSAGE = ("Tệp có mật khẩu — hãy bỏ mật khẩu rồi gửi lại (trong Excel: Tệp → Thông tin → Bảo vệ sổ làm "
                    "việc → Mã hóa bằng mật khẩu → xóa mật khẩu, rồi lưu).")


class ReadError(ValueError):
    """The file is not a workbook we can read; the message is for the uploader."""


@dataclass
class Sheet:
    name: str
    visible: str                      # visible | hidden | veryhidden
    rows: list[list]                  # absolute grid: rows[0][0] is A1; '' for empty cells
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    _owner: dict[tuple[int, int], tuple[int, int]] | None = field(default=None, repr=False)

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0     # calamine rows are all as wide as the sheet

    def value(self, r: int, c: int):
        rows = self.rows
        if 0 <= r < len(rows):
            row = rows[r]
            if 0 <= c < len(row):
                return row[c]
        return ""

    def owners(self) -> dict[tuple[int, int], tuple[int, int]]:
        """(r, c) → the top-left cell of the merged range holding it, for merged cells only."""
        if self._owner is None:
            self._owner = {}
            for (r0, c0), (r1, c1) in self.merged:
                if (r1 - r0 + 1) * (c1 - c0 + 1) > 10_000:  # a whole-sheet merge: ignore
                    continue
                for rr in range(r0, r1 + 1):
                    for cc in range(c0, c1 + 1):
                        self._owner[(rr, cc)] = (r0, c0)
        return self._owner

    def owner(self, r: int, c: int) -> tuple[int, int]:
        """The top-left cell of the merged range holding (r, c), or (r, c) itself."""
        return self.owners().get((r, c), (r, c))

    def text_at(self, r: int, c: int):
        """The value shown at (r, c), merged ranges filled in (for headers and labels, not numbers)."""
        v = self.value(r, c)
        if v == "" and self.merged:
            o = self.owners().get((r, c))
            if o is not None:
                v = self.value(*o)
        return v

    def is_merged_extra(self, r: int, c: int) -> bool:
        """True for a cell covered by a merged range but not its top-left."""
        return bool(self.merged) and self.owner(r, c) != (r, c)


@dataclass
class Workbook:
    format: str                       # xlsx | xlsm | xlsb | xls | ods | html | xml2003
    sheets: list[Sheet]

    def sheet(self, name: str) -> Sheet | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None

    @property
    def meta(self) -> dict[str, str]:
        """Key/value rows (columns A:B) of the template's hidden "_meta" sheet; {} when absent."""
        s = self.sheet(META_SHEET)
        out: dict[str, str] = {}
        if s is None:
            return out
        for row in s.rows:
            if len(row) >= 2 and isinstance(row[0], str) and row[0].strip():
                v = row[1]
                if isinstance(v, float) and v.is_integer():
                    v = int(v)
                if isinstance(v, datetime):
                    v = v.date()
                out[row[0].strip()] = v.isoformat() if isinstance(v, date) else str(v).strip()
        return out

    @property
    def data_sheets(self) -> list[Sheet]:
        """The sheets a person sees: not the template's metadata, not hidden."""
        return [s for s in self.sheets if s.name != META_SHEET and s.visible == "visible"]


def col_letter(c: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def cell_ref(r: int, c: int) -> str:
    """Zero-based (row, column) → "E12"."""
    return f"{col_letter(c)}{r + 1}"


def parse_ref(ref: str) -> tuple[int, int]:
    """"E12" → (11, 4)."""
    letters = "".join(ch for ch in ref if ch.isalpha()).upper()
    digits = "".join(ch for ch in ref if ch.isdigit())
    c = 0
    for ch in letters:
        c = c * 26 + (ord(ch) - 64)
    return int(digits) - 1, c - 1


def sniff(data: bytes) -> str:
    """The workbook format from the bytes themselves: xlsx | xlsm | xlsb | xls | ods | html | xml2003.

    Raises ReadError for an encrypted workbook, a damaged one, or a file that is no spreadsheet.
    """
    if not data:
        raise ReadError("Tệp rỗng (0 byte): hãy gửi lại tệp báo cáo Excel (.xlsx, .xls) hoặc .ods.")
    head = data[:8]
    if head == OLE_MAGIC:
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            raise ReadError(PASSWORD_MESSAGE)
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            if _xls_encrypted(data):
                raise ReadError(PASSWORD_MESSAGE)
            return "xls"
        if "WordDocument".encode("utf-16-le") in data:
            raise ReadError("Đây là tệp Word (.doc), không phải bảng tính: hãy gửi báo cáo dạng Excel "
                            "(.xlsx, .xls) hoặc .ods, tốt nhất là theo tệp mẫu.")
        raise ReadError("Tệp Office cũ này không chứa bảng tính Excel: hãy lưu lại báo cáo dạng .xlsx rồi gửi.")
    if head[:4] == ZIP_MAGIC:
        # member names are stored uncompressed: most files are told apart without unzipping
        if data[30:38] == b"mimetype" and data[38:38 + len(ODS_MIME)] == ODS_MIME:
            return "ods"
        first = data[30:30 + int.from_bytes(data[26:28], "little")]
        if first.startswith((b"[Content_Types].xml", b"_rels/", b"docProps/", b"xl/")) and b"xl/workbook.xml" in data:
            # a workbook as Excel and openpyxl write it (checked on the first member's name, so that a
            # zip of stored reports, whose bytes hold their inner names too, is not taken for one)
            return "xlsm" if b"xl/vbaProject.bin" in data else "xlsx"
        try:
            z = zipfile.ZipFile(io.BytesIO(data))
            names = set(z.namelist())
            mimetype = z.read("mimetype") if "mimetype" in names else b""
            content_types = z.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, NotImplementedError) as e:
            raise ReadError("Tệp bị hỏng (nén ZIP không đọc được, có thể tải về chưa hết): hãy mở thử bằng "
                            "Excel, lưu lại rồi gửi lại.") from e
        if mimetype.strip().startswith(ODS_MIME) or "content.xml" in names and b"opendocument" in mimetype:
            if not mimetype.strip().startswith(ODS_MIME):
                raise ReadError("Đây là tệp OpenDocument nhưng không phải bảng tính (.ods): hãy gửi báo cáo "
                                "dạng bảng tính.")
            return "ods"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "xl/workbook.xml" in names or b"spreadsheetml" in content_types:
            return "xlsm" if b"macroEnabled" in content_types else "xlsx"
        if "word/document.xml" in names:
            raise ReadError("Đây là tệp Word (.docx), không phải bảng tính: hãy gửi báo cáo dạng Excel "
                            "(.xlsx, .xls) hoặc .ods, tốt nhất là theo tệp mẫu.")
        if mimetype or content_types:
            raise ReadError("Tệp văn phòng này không phải bảng tính: hãy gửi báo cáo dạng Excel (.xlsx, .xls) "
                            "hoặc .ods.")
        raise ReadError(_archive_message(data))
    if head[:4] == b"%PDF":
        raise ReadError("Đây là tệp PDF, không phải bảng tính: hãy gửi báo cáo dạng Excel (.xlsx, .xls) hoặc "
                        ".ods (tải tệp mẫu trên trang Nộp báo cáo).")
    text_kind = markup.kind(data)
    if text_kind:
        return text_kind
    lowered = data[:512].lstrip().lower()
    if lowered.startswith((b"<html", b"<!doctype html", b"<?xml", b"<table")):
        raise ReadError("Đây là trang HTML/XML được đổi tên thành tệp Excel, không phải bảng tính thật: hãy "
                        "mở bằng Excel, chọn Lưu thành → Sổ làm việc Excel (.xlsx) rồi gửi lại.")
    if head[:3] in (b"\xff\xd8\xff",) or head[:8] == b"\x89PNG\r\n\x1a\n":
        raise ReadError("Đây là tệp ảnh, không phải bảng tính: hãy gửi báo cáo dạng Excel (.xlsx, .xls) "
                        "hoặc .ods.")
    raise ReadError("Tệp không phải bảng tính Excel (.xlsx, .xlsm, .xls) hay OpenDocument (.ods): hãy gửi "
                    "báo cáo theo tệp mẫu.")


def _archive_message(data: bytes) -> str:
    """A zip of files reaching the reader: the reason the archive is refused, else how to send it."""
    try:
        archive.check(data)
    except archive.ArchiveError as e:
        return str(e)
    return ("Đây là tệp nén ZIP gồm nhiều tệp, không phải một bảng tính: hãy nộp tệp nén ở trang Nộp báo cáo "
            "(hoặc lệnh ingest), mỗi tệp bên trong được kiểm tra riêng; hoặc giải nén và gửi từng tệp báo cáo.")


def _xls_encrypted(data: bytes) -> bool:
    """True when the .xls workbook stream has a FilePass record (an open password: RC4 or XOR), which
    must come in the workbook globals before the first sheet; only those records are walked."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        name = "Workbook" if ole.exists("Workbook") else "Book"
        stream = ole.openstream(name).read(1 << 16)
    except Exception:  # noqa: BLE001 - damaged: calamine says so next
        return False
    pos = 0
    for _ in range(4096):
        if pos + 4 > len(stream):
            return False
        num, size = int.from_bytes(stream[pos:pos + 2], "little"), int.from_bytes(stream[pos + 2:pos + 4], "little")
        if num == 0x002F:
            return True
        if num in (0x000A, 0x0085):      # EOF of the globals, or the sheet list: past where FilePass goes
            return False
        pos += 4 + size
    return False


def _visibility(v) -> str:
    if v == pc.SheetVisibleEnum.VeryHidden:
        return "veryhidden"
    if v == pc.SheetVisibleEnum.Hidden:
        return "hidden"
    return "visible"


def _norm_value(v):
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return int(v)
    if isinstance(v, datetime) and v.time() == time(0):
        return v.date()
    if isinstance(v, (timedelta, time)):
        return str(v)
    return v


def read_workbook(data: bytes, deadline: limits.Deadline | None = None) -> Workbook:
    """Every sheet of the workbook as an absolute grid of values (saved values for formulas; a formula
    saved without a value is computed when it is plain arithmetic or SUM/AVERAGE over the same sheet,
    else left as a `formulas.UnevaluatedFormula` that the parser refuses at its cell).

    deadline: the file's wall-time budget (a new one of limits.DEFAULT.budget_s when not given)."""
    deadline = deadline or limits.Deadline()
    try:
        marked = limits.check(data, deadline=deadline)  # before any parsing: a bomb or an absurd file is refused fast
        fmt = sniff(data)
        sheets = _markup_sheets(data, fmt, deadline) if fmt in ("html", "xml2003") else \
            _calamine_sheets(data, fmt, deadline)
        if fmt in ("xlsx", "xlsm") and (marked is None or marked):
            _restore_formula_cells(data, sheets, marked, deadline)
    except limits.LimitError as e:
        raise ReadError(str(e)) from e
    if not sheets:
        raise ReadError("Bảng tính không có trang tính nào: hãy gửi báo cáo theo tệp mẫu.")
    return Workbook(fmt, sheets)


def _markup_sheets(data: bytes, fmt: str, deadline: limits.Deadline) -> list[Sheet]:
    try:
        if fmt == "html":
            name, rows, merged = markup.read_html(data, deadline)
            return [Sheet(name, "visible", rows, merged)]
        return [Sheet(name, vis, rows, merged) for name, vis, rows, merged in markup.read_xml2003(data, deadline)]
    except markup.MarkupError as e:
        raise ReadError(str(e)) from e


def _calamine_sheets(data: bytes, fmt: str, deadline: limits.Deadline) -> list[Sheet]:
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError as e:
        raise ReadError(PASSWORD_MESSAGE) from e
    except Exception as e:  # calamine raises several error types for damaged files
        raise ReadError(f"Tệp {FORMAT_NAMES[fmt]} bị hỏng, không đọc được: hãy mở bằng Excel, "
                        "lưu lại rồi gửi lại.") from e
    sheets = []
    if len(wb.sheets_metadata) > limits.DEFAULT.max_sheets:
        wb.close()
        raise ReadError(f"Tệp có {len(wb.sheets_metadata)} trang tính (giới hạn {limits.DEFAULT.max_sheets}): "
                        "hãy gửi báo cáo chỉ gồm các trang của các tuần cần báo cáo.")
    try:
        for meta in wb.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            deadline.check()
            s = wb.get_sheet_by_name(meta.name)
            if s.height * s.width > limits.DEFAULT.max_cells_per_sheet:  # .xls/.ods carry no dimension tag
                raise limits.LimitError(f"Trang tính “{meta.name}” có {s.height} dòng × {s.width} cột, quá lớn "
                                        "cho một báo cáo tuần: hãy xóa các dòng thừa rồi gửi lại.")
            rows = [[v if v.__class__ is str else _norm_value(v) for v in row]
                    for row in s.to_python(skip_empty_area=False)]
            merged = s.merged_cell_ranges or []
            sheets.append(Sheet(meta.name, _visibility(meta.visible), rows, list(merged)))
    except (limits.LimitError, ReadError):
        raise
    except pc.PasswordError as e:
        raise ReadError(PASSWORD_MESSAGE) from e
    except Exception as e:
        raise ReadError(f"Tệp {FORMAT_NAMES[fmt]} bị hỏng, không đọc được: hãy mở bằng Excel, "
                        "lưu lại rồi gửi lại.") from e
    finally:
        wb.close()
    deadline.check()
    return sheets


_FORMULA_CELL_BUDGET = 2_000_000    # cells a workbook's formulas may visit in all (SUM over ranges)


def _restore_formula_cells(data: bytes, sheets: list[Sheet], marked: frozenset[str] | None,
                           deadline: limits.Deadline) -> None:
    """What calamine reads as empty but is not: Excel's error values (#REF!, #VALUE!, …) go back in
    their cells (a broken formula must not read as 0: the validator names the cell and the error), and
    formulas saved without a value are computed or marked (formulas.py).

    marked, when known (limits.check has inflated the sheet parts already), names the parts holding an
    error cell or a formula; the others are not read again. The scan is linear (sheet_xml.py)."""
    import html

    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        book = z.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return
    by_name = {s.name: s for s in sheets}
    budget = [_FORMULA_CELL_BUDGET]
    for name, path in limits.sheet_parts(book, rels).items():
        sheet = by_name.get(html.unescape(name))
        if sheet is None or (marked is not None and path not in marked):
            continue
        try:
            xml = z.read(path)
        except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError):
            continue
        deadline.check()
        found = sheet_xml.scan(xml, tick=deadline.check)
        rows = sheet.rows
        for r, c, value in found.errors:
            if 0 <= r < len(rows) and 0 <= c < len(rows[r]) and rows[r][c] in ("", None):
                rows[r][c] = value
        if found.unvalued:
            _evaluate(sheet, found.unvalued, budget, deadline)


def _evaluate(sheet: Sheet, unvalued: list[tuple[int, int, str]], budget: list[int],
              deadline: limits.Deadline) -> None:
    """Formulas saved without a value: computed when plain (formulas.Evaluator), else marked."""
    rows = sheet.rows
    limit = limits.DEFAULT.max_cells_per_sheet
    height = max(len(rows), max(r for r, _, _ in unvalued) + 1)
    width = max(sheet.width, max(c for _, c, _ in unvalued) + 1)
    if height * width > limit:
        raise limits.LimitError(f"Trang tính “{sheet.name}” có công thức ở ô {cell_ref(height - 1, width - 1)}, "
                                "quá xa cho một báo cáo tuần: hãy xóa các dòng, cột thừa rồi gửi lại.")
    if width > sheet.width:
        for row in rows:
            row.extend([""] * (width - len(row)))
    while len(rows) < height:
        rows.append([""] * width)
    ev = formulas.Evaluator(lambda r, c: rows[r][c], (height, width), budget)
    for r, c, text in unvalued:
        if rows[r][c] in ("", None):
            ev.pending[(r, c)] = text
    for i, (r, c) in enumerate(list(ev.pending)):
        if i % 1024 == 0:
            deadline.check()
        text = ev.pending[(r, c)]
        try:
            if not text:
                raise formulas.Unevaluable("shared or empty formula")
            v = ev.value_of(r, c)
        except formulas.Unevaluable:
            rows[r][c] = formulas.UnevaluatedFormula(text, cell_ref(r, c))
        else:
            rows[r][c] = _norm_value(v + 0.0)
