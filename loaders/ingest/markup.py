"""Workbooks that are text: HTML tables saved as .xls, and SpreadsheetML 2003 (Excel's "XML Spreadsheet").

Government software exports reports as an HTML page named .xls (often with a byte-order mark and a
`<meta charset>`); Excel opens it as a workbook, so offices send it as one. Excel 2003's XML format
(`<?mso-application progid="Excel.Sheet"?>`, `urn:schemas-microsoft-com:office:spreadsheet`) is still
written by some programs. Both become the reader's sheets: absolute grids with merged ranges.

- HTML: every `<table>` of the page, one after the other with an empty row between (what Excel shows);
  colspan/rowspan become merged ranges; `<br>` a space; numbers written plainly ("12", or Excel's own
  `x:num` attribute) become numbers, anything else stays text for values.parse_number to read.
  The page's title is the sheet name. Parsed with the standard library's HTMLParser (linear, no
  scripts, no network).
- SpreadsheetML: Worksheet/Table/Row/Cell/Data with ss:Index, ss:MergeAcross/MergeDown, the
  Number/String/DateTime/Boolean/Error types, and the sheet's visibility (SheetHidden/SheetVeryHidden).
  A formula whose Data is missing is left unevaluated (the parser refuses it at its cell). A document
  type declaration is refused outright (no entity expansion), and the XML is parsed by expat in one pass.

Text encodings: a byte-order mark wins, then a declared charset (meta or XML declaration), then UTF-8,
then Windows-1258 (Vietnamese ANSI). Every grid is bounded by limits.DEFAULT.max_cells_per_sheet, and
the deadline is checked as rows are read.
"""
from __future__ import annotations

import codecs
import re
from datetime import datetime
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

from loaders.ingest import limits
from loaders.ingest.formulas import UnevaluatedFormula

SS = "urn:schemas-microsoft-com:office:spreadsheet"
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{1,40})["']""", re.I)
_PLAIN_INT = re.compile(r"[0-9]{1,15}")
_MAX_SPAN = 1000
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


class MarkupError(ValueError):
    """Not a readable HTML/XML workbook; the message is for the uploader."""


def decode(data: bytes) -> str:
    """The text of an HTML or XML file, by BOM, declared charset, UTF-8, then Windows-1258."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(enc, "replace")
    head = data[:4096]
    m = _XML_ENCODING.search(head) or _CHARSET.search(head)
    if m:
        try:
            return data.decode(m.group(1).decode("ascii"), "replace")
        except LookupError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1258", "replace")


def kind(data: bytes) -> str | None:
    """"html" | "xml2003" | None: what a text workbook looks like from its first bytes."""
    text = _head_text(data)
    low = text.lstrip().lower()
    if "urn:schemas-microsoft-com:office:spreadsheet" in low and "<workbook" in low:
        return "xml2003"
    if low.startswith(("<html", "<!doctype html", "<table", "<meta", "<head", "<body", "<style")) \
            or (low.startswith("<?xml") and "<html" in low) or ("<table" in low and "<tr" in low):
        return "html"
    return None


def _head_text(data: bytes) -> str:
    head = data[:8192]
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return head[len(bom):].decode(enc, "ignore")
    return head.decode("latin-1")


class _Grid:
    """Cells placed at absolute positions, then one rectangular grid (bounded)."""

    def __init__(self, name: str, deadline: limits.Deadline | None):
        self.name = name
        self.cells: dict[tuple[int, int], object] = {}
        self.merged: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self.height = self.width = 0
        self.deadline = deadline

    def put(self, r: int, c: int, v, down: int = 0, across: int = 0) -> None:
        limit = limits.DEFAULT.max_cells_per_sheet
        h, w = max(self.height, r + down + 1), max(self.width, c + across + 1)
        if h * w > limit or len(self.cells) > limit:
            raise limits.LimitError(f"Trang tính “{self.name}” có {h} dòng × {w} cột, quá lớn cho một báo cáo tuần: "
                                    "hãy xóa các dòng thừa rồi gửi lại.")
        self.height, self.width = h, w
        if v != "" and v is not None:
            self.cells[(r, c)] = v
        if down or across:
            self.merged.append(((r, c), (r + down, c + across)))

    def rows(self) -> list[list]:
        out = [[""] * self.width for _ in range(self.height)]
        for (r, c), v in self.cells.items():
            out[r][c] = v
        return out


# --------------------------------------------------------------------------- HTML

class _Tables(HTMLParser):
    def __init__(self, grid: _Grid):
        super().__init__(convert_charrefs=True)
        self.g = grid
        self.row = -1
        self.col = 0
        self.taken: set[tuple[int, int]] = set()     # cells covered by a rowspan from above
        self.cell: list[str] | None = None
        self.cell_attrs: dict = {}
        self.depth = 0                               # nested tables are read as text of their cell
        self.title: list[str] | None = None
        self.title_text = ""
        self.n = 0

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.title = []
        elif tag == "table":
            if self.depth == 0 and self.row >= 0:
                self.row += 1                        # an empty row between two tables
            self.depth += 1
        elif self.depth != 1:
            if tag == "br" and self.cell is not None:
                self.cell.append(" ")
        elif tag == "tr":
            self._close_cell()
            self.row += 1
            self.col = 0
            self.n += 1
            if self.g.deadline is not None and self.n % 1024 == 0:
                self.g.deadline.check()
        elif tag in ("td", "th"):
            self._close_cell()
            if self.row < 0:
                self.row = 0
            while (self.row, self.col) in self.taken:
                self.col += 1
            self.cell = []
            self.cell_attrs = dict(attrs)
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "title" and self.title is not None:
            self.title_text, self.title = "".join(self.title).strip(), None
        elif tag == "table":
            if self.depth == 1:
                self._close_cell()
            self.depth = max(0, self.depth - 1)
        elif self.depth == 1 and tag in ("td", "th", "tr"):
            self._close_cell()

    def handle_data(self, data):
        if self.title is not None:
            self.title.append(data)
        elif self.cell is not None:
            self.cell.append(data)

    def _close_cell(self):
        if self.cell is None:
            return
        text = " ".join("".join(self.cell).split())
        a = self.cell_attrs
        across = _span(a.get("colspan")) - 1
        down = _span(a.get("rowspan")) - 1
        v: object = text
        num = a.get("x:num")
        if num is not None:
            try:
                v = float(num if num else text)
            except ValueError:
                v = text
        elif _PLAIN_INT.fullmatch(text):
            v = int(text)
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
            v = int(v)
        self.g.put(self.row, self.col, v, down, across)
        for rr in range(self.row + 1, self.row + down + 1):
            for cc in range(self.col, self.col + across + 1):
                self.taken.add((rr, cc))
        self.col += across + 1
        self.cell = None


def _span(v) -> int:
    try:
        return min(max(int(str(v).strip() or 1), 1), _MAX_SPAN)
    except ValueError:
        return 1


def read_html(data: bytes, deadline: limits.Deadline | None = None) -> tuple[str, list[list], list]:
    """(sheet name, grid, merged ranges) of an HTML page's tables."""
    g = _Grid("Sheet1", deadline)
    p = _Tables(g)
    text = decode(data)
    for i in range(0, len(text), 1 << 16):           # fed in slices: the deadline is checked as it goes
        p.feed(text[i:i + (1 << 16)])
        if deadline is not None:
            deadline.check()
    p.close()
    p._close_cell()
    if not g.cells:
        raise MarkupError("Trang HTML này không có bảng số liệu nào: hãy mở bằng Excel, chọn Lưu thành → Sổ làm "
                          "việc Excel (.xlsx) rồi gửi lại.")
    name = (p.title_text or "Sheet1")[:31]
    g.name = name
    return name, g.rows(), g.merged


# --------------------------------------------------------------------------- SpreadsheetML 2003

def _ss(name: str) -> str:
    return f"{{{SS}}}{name}"


def _int_attr(el, name: str, default: int, top: int, low: int = 1) -> int:
    v = el.get(_ss(name))
    if v is None:
        return default
    try:
        n = int(v)
    except ValueError:
        return default
    return min(max(n, low), top)


def _data_value(typ: str, text: str):
    if typ == "Number":
        try:
            x = float(text)
        except ValueError:
            return text
        return int(x) if x.is_integer() and abs(x) < 1e15 else x
    if typ == "DateTime":
        try:
            d = datetime.fromisoformat(text[:19])
        except ValueError:
            return text
        return d.date() if d.time() == datetime.min.time() else d
    if typ == "Boolean":
        return text.strip() in ("1", "true", "TRUE")
    return text


def read_xml2003(data: bytes, deadline: limits.Deadline | None = None) -> list[tuple[str, str, list[list], list]]:
    """[(sheet name, visibility, grid, merged)] of a SpreadsheetML 2003 workbook."""
    low = data[:1 << 20].lower()
    if b"<!doctype" in low or b"<!entity" in low or b"<!entity" in data.lower():
        raise MarkupError("Tệp XML có khai báo DTD/ENTITY, không phải bảng tính Excel XML thông thường: hãy mở "
                          "bằng Excel, lưu lại dạng .xlsx rồi gửi.")
    sheets = []
    g, state = None, {}
    text = decode(data).encode("utf-8")
    text = re.sub(rb"^\s*<\?xml[^>]{0,200}\?>", b'<?xml version="1.0" encoding="utf-8"?>', text, count=1)
    try:
        parser = ET.XMLPullParser(events=("start", "end"))
        n = 0
        for i in range(0, len(text), 1 << 16):
            parser.feed(text[i:i + (1 << 16)])
            for event, el in parser.read_events():
                n += 1
                if deadline is not None and n % 4096 == 0:
                    deadline.check()
                if event == "start" and el.tag == _ss("Worksheet"):
                    g = _Grid(el.get(_ss("Name")) or f"Sheet{len(sheets) + 1}", deadline)
                    state = {"row": -1, "col": 0, "visible": "visible"}
                elif event == "end" and g is not None:
                    if el.tag == _ss("Row"):
                        _row(g, el, state)
                        el.clear()
                    elif el.tag == "{urn:schemas-microsoft-com:office:excel}Visible":
                        v = (el.text or "").strip()
                        state["visible"] = {"SheetHidden": "hidden", "SheetVeryHidden": "veryhidden"}.get(v, "visible")
                    elif el.tag == _ss("Worksheet"):
                        sheets.append((g.name, state["visible"], g.rows(), g.merged))
                        el.clear()
                        g = None
        parser.close()
    except ET.ParseError as e:
        raise MarkupError("Tệp bảng tính XML bị hỏng, không đọc được: hãy mở bằng Excel, lưu lại dạng .xlsx "
                          "rồi gửi lại.") from e
    return sheets


def _row(g: _Grid, el, state: dict) -> None:
    state["row"] = _int_attr(el, "Index", state["row"] + 2, 1_048_576) - 1
    r = state["row"]
    c = 0
    for cell in el:
        if cell.tag != _ss("Cell"):
            continue
        c = _int_attr(cell, "Index", c + 1, 16_384) - 1
        across = _int_attr(cell, "MergeAcross", 0, _MAX_SPAN, 0)
        down = _int_attr(cell, "MergeDown", 0, _MAX_SPAN, 0)
        data = cell.find(_ss("Data"))
        if data is not None:
            v = _data_value(data.get(_ss("Type"), "String"), "".join(data.itertext()))
        elif cell.get(_ss("Formula")):
            v = UnevaluatedFormula(cell.get(_ss("Formula")).lstrip("="), _ref(r, c))
        else:
            v = ""
        g.put(r, c, v, down, across)
        c += across
    return None


def _ref(r: int, c: int) -> str:
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return f"{s}{r + 1}"
