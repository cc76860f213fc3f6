"""The one workbook writer: every spreadsheet the app makes goes through here.

- `Book`: an .xlsx written with XlsxWriter (pinned in requirements.txt) — the report templates and
  filled-in reports (loaders/outputs/template.py), the office-style files of the demo (through `Sheet`).
  XlsxWriter writes fixed zip timestamps and the document dates set here, so the same content always
  gives the same bytes (an "exact re-send" of a demo file is the same file), and it is several times
  faster than openpyxl for the thousand files of the demo.
- `Sheet`: a plain grid (cells, merges, bold rows, widths, a boxed table) and its three serializers:
  `sheets_to_xlsx` (Book), `sheets_to_xls` (xlwt, Excel 97-2003), `sheets_to_ods` (odfpy).
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Sequence

import xlsxwriter

FIXED_TIME = (2025, 1, 1, 8, 0, 0)
FIXED_DATE = datetime(*FIXED_TIME)


class _Workbook(xlsxwriter.Workbook):
    """XlsxWriter protects sheets but not the workbook's structure: this adds the one element, with
    XlsxWriter's own XML writer, where the schema wants it (after workbookPr, before bookViews)."""

    lock_password: str | None = None

    def _write_book_views(self) -> None:
        if self.lock_password:
            self._xml_empty_tag("workbookProtection", [("workbookPassword", _legacy_hash(self.lock_password)),
                                                      ("lockStructure", 1)])
        super()._write_book_views()


class Book:
    """An in-memory XlsxWriter workbook with fixed document dates and cached formats.

    book = Book(author="…"); ws = book.sheet("Báo cáo"); ws.write(0, 0, "x", book.fmt(bold=True))
    data = book.close(lock_structure="password")
    """

    def __init__(self, author: str = "Microsoft Office User"):
        self._buf = io.BytesIO()
        # cell text is written as text: no guessing of numbers, formulas or links from strings
        self.wb = _Workbook(self._buf, {"in_memory": True, "strings_to_numbers": False,
                                                  "strings_to_formulas": False, "strings_to_urls": False})
        self.wb.set_properties({"created": FIXED_DATE, "author": author})
        self._formats: dict[tuple, object] = {}

    def sheet(self, name: str):
        return self.wb.add_worksheet(name[:31])

    def fmt(self, **props):
        """A cell format (XlsxWriter properties), one object per distinct set of properties."""
        key = tuple(sorted(props.items()))
        f = self._formats.get(key)
        if f is None:
            f = self._formats[key] = self.wb.add_format(props)
        return f

    def close(self, lock_structure: str | None = None) -> bytes:
        """The .xlsx bytes. lock_structure: protect the workbook structure (no adding, removing or
        unhiding sheets) with that password."""
        self.wb.lock_password = lock_structure
        self.wb.close()
        return self._buf.getvalue()


class _Explicit(int):
    """A number XlsxWriter writes even when it equals the schema's default (it compares with `!=`)."""

    def __ne__(self, other) -> bool:
        return True


def fit_to_width(ws) -> None:
    """Print one page wide and as many pages tall as needed, with fitToWidth="1" written out (XlsxWriter
    leaves the default out, and readers such as openpyxl then report no width at all)."""
    ws.fit_to_pages(1, 0)
    ws.fit_width = _Explicit(1)


def _legacy_hash(password: str) -> str:
    """The 16-bit password hash of Excel's workbook and sheet protection (ECMA-376 Part 4, 14.7.1)."""
    h = 0
    for i, ch in enumerate(password):
        v = ord(ch) << (i + 1)
        h ^= (v & 0x7FFF) | (v >> 15)
    return f"{h ^ len(password) ^ 0xCE4B:X}"


def rezip(data: bytes, replace: dict[str, Callable[[bytes], bytes]] | None = None,
          level: int = 6) -> bytes:
    """Rewrite a zip package with fixed timestamps (deterministic bytes), optionally transforming
    some members; the first member keeps its place (mimetype of .ods must come first, stored)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if replace and info.filename in replace:
                body = replace[info.filename](body)
            zi = zipfile.ZipInfo(info.filename, FIXED_TIME)
            zi.compress_type = info.compress_type
            zi.external_attr = 0o600 << 16
            z.writestr(zi, body, compress_type=info.compress_type,
                       compresslevel=level if info.compress_type == zipfile.ZIP_DEFLATED else None)
    return out.getvalue()


_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def fixed_core_dates(body: bytes) -> bytes:
    return _CORE_DATES.sub(rb"\g<1>2025-01-01T08:00:00Z\g<3>", body)


# ---------------------------------------------------------------------------------------------
# A sheet as a grid, and its three serializers

@dataclass
class Sheet:
    name: str
    cells: dict  # (row, col), 0-based → str | int | float | date
    merges: list  # (r1, c1, r2, c2) inclusive, 0-based
    bold_rows: set
    widths: dict  # col → width in characters
    font: str = "Times New Roman"

    @classmethod
    def new(cls, name: str, font: str = "Times New Roman") -> "Sheet":
        return cls(name, {}, [], set(), {}, font)

    def put(self, r: int, c: int, value: object) -> None:
        if value is not None and value != "":
            self.cells[(r, c)] = value

    def merge(self, r1: int, c1: int, r2: int, c2: int, value: object = None) -> None:
        self.put(r1, c1, value)
        if (r1, c1) != (r2, c2):
            self.merges.append((r1, c1, r2, c2))

    def map_text(self, fn: Callable[[str], str]) -> None:
        self.name = fn(self.name)
        for k, v in self.cells.items():
            if isinstance(v, str) and not v.startswith("http"):
                self.cells[k] = fn(v)


def _grid_format(book: Book, font: str, bold: bool, boxed: bool, is_date: bool, centered: bool):
    props: dict = {"font_name": font, "font_size": 12}
    if bold:
        props["bold"] = True
    if boxed:
        props["border"] = 1
    if is_date:
        props["num_format"] = "dd/mm/yyyy"
    if centered:
        props.update(align="center", valign="vcenter", text_wrap=True)
    return book.fmt(**props)


def _write_grid(book: Book, sh: Sheet) -> None:
    ws = book.sheet(sh.name)
    table = getattr(sh, "table_box", None)
    tops = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in sh.merges}
    boxed = lambda r, c: bool(table) and table[0] <= r <= table[2] and table[1] <= c <= table[3]  # noqa: E731
    for c, w in sorted(sh.widths.items()):
        ws.set_column(c, c, w)
    for (r1, c1), (r2, c2) in tops.items():
        ws.merge_range(r1, c1, r2, c2, None, _grid_format(book, sh.font, r1 in sh.bold_rows, boxed(r1, c1),
                                                          False, True))
    cells = dict(sh.cells)
    if table:
        for r in range(table[0], table[2] + 1):
            for c in range(table[1], table[3] + 1):
                cells.setdefault((r, c), None)
    for (r, c), v in cells.items():
        is_date = isinstance(v, date)
        f = _grid_format(book, sh.font, r in sh.bold_rows, boxed(r, c), is_date, (r, c) in tops)
        if v is None:
            if (r, c) not in tops:
                ws.write_blank(r, c, None, f)
        elif is_date:
            ws.write_datetime(r, c, v if isinstance(v, datetime) else datetime(v.year, v.month, v.day), f)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            ws.write_number(r, c, v, f)
        else:
            ws.write_string(r, c, str(v), f)


def sheets_to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A plain .xlsx: bold title and header rows, a thin border around the table, merged cells, widths."""
    book = Book()
    for sh in sheets:
        _write_grid(book, sh)
    return book.close()


def sheets_to_xls(sheets: Sequence[Sheet]) -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    for sh in sheets:
        ws = wb.add_sheet(sh.name[:31], cell_overwrite_ok=True)
        font = f"font: name {sh.font}"
        st_norm = xlwt.easyxf(font)
        st_bold = xlwt.easyxf(font + ", bold on")
        st_date = xlwt.easyxf(font, num_format_str="DD/MM/YYYY")
        st_merge = xlwt.easyxf(font + ", bold on; align: horiz center, wrap on")
        merged_at = {(r1, c1): (r1, c1, r2, c2) for r1, c1, r2, c2 in sh.merges}
        covered = {(r, c) for r1, c1, r2, c2 in sh.merges
                   for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        for (r1, c1), (_, _, r2, c2) in merged_at.items():
            ws.write_merge(r1, r2, c1, c2, sh.cells.get((r1, c1), ""), st_merge)
        for (r, c), v in sh.cells.items():
            if (r, c) in covered:
                continue
            style = st_date if isinstance(v, date) else (st_bold if r in sh.bold_rows else st_norm)
            ws.write(r, c, v, style)
        for c, w in sh.widths.items():
            ws.col(c).width = int(w * 256)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_ODS_WARM = False


def _ods_cell(v, kw: dict):
    from odf.table import TableCell
    from odf.text import P

    if v is None:
        return TableCell(**kw)
    if isinstance(v, bool) or not isinstance(v, (int, float, date)):
        cell = TableCell(valuetype="string", **kw)
        cell.addElement(P(text=str(v)))
    elif isinstance(v, date):
        cell = TableCell(valuetype="date", datevalue=v.isoformat(), **kw)
        cell.addElement(P(text=f"{v.day:02d}/{v.month:02d}/{v.year}"))
    else:
        cell = TableCell(valuetype="float", value=v, **kw)
        cell.addElement(P(text=str(v)))
    return cell


def sheets_to_ods(sheets: Sequence[Sheet]) -> bytes:
    global _ODS_WARM
    if not _ODS_WARM:
        # odfpy declares in later documents the namespaces earlier ones used: write one throwaway
        # document first so every file of the process gets the same bytes.
        _ODS_WARM = True
        sheets_to_ods([Sheet.new("warm")])
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableColumn, TableRow

    doc = OpenDocumentSpreadsheet()
    for sh in sheets:
        table = Table(name=sh.name[:31])
        ncols = max((c for _, c in sh.cells), default=0) + 1
        for r1, c1, r2, c2 in sh.merges:
            ncols = max(ncols, c2 + 1)
        table.addElement(TableColumn(numbercolumnsrepeated=ncols))
        spans = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, c1, r2, c2 in sh.merges}
        covered = {(r, c) for r1, c1, r2, c2 in sh.merges
                   for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - set(spans)
        nrows = max((r for r, _ in sh.cells), default=0) + 1
        for r in range(nrows):
            row = TableRow()
            for c in range(ncols):
                if (r, c) in covered:
                    row.addElement(CoveredTableCell())
                    continue
                kw = {}
                if (r, c) in spans:
                    kw = {"numberrowsspanned": spans[(r, c)][0], "numbercolumnsspanned": spans[(r, c)][1]}
                row.addElement(_ods_cell(sh.cells.get((r, c)), kw))
            table.addElement(row)
        doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.save(buf)
    meta = re.compile(rb"(<meta:(creation-date|generator)>|<dc:date>)[^<]*(<)")
    return rezip(buf.getvalue(), {"meta.xml": lambda b: meta.sub(rb"\g<1>2025-01-01T08:00:00\g<3>", b)})


def serialize(sheets: Sequence[Sheet], fmt: str) -> bytes:
    return {"xlsx": sheets_to_xlsx, "xls": sheets_to_xls, "ods": sheets_to_ods}[fmt](sheets)
