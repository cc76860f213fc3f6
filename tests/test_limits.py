"""loaders/ingest/limits.py: the one pass over a zipped workbook (sizes, dimensions, error-cell parts) and the
shortcut it takes when deflate's ceiling already keeps a file under the limits."""
from __future__ import annotations

import io
import zipfile

import pytest

from loaders.ingest import limits
from loaders.ingest import reader
from tests.hostile import error_cells, good


def _rewrite(data: bytes, compression=zipfile.ZIP_DEFLATED, rename=None, edit=None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for m in src.infolist():
            body = src.read(m.filename)
            if edit and m.filename in edit:
                body = edit[m.filename](body)
            z.writestr((rename or {}).get(m.filename, m.filename), body)
    return buf.getvalue()


def _errors(wb: reader.Workbook) -> list[str]:
    return sorted(v for s in wb.sheets for row in s.rows for v in row if isinstance(v, str) and v.startswith("#"))


def test_an_ordinary_report_names_no_error_part():
    assert limits.check(good()) == frozenset()


def test_error_parts_named_and_restored():
    data = error_cells()
    assert limits.check(data) == {"xl/worksheets/sheet1.xml"}
    assert _errors(reader.read_workbook(data)) == ["#REF!", "#VALUE!"]


@pytest.mark.parametrize("variant", ["stored", "sheet_elsewhere"])
def test_error_cells_restored_whatever_the_packaging(variant):
    data = error_cells()
    if variant == "stored":
        data = _rewrite(data, zipfile.ZIP_STORED)
    else:  # a sheet part outside xl/worksheets/, found through the workbook's relationships
        data = _rewrite(data, rename={"xl/worksheets/sheet1.xml": "xl/other/data.xml"}, edit={
            "xl/_rels/workbook.xml.rels": lambda b: b.replace(b"worksheets/sheet1.xml", b"other/data.xml"),
            "[Content_Types].xml": lambda b: b.replace(b"/xl/worksheets/sheet1.xml", b"/xl/other/data.xml")})
    assert _errors(reader.read_workbook(data)) == ["#REF!", "#VALUE!"]


def test_real_sizes_measured_when_the_ceiling_does_not_settle_it():
    data = good()
    inflated = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(data)).infolist())
    tight = limits.Limits(max_uncompressed_bytes=inflated - 1, max_member_bytes=inflated)
    with pytest.raises(limits.LimitError, match="giải nén ra quá lớn"):
        limits.check(data, tight)
    assert limits.check(data, limits.Limits(max_uncompressed_bytes=inflated, max_member_bytes=inflated)) == frozenset()


def test_a_corrupt_deflate_stream_is_a_damaged_file():
    data = bytearray(good())
    z = zipfile.ZipFile(io.BytesIO(bytes(data)))
    m = z.getinfo("xl/worksheets/sheet1.xml")
    h = m.header_offset
    start = h + 30 + int.from_bytes(data[h + 26:h + 28], "little") + int.from_bytes(data[h + 28:h + 30], "little")
    for i in range(start + 20, start + 60):
        data[i] ^= 0x5A
    with pytest.raises(reader.ReadError, match="hỏng"):
        reader.read_workbook(bytes(data))
