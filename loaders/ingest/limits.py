"""Limits checked before a workbook is parsed, so a hostile or absurd file is refused fast and with
little memory: file size, number of sheets, cells per sheet, and the real uncompressed size of
a zipped workbook (measured by inflating every member, never trusting the sizes the archive declares).

Defaults suit weekly reports (a real one is 10–60 KB); CM_MAX_FILE_MB raises the file size limit.

Deflate cannot expand data more than 1032 times (a 258-byte match coded in two bits), so when every
member is deflated (or stored) and the compressed sizes the central directory gives — the very byte
ranges zipfile and calamine inflate — add up to less than the limits ÷ 1032, no member can break
them: then only the sheet parts are inflated (for the dimension check and the error-cell scan). A
report of a few dozen KB is always in that case; anything larger is inflated member by member.

The same pass notes which members hold an Excel error cell (t="e") or a formula (<f>), so the reader
looks for #REF!, #VALUE!, … and for formulas saved without a value only in those.

Every regular expression here is anchored at a tag and bounded, and each file has a wall-time budget
(`Deadline`, CM_FILE_BUDGET_S seconds, default 5): past it the file is refused, so one upload cannot
hold the database's only writer.
"""
from __future__ import annotations

import io
import os
import re
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]{1,3}[0-9]{1,7}:([A-Z]{1,3})([0-9]{1,7})"')
_CHUNK = 1 << 16
_BIG_CHUNK = 1 << 20
_MARKS = (b't="e"', b"<f>", b"<f ", b":f>", b":f ")   # an error cell, a formula (also <x:f …>)
_TAIL = 8                                  # bytes kept across chunks so a mark is never cut in two
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_SIMPLE_FLAGS = 0x0800 | 0x0008 | 0x0006   # UTF-8 name, data descriptor, deflate options
_DEFLATE_MAX_RATIO = 1032                  # the most deflate can expand: 258 bytes from 2 bits
_ONE_SHOT = 8 << 20                        # members that cannot inflate past this are inflated in one call
_BOOK, _BOOK_RELS = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"
# bounded: a tag without its ">" costs at most 4 KB of scanning, not the rest of the part
_SHEET_TAG = re.compile(r'<(?:\w{1,32}:)?sheet\b[^<>]{0,4096}?\bname="([^"<>]{0,512})"[^<>]{0,4096}?\br:id="([^"<>]{0,256})"')
_SHEET_TAG_REV = re.compile(r'<(?:\w{1,32}:)?sheet\b[^<>]{0,4096}?\br:id="([^"<>]{0,256})"[^<>]{0,4096}?\bname="([^"<>]{0,512})"')
_REL_TAG = re.compile(r'<Relationship\b[^<>]{0,4096}?\bId="([^"<>]{0,256})"[^<>]{0,4096}?\bTarget="([^"<>]{0,2048})"')
_REL_TAG_REV = re.compile(r'<Relationship\b[^<>]{0,4096}?\bTarget="([^"<>]{0,2048})"[^<>]{0,4096}?\bId="([^"<>]{0,256})"')


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
    budget_s: float = float(os.environ.get("CM_FILE_BUDGET_S", "5"))   # wall time to read and check one file


DEFAULT = Limits()


class Deadline:
    """The wall-time budget of one file: `check()` raises LimitError once it is spent. Checked between
    the stages of reading and inside every loop over cells, so a slow file is refused within a fraction
    of a second past the budget and the database writer is free again."""

    def __init__(self, seconds: float | None = None):
        self.seconds = DEFAULT.budget_s if seconds is None else seconds
        self.end = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            secs = f"{self.seconds:g}".replace(".", ",")
            raise LimitError(f"Tệp cần xử lý quá {secs} giây (giới hạn thời gian cho mỗi tệp) nên đã dừng đọc để "
                             "không giữ hệ thống: bảng tính quá lớn hoặc quá phức tạp cho một báo cáo tuần; hãy "
                             "xóa các trang, dòng và công thức thừa rồi gửi lại.")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def check(data: bytes, limits: Limits = DEFAULT, deadline: "Deadline | None" = None) -> frozenset[str] | None:
    """Raise LimitError when the file is over a limit; cheap for ordinary reports.

    For a zipped workbook read to the end, returns the names of the members whose XML holds an error
    cell (t="e") or a formula; None when that is not known (not a zip, or a damaged archive whose
    reading stopped early).
    """
    if len(data) > limits.max_file_bytes:
        raise LimitError(f"Tệp quá lớn ({len(data) / 1024 / 1024:.1f} MB, giới hạn "
                         f"{limits.max_file_bytes / 1024 / 1024:.0f} MB): báo cáo tuần thường chỉ vài chục KB; "
                         "hãy xóa các trang tính, hình ảnh không cần thiết rồi gửi lại.")
    if data[:4] == ZIP_MAGIC:
        return _check_zip(data, limits, deadline)
    return None


def sheet_parts(book: str, rels: str) -> dict[str, str]:
    """Sheet name (as written in xl/workbook.xml, XML escapes kept) → the archive path of its XML,
    from xl/workbook.xml and xl/_rels/workbook.xml.rels."""
    if len(book) + len(rels) <= 1 << 14:   # files made from one template share both parts byte for byte
        return dict(_sheet_parts_cached(book, rels))
    return dict(_sheet_parts(book, rels))


def _sheet_parts(book: str, rels: str) -> tuple[tuple[str, str], ...]:
    targets = dict(_REL_TAG.findall(rels)) | {i: t for t, i in _REL_TAG_REV.findall(rels)}
    ids = dict(_SHEET_TAG.findall(book)) | {n: i for i, n in _SHEET_TAG_REV.findall(book)}
    out = {}
    for name, rid in ids.items():
        target = targets.get(rid, "")
        if target:
            out[name] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return tuple(out.items())


_sheet_parts_cached = lru_cache(maxsize=256)(_sheet_parts)


def _too_big(limits: Limits) -> LimitError:
    return LimitError(
        "Tệp giải nén ra quá lớn (hơn "
        f"{min(limits.max_member_bytes, limits.max_uncompressed_bytes) // 1024 // 1024} MB"
        "): có thể là tệp độc hại hoặc bảng tính chứa quá nhiều dữ liệu; hãy gửi báo cáo "
        "theo tệp mẫu.")


def _marked(chunk: bytes) -> bool:
    # plain substring searches (memmem, GB/s): a regular expression here cost seconds on a 40 MB part
    return any(m in chunk for m in _MARKS)


def _check_zip(data: bytes, limits: Limits, deadline: "Deadline | None" = None) -> frozenset[str] | None:
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
    errors: set[str] = set()
    bound = 0
    for m in members:
        if m.compress_type == zipfile.ZIP_DEFLATED:
            bound += m.compress_size * _DEFLATE_MAX_RATIO
        elif m.compress_type == zipfile.ZIP_STORED:
            bound += m.compress_size
        else:
            bound = None
            break
    if bound is not None and bound <= min(limits.max_member_bytes, limits.max_uncompressed_bytes):
        parts = _sheet_paths(data, members, limits)
        if parts is not None:      # the sizes cannot break the limits: inflate the sheets only
            for m in members:
                is_sheet = id(m) in sheets
                if is_sheet or m.filename in parts:
                    size = _inflate(data, m, is_sheet, 0, limits, errors, deadline=deadline)
                    if size is None and _stream(z, m, is_sheet, 0, limits, errors, deadline) is None:
                        return None
            return frozenset(errors)
    total = 0
    for m in members:
        is_sheet = id(m) in sheets
        size = _inflate(data, m, is_sheet, total, limits, errors, deadline=deadline)
        if size is None:  # anything unusual: zipfile's own reading, chunk by chunk
            size = _stream(z, m, is_sheet, total, limits, errors, deadline)
            if size is None:
                return None
        total += size
    return frozenset(errors)


def _sheet_paths(data: bytes, members: list[zipfile.ZipInfo], limits: Limits) -> set[str] | None:
    """The archive paths of the workbook's sheets (set() without a workbook part); None when the
    workbook part or its rels cannot be read plainly (the caller then inflates every member)."""
    by_name = {m.filename: m for m in members}
    texts = []
    for name in (_BOOK, _BOOK_RELS):
        m = by_name.get(name)
        if m is None:
            return set()               # no workbook: the reader has no sheet to look into either
        out: list[bytes] = []
        if _inflate(data, m, False, 0, limits, set(), out) is None:
            return None
        texts.append(out[0].decode("utf-8", "replace"))
    return set(sheet_parts(*texts).values())


def _over(size: int, total: int, limits: Limits) -> bool:
    return size > limits.max_member_bytes or total + size > limits.max_uncompressed_bytes


def _inflate(data: bytes, m: zipfile.ZipInfo, is_sheet: bool, before: int, limits: Limits, errors: set[str],
             keep: list[bytes] | None = None, deadline: "Deadline | None" = None) -> int | None:
    """The real size of a plainly deflated member, inflated straight from the archive's bytes (what
    zipfile would give, without its per-chunk Python); None for any other member, or anything odd
    (the caller then reads it through zipfile, which says what is wrong exactly as before).
    keep: a list to receive the member's bytes (members small enough for one call only)."""
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
    if m.compress_size * _DEFLATE_MAX_RATIO <= _ONE_SHOT:      # cannot inflate past a few MB
        try:
            out = zlib.decompress(memoryview(data)[start:end], -15)
        except zlib.error:
            return None
        if len(out) != m.file_size or zlib.crc32(out) != m.CRC:
            return None
        if is_sheet:
            _check_dimension(m.filename, out[:_CHUNK], limits)  # declared size: refuse before reading
        if _over(len(out), before, limits):
            raise _too_big(limits)
        if _marked(out):
            errors.add(m.filename)
        if keep is not None:
            keep.append(out)
        return len(out)
    if keep is not None:
        return None
    d = zlib.decompressobj(-15)
    raw = memoryview(data)
    pos = start
    pending = b""
    size = crc = 0
    tail = b""
    step = _CHUNK
    while True:
        if not pending and pos < end:    # compressed input a slice at a time (zlib copies what is left)
            pending = raw[pos:min(pos + _CHUNK, end)]
            pos += len(pending)
        # never more than the member declares (zipfile stops there) nor much past the limits
        want = min(step, m.file_size - size + 1, limits.max_member_bytes - size + 1,
                   limits.max_uncompressed_bytes - before - size + 1)
        if deadline is not None:
            deadline.check()
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
        if m.filename not in errors and (_marked(chunk) or (tail and _marked(tail + chunk[:_TAIL]))):
            errors.add(m.filename)
        tail = chunk[-_TAIL:]
        crc = zlib.crc32(chunk, crc)
        if d.eof:
            break
        if not pending and pos >= end and not chunk:
            return None               # the data ends before the deflate stream does
        step = _BIG_CHUNK
    if crc != m.CRC or size != m.file_size:
        return None
    return size


def _stream(z: zipfile.ZipFile, m: zipfile.ZipInfo, is_sheet: bool, before: int, limits: Limits,
            errors: set[str], deadline: "Deadline | None" = None) -> int | None:
    size = 0
    tail = b""
    try:
        with z.open(m) as f:
            while chunk := f.read(_CHUNK):
                if deadline is not None:
                    deadline.check()
                if size == 0 and is_sheet:
                    _check_dimension(m.filename, chunk, limits)  # declared size: refuse before inflating
                size += len(chunk)
                if _over(size, before, limits):
                    raise _too_big(limits)
                if m.filename not in errors and (_marked(chunk) or (tail and _marked(tail + chunk[:_TAIL]))):
                    errors.add(m.filename)
                tail = chunk[-_TAIL:]
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError):
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
