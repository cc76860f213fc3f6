"""loaders/ingest/reader.py: every format judged by its bytes, hidden metadata, merged cells, cached formula
values, and a clear Vietnamese error for what cannot be read."""
from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from loaders.ingest.reader import ReadError, cell_ref, col_letter, parse_ref, read_workbook, sniff
from tests.workbooks import Formula, SheetSpec, build, encrypted_ooxml

FORMATS = ["xlsx", "xlsm", "xls", "ods"]


def _sheets():
    return [
        SheetSpec("Báo cáo", [
            ["UBND XÃ EA KAO", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
            [],
            [None, "Ngày", date(2025, 9, 8), None],
            [None, "Số", 12, 2.5],
            [None, "Cộng", Formula("C4+D4", 14.5)],
        ], merges=["A1:C1", "D1:F1"]),
        SheetSpec("_meta", [["unit_code", "24169"], ["period_start", "2025-09-08"]], state="veryHidden"),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_read_by_content(fmt):
    data = build(fmt, _sheets())
    assert sniff(data) == fmt
    wb = read_workbook(data)
    assert wb.format == fmt
    s = wb.sheet("Báo cáo")
    assert s.value(0, 0) == "UBND XÃ EA KAO"          # absolute grid: A1 is rows[0][0]
    assert s.value(2, 2) == date(2025, 9, 8)            # a real date
    assert s.value(3, 2) == 12 and s.value(3, 3) == 2.5
    assert s.value(4, 2) == 14.5                        # a formula: its cached value
    assert wb.meta == {"unit_code": "24169", "period_start": "2025-09-08"}
    assert [x.name for x in wb.data_sheets] == ["Báo cáo"]   # the metadata sheet is not a data sheet
    if fmt != "ods":                                    # calamine reports merges for Excel formats
        assert ((0, 0), (0, 2)) in s.merged
        assert s.text_at(0, 2) == "UBND XÃ EA KAO" and s.is_merged_extra(0, 1)
    else:
        assert wb.sheet("_meta").visible in ("hidden", "veryhidden")


def test_very_hidden_sheet_is_listed():
    wb = read_workbook(build("xlsx", _sheets()))
    assert wb.sheet("_meta").visible == "veryhidden"


def test_extension_does_not_matter(tmp_path):
    """An .xls saved with an .xlsx name (and the reverse) is read by what it is."""
    assert sniff(build("xls", _sheets())) == "xls"
    assert sniff(build("ods", _sheets())) == "ods"


def test_encrypted_workbook_is_refused_with_a_reason():
    with pytest.raises(ReadError, match="mật khẩu"):
        read_workbook(encrypted_ooxml())


@pytest.mark.parametrize("data, words", [
    (b"", "rỗng"),
    (b"%PDF-1.4 hello", "PDF"),
    # an HTML page without a table (one with a table is read as a workbook since issue 12: tests/test_hostile.py)
    (b"<html><body><p>Trang web</p></body></html>", "HTML"),
    (b"\x89PNG\r\n\x1a\n....", "ảnh"),
    (b"STT;Noi dung;So luong\n1;Facebook;3\n", "không phải bảng tính"),
])
def test_not_a_spreadsheet(data, words):
    with pytest.raises(ReadError, match=words):
        read_workbook(data)


def test_truncated_and_damaged_files():
    good = build("xlsx", _sheets())
    with pytest.raises(ReadError, match="hỏng"):
        read_workbook(good[: len(good) // 2])
    # a zip that claims to be a workbook but whose sheet XML is garbage
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                body = b"<worksheet><sheetData><row><c r='A1'><v>1"
            dst.writestr(item, body)
    with pytest.raises(ReadError, match="hỏng"):
        read_workbook(buf.getvalue())


def test_word_and_zip_files_named_as_excel():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    with pytest.raises(ReadError, match="Word"):
        read_workbook(buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bao cao.xlsx", b"x")
    with pytest.raises(ReadError, match="giải nén"):
        read_workbook(buf.getvalue())


def test_cell_references():
    assert [col_letter(c) for c in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
    assert cell_ref(11, 4) == "E12"
    assert parse_ref("E12") == (11, 4) and parse_ref("AA1") == (0, 26)
