"""Limits checked before a workbook is parsed, so a hostile or absurd file is refused fast and with
little memory: file size, number of sheets, cells per sheet, and the real uncompressed size of
a zipped workbook (measured by inflating every member, never trusting the sizes the archive declares).

Defaults suit weekly reports (a real one is 10–60 KB); CM_MAX_FILE_MB raises the file size limit.

The same pass notes which members hold an Excel error cell (t="e"), so the reader looks for #REF!,
#VALUE!, … only in those and does not unzip the workbook a second time.
"""
from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+:([A-Z]+)(\d+)"')
_CHUNK = 1 << 16
_BIG_CHUNK = 1 << 20
_ERROR_MARK = b't="e"'
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_SIMPLE_FLAGS = 0x0800 | 0x0008 | 0x0006   # UTF-8 name, data descriptor, deflate options


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


def check(data: bytes, limits: Limits = DEFAULT) -> frozenset[str] | None:
    """Raise LimitError when the file is over a limit; cheap for ordinary reports.

    For a zipped workbook read to the end, returns the names of the members whose XML holds an error
    cell (t="e"; usually none); None when that is not known (not a zip, or a damaged archive whose
    reading stopped early).
    """
    if len(data) > limits.max_file_bytes:
        raise LimitError(f"Tệp quá lớn ({len(data) / 1024 / 1024:.1f} MB, giới hạn "
                         f"{limits.max_file_bytes / 1024 / 1024:.0f} MB): báo cáo tuần thường chỉ vài chục KB; "
                         "hãy xóa các trang tính, hình ảnh không cần thiết rồi gửi lại.")
    if data[:4] == ZIP_MAGIC:
        return _check_zip(data, limits)
    return None


def _too_big(limits: Limits) -> LimitError:
    return LimitError(
        "Tệp giải nén ra quá lớn (hơn "
        f"{min(limits.max_member_bytes, limits.max_uncompressed_bytes) // 1024 // 1024} MB"
        "): có thể là tệp độc hại hoặc bảng tính chứa quá nhiều dữ liệu; hãy gửi báo cáo "
        "theo tệp mẫu.")


def _check_zip(data: bytes, limits: Limits) -> frozenset[str] | None:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None  # not readable as a zip: the reader says it is damaged
    sheets = {id(m) for m in members if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")}
    if len(sheets) > limits.max_sheets:
        raise LimitError(f"Tệp có {len(sheets)} trang tính (giới hạn {limits.max_sheets}): hãy gửi báo cáo "
                         "chỉ gồm các trang của các tuần cần báo cáo.")
    if len(members) > limits.max_members:
        raise LimitError(f"Tệp có {len(members)} thành phần bên trong, quá nhiều cho một báo cáo: "
                         "hãy lưu lại báo cáo thành tệp mới chỉ gồm các trang cần thiết.")
    total = 0
    errors: set[str] = set()
    for m in members:
        is_sheet = id(m) in sheets
        size = _inflate(data, m, is_sheet, total, limits, errors)
        if size is None:  # anything unusual: zipfile's own reading, chunk by chunk
            size = _stream(z, m, is_sheet, total, limits, errors)
            if size is None:
                return None
        total += size
    return frozenset(errors)


def _over(size: int, total: int, limits: Limits) -> bool:
    return size > limits.max_member_bytes or total + size > limits.max_uncompressed_bytes


def _inflate(data: bytes, m: zipfile.ZipInfo, is_sheet: bool, before: int, limits: Limits,
             errors: set[str]) -> int | None:
    """The real size of a plainly deflated member, inflated straight from the archive's bytes (what
    zipfile would give, without its per-chunk Python); None for any other member, or anything odd
    (the caller then reads it through zipfile, which says what is wrong exactly as before)."""
    if m.compress_type != zipfile.ZIP_DEFLATED or m.flag_bits & ~_SIMPLE_FLAGS:
        return None
    h = m.header_offset
    if h < 0 or h + _LOCAL_HEADER.size > len(data):
        return None
    sig, _, flags, _, _, _, _, _, _, n, e = _LOCAL_HEADER.unpack_from(data, h)
    if sig != ZIP_MAGIC or (flags ^ m.flag_bits) & 0x0800:
        return None
    try:
        if data[h + 30:h + 30 + n] != m.orig_filename.encode("utf-8" if flags & 0x0800 else "cp437"):
            return None
    except UnicodeEncodeError:
        return None
    start = h + 30 + n + e
    end = start + m.compress_size
    if end > len(data):
        return None
    d = zlib.decompressobj(-15)
    pending = memoryview(data)[start:end]
    size = crc = 0
    tail = b""
    step = _CHUNK
    while True:
        # never more than the member declares (zipfile stops there) nor much past the limits
        want = min(step, m.file_size - size + 1, limits.max_member_bytes - size + 1,
                   limits.max_uncompressed_bytes - before - size + 1)
        chunk = d.decompress(pending, max(want, 1))
        pending = d.unconsumed_tail
        if size == 0 and is_sheet:
            if len(chunk) < 4096 and not d.eof:
                return None
            _check_dimension(m.filename, chunk, limits)  # declared size: refuse before inflating
        size += len(chunk)
        if size > m.file_size:
            return None               # inflates past its declared size: zipfile's reading decides
        if _over(size, before, limits):
            raise _too_big(limits)
        if _ERROR_MARK in chunk or (tail and _ERROR_MARK in tail + chunk[:5]):
            errors.add(m.filename)
        tail = chunk[-5:]
        crc = zlib.crc32(chunk, crc)
        if d.eof:
            break
        if not pending and not chunk:
            return None               # the data ends before the deflate stream does
        step = _BIG_CHUNK
    if crc != m.CRC or size != m.file_size:
        return None
    return size


def _stream(z: zipfile.ZipFile, m: zipfile.ZipInfo, is_sheet: bool, before: int, limits: Limits,
            errors: set[str]) -> int | None:
    size = 0
    tail = b""
    try:
        with z.open(m) as f:
            while chunk := f.read(_CHUNK):
                if size == 0 and is_sheet:
                    _check_dimension(m.filename, chunk, limits)  # declared size: refuse before inflating
                size += len(chunk)
                if _over(size, before, limits):
                    raise _too_big(limits)
                if _ERROR_MARK in chunk or (tail and _ERROR_MARK in tail + chunk[:5]):
                    errors.add(m.filename)
                tail = chunk[-5:]
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        return None  # damaged or encrypted member: the reader gives the precise message
    return size


def _check_dimension(name: str, head: bytes, limits: Limits) -> None:
    dim = _DIMENSION.search(head[:4096])
    if not dim:
        return
    rows, cols = int(dim.group(2)), _col_number(dim.group(1))
    if rows * cols > limits.max_cells_per_sheet:
        raise LimitError(
            f"Trang tính {name.rsplit('/', 1)[-1]} khai báo {rows:,} dòng × {cols} cột, quá lớn cho một "
            "báo cáo tuần: hãy xóa các dòng thừa rồi gửi lại.".replace(",", "."))
