"""Limits checked before a workbook is parsed, so a hostile or absurd file is refused fast and with
little memory: file size, number of sheets, cells per sheet, and the real uncompressed size of
a zipped workbook (measured by streaming, never trusting the sizes the archive declares).

Defaults suit weekly reports (a real one is 10–60 KB); CM_MAX_FILE_MB raises the file size limit.
"""
from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+:([A-Z]+)(\d+)"')
_CHUNK = 1 << 16


class LimitError(ValueError):
    """A file over one of the limits; the message says which, in Vietnamese."""


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = int(float(os.environ.get("CM_MAX_FILE_MB", "10")) * 1024 * 1024)
    max_uncompressed_bytes: int = 80 * 1024 * 1024     # all members of a zipped workbook together
    max_member_bytes: int = 40 * 1024 * 1024           # any one member (a sheet's XML)
    max_members: int = 2000
    max_sheets: int = 200
    max_cells_per_sheet: int = 500_000                 # a weekly report has a few hundred


DEFAULT = Limits()


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def check(data: bytes, limits: Limits = DEFAULT) -> None:
    """Raise LimitError when the file is over a limit; cheap for ordinary reports."""
    if len(data) > limits.max_file_bytes:
        raise LimitError(f"Tệp quá lớn ({len(data) / 1024 / 1024:.1f} MB, giới hạn "
                         f"{limits.max_file_bytes / 1024 / 1024:.0f} MB): báo cáo tuần thường chỉ vài chục KB; "
                         "hãy xóa các trang tính, hình ảnh không cần thiết rồi gửi lại.")
    if data[:4] == ZIP_MAGIC:
        _check_zip(data, limits)


def _check_zip(data: bytes, limits: Limits) -> None:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not readable as a zip: the reader says it is damaged
    sheets = [m for m in members if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")]
    if len(sheets) > limits.max_sheets:
        raise LimitError(f"Tệp có {len(sheets)} trang tính (giới hạn {limits.max_sheets}): hãy gửi báo cáo "
                         "chỉ gồm các trang của các tuần cần báo cáo.")
    if len(members) > limits.max_members:
        raise LimitError(f"Tệp có {len(members)} thành phần bên trong, quá nhiều cho một báo cáo: "
                         "hãy lưu lại báo cáo thành tệp mới chỉ gồm các trang cần thiết.")
    total = 0
    for m in members:
        size = 0
        try:
            with z.open(m) as f:
                while chunk := f.read(_CHUNK):
                    if size == 0 and m in sheets:
                        _check_dimension(m.filename, chunk, limits)  # declared size: refuse before inflating
                    size += len(chunk)
                    total += len(chunk)
                    if size > limits.max_member_bytes or total > limits.max_uncompressed_bytes:
                        raise LimitError(
                            "Tệp giải nén ra quá lớn (hơn "
                            f"{min(limits.max_member_bytes, limits.max_uncompressed_bytes) // 1024 // 1024} MB"
                            "): có thể là tệp độc hại hoặc bảng tính chứa quá nhiều dữ liệu; hãy gửi báo cáo "
                            "theo tệp mẫu.")
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            return  # damaged or encrypted member: the reader gives the precise message


def _check_dimension(name: str, head: bytes, limits: Limits) -> None:
    dim = _DIMENSION.search(head[:4096])
    if not dim:
        return
    rows, cols = int(dim.group(2)), _col_number(dim.group(1))
    if rows * cols > limits.max_cells_per_sheet:
        raise LimitError(
            f"Trang tính {name.rsplit('/', 1)[-1]} khai báo {rows:,} dòng × {cols} cột, quá lớn cho một "
            "báo cáo tuần: hãy xóa các dòng thừa rồi gửi lại.".replace(",", "."))
