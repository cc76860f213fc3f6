"""A .zip of reports (what an office sends for all its communes at once): each member is a file of its own.

Opened in memory only — nothing is written to disk — and within limits checked before anything is
inflated: the archive's size (CM_MAX_ARCHIVE_MB, default 50), the number of files in it (200), and
each member's real size (inflated with a cap at the single-file limit, never trusting the size the
archive declares). Members are read one at a time, so memory holds one member, not the archive's
content. Folders, macOS resource forks (__MACOSX/, ._name), hidden and Office lock files (~$name) are
skipped; an encrypted member, a member over the limit or an archive inside the archive is refused as
that member, with its reason, and the other members go on.

API
- `is_archive(data) -> bool`          a zip that is not itself a workbook (.xlsx/.xlsm/.xlsb/.ods)
- `check(data)`                       raises ArchiveError when the archive as a whole is refused
- `members(data) -> iterator of (name, bytes | None, refusal | None)`, after check()
- `upload_items(data, file_name) -> iterator of (name, bytes, refusal)`: what the pipeline ingests
"""
from __future__ import annotations

import io
import os
import zipfile
import zlib
from typing import Iterator

from loaders.ingest import limits

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP = b"PK\x05\x06"
MAX_ARCHIVE_BYTES = int(float(os.environ.get("CM_MAX_ARCHIVE_MB", "50")) * 1024 * 1024)
MAX_MEMBERS = 200
_WORKBOOK_PARTS = ("[Content_Types].xml", "mimetype", "xl/workbook.xml", "xl/workbook.bin", "content.xml")
_WORKBOOK_FIRST = frozenset(p.encode() for p in _WORKBOOK_PARTS)


class ArchiveError(ValueError):
    """The archive as a whole is refused; the message is for the uploader, in Vietnamese."""


def _zip(data: bytes) -> zipfile.ZipFile | None:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None


def is_archive(data: bytes) -> bool:
    """A zip archive of files rather than a zipped workbook (only its central directory is read)."""
    if data[:4] not in (ZIP_MAGIC, EMPTY_ZIP):
        return False
    # a workbook's first member is one of its own parts (Excel: [Content_Types].xml, .ods: mimetype):
    # its name, stored plainly in the first local header, tells without parsing the central
    # directory (0.1-0.2 ms a file, parsed again by the reader's limits check anyway)
    if data[:4] == ZIP_MAGIC and data[30:30 + int.from_bytes(data[26:28], "little")] in _WORKBOOK_FIRST:
        return False
    z = _zip(data)
    if z is None:
        return False
    names = set(z.namelist())
    return not any(p in names for p in _WORKBOOK_PARTS)


def _skipped(name: str) -> bool:
    base = name.rstrip("/").rsplit("/", 1)[-1]
    return (name.endswith("/") or name.startswith("__MACOSX/") or "/__MACOSX/" in name
            or base.startswith(("._", "~$", ".~lock", ".")) or base.lower() in ("thumbs.db", "desktop.ini"))


def check(data: bytes) -> None:
    """Raise ArchiveError when the archive cannot be taken at all."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise ArchiveError(f"Tệp nén quá lớn ({len(data) / 1024 / 1024:.1f} MB, giới hạn "
                           f"{MAX_ARCHIVE_BYTES / 1024 / 1024:.0f} MB): hãy chia thành nhiều tệp nén nhỏ hơn "
                           "hoặc gửi từng tệp báo cáo.")
    z = _zip(data)
    if z is None:
        raise ArchiveError("Tệp nén ZIP bị hỏng, không mở được (có thể tải về chưa hết): hãy nén lại các tệp "
                           "báo cáo rồi gửi lại.")
    files = [m for m in z.infolist() if not _skipped(m.filename)]
    if not files:
        raise ArchiveError("Tệp nén ZIP không chứa tệp báo cáo nào: hãy nén các tệp báo cáo Excel rồi gửi lại.")
    if len(files) > MAX_MEMBERS:
        raise ArchiveError(f"Tệp nén có {len(files)} tệp (giới hạn {MAX_MEMBERS}): hãy chia thành nhiều tệp nén "
                           "nhỏ hơn rồi gửi lại.")
    if all(m.flag_bits & 0x1 for m in files):
        raise ArchiveError("Tệp nén ZIP có mật khẩu — hãy nén lại không đặt mật khẩu rồi gửi lại.")


def _read(z: zipfile.ZipFile, m: zipfile.ZipInfo, cap: int) -> bytes | str:
    """The member's bytes, or the reason it is refused (inflated with a cap: declared sizes may lie)."""
    if m.flag_bits & 0x1:
        return "Tệp này trong tệp nén có mật khẩu — hãy nén lại không đặt mật khẩu rồi gửi lại."
    if m.file_size > cap:
        return _too_big(cap)
    try:
        with z.open(m) as f:
            out = f.read(cap + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError, ValueError):
        return "Tệp này trong tệp nén bị hỏng, không giải nén được: hãy nén lại các tệp báo cáo rồi gửi lại."
    if len(out) > cap:
        return _too_big(cap)
    return out


def _too_big(cap: int) -> str:
    return (f"Tệp này trong tệp nén quá lớn (giới hạn {cap / 1024 / 1024:.0f} MB cho một tệp): báo cáo tuần "
            "thường chỉ vài chục KB; hãy xóa các trang, hình ảnh thừa rồi gửi lại.")


def _name(m: zipfile.ZipInfo) -> str:
    """The member's name as its author typed it: Windows zip tools store UTF-8 names without the UTF-8
    flag, which zipfile then decodes as cp437 ("B├ío c├ío.xlsx" for "Báo cáo.xlsx")."""
    if m.flag_bits & 0x800:
        return m.filename
    try:
        return m.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return m.filename


def members(data: bytes) -> Iterator[tuple[str, bytes | None, str | None]]:
    """(name, bytes, None) for each file of the archive, or (name, None, reason) for one refused; in the
    archive's order. Call check() first."""
    z = _zip(data)
    if z is None:
        return
    cap = limits.DEFAULT.max_file_bytes
    for m in z.infolist():
        if _skipped(m.filename):
            continue
        got = _read(z, m, cap)
        name = _name(m)
        if isinstance(got, str):
            yield name, None, got
        elif is_archive(got):
            yield name, None, ("Tệp nén nằm trong tệp nén: hãy giải nén tệp này và gửi các tệp báo cáo bên "
                                     "trong (hoặc nén chúng trực tiếp).")
        else:
            yield name, got, None


def upload_items(data: bytes, file_name: str) -> Iterator[tuple[str, bytes, str | None]]:
    """The files one upload holds, each to be ingested as a file of its own: (name, bytes, refusal).

    A .zip of reports gives its members, named "<archive>/<member>" (the unit and week hints of a file
    name are read from the last part), one at a time; a refused member comes with its reason, and so
    does an archive refused as a whole (archive.py: limits, damage, password). Anything else is itself."""
    if not is_archive(data):
        yield file_name, data, None
        return
    try:
        check(data)
    except ArchiveError as e:
        yield file_name, data, str(e)
        return
    for name, member, refusal in members(data):
        yield f"{file_name}/{name}", member if member is not None else b"", refusal
