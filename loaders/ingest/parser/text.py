"""Cell text of a report sheet: legacy encodings converted, display text of any cell value, and the
row-shape patterns (totals, roman numerals, signature block) every table reader uses."""
from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from loaders.common import formatting
from loaders.common.text import clean, fold
from loaders.ingest import values as vals
from loaders.ingest import vnencoding
from loaders.ingest.reader import Sheet

_fold = lru_cache(maxsize=100_000)(fold)

# --------------------------------------------------------------------------- cell text

@lru_cache(maxsize=100_000)
def _fix(text: str, hint: str | None) -> tuple[str, str | None]:
    fixed, enc = vnencoding.fix_cell(text, hint)
    return clean(fixed), enc


def normalize_sheet(sheet: Sheet) -> set[str]:
    """Convert the sheet's text cells in place: legacy encodings (TCVN3/VNI) to Unicode, NFC, spaces
    and line breaks collapsed. A wholly legacy sheet is recognised as a whole (vnencoding.detect_many),
    so short cells ("cã", "coù") convert too. Returns the encodings met."""
    strings = [v for row in sheet.rows for v in row if v and isinstance(v, str)]
    hint = vnencoding.detect_many(strings) if strings else None
    found: set[str] = set()
    for row in sheet.rows:
        for c, v in enumerate(row):
            if v and isinstance(v, str):
                t, enc = _fix(v, hint)
                if enc:
                    found.add(enc)
                row[c] = t
    return found


class Texts:
    """Display text of a cell value (text cells are already normalised by normalize_sheet)."""

    def __call__(self, v) -> str:
        if v is None or v == "":
            return ""
        if isinstance(v, str):
            return v
        if isinstance(v, bool):
            return "x" if v else ""
        if isinstance(v, datetime):
            v = v.date()
        if isinstance(v, date):
            return f"{v.day:02d}/{v.month:02d}/{v.year}"
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return clean(v)


# --------------------------------------------------------------------------- helpers

_TOTAL = re.compile(r"^(tong cong|cong|tong so|tong|cong chung|tong hop|tong cong:|cong:)\b\s*(:|$|chung|cac|toan)")
_ROMAN = re.compile(r"^(?=[ivxlc])(x{0,3})(ix|iv|v?i{0,3})[.)]?$")
_ROMAN_PREFIX = re.compile(r"^(?=[ivxlc])(x{0,3})(ix|iv|v?i{0,3})[.)/]\s+\S")
_STOP = re.compile(r"^(noi nhan|nguoi lap|nguoi bao cao|tm\.?\s|t/m|chu tich|thu truong|xac nhan|ky ten|"
                   r"pho chu tich|kt\.?\s|ghi chu:)")
_NOT_UNIT = re.compile(r"^(cong hoa xa hoi|doc lap|so:|so \d)")


def _has_number(raw) -> bool:
    if raw in ("", None):
        return False
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)):
        return raw != 0
    try:
        v = vals.parse_number(raw)
    except ValueError:
        return bool(re.search(r"\d", str(raw)))
    return bool(v)


def _is_negative(raw) -> bool:
    if isinstance(raw, bool):
        return False
    if isinstance(raw, (int, float)):
        return raw < 0
    return isinstance(raw, str) and bool(re.match(r"^\s*[-−–—]\s*\d*[.,]?\d*[1-9]", raw))


def _num(v: float) -> str:
    return formatting.number(v, missing="")


def _dmy(d: date) -> str:
    return formatting.date_dmy(d)
