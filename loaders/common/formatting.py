"""Numbers, percentages and dates as Vietnamese readers write them — the one rule for every output.

Pages, messages about files, reason texts and exports all go through these functions, so the same
value reads the same everywhere:

    count(1234)            → "1.234"        (counts are whole numbers: "." groups thousands)
    number(1234.5)         → "1.234,5"      (a decimal value: "," before the decimals; a whole
    number(1234.0)         → "1.234"         value never shows ",0")
    percent(0.876, 1)      → "87,6%"        (a share given as a fraction of 1)
    date_dmy(date(2025, 11, 19)) → "19/11/2025"

A missing value (None, NaN, NaT, pandas.NA) is never written as "None" or "nan": it becomes
`missing` (an em dash by default; exports and messages pass "").
"""
from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

DASH = "—"


def is_missing(x) -> bool:
    """None, float NaN, pandas NA/NaT — anything that must not be printed as a value."""
    if x is None:
        return True
    try:
        # NaN and NaT are the only values unequal to themselves; pandas.NA raises on bool()
        return bool(x != x)
    except (TypeError, ValueError):
        return True


def _rounded(x, decimals: int) -> Decimal:
    """x rounded half away from zero (what people expect: 0,125 → 0,13, not banker's 0,12)."""
    try:
        d = Decimal(str(x))
    except (InvalidOperation, ValueError):
        d = Decimal(float(x))
    return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _group(digits: str) -> str:
    """"1234567" → "1.234.567"."""
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return ".".join(parts)


def _render(x, decimals: int, trim: bool) -> str:
    d = _rounded(x, decimals)
    sign = "-" if d < 0 else ""
    text = f"{abs(d):.{decimals}f}"
    whole, _, frac = text.partition(".")
    if trim:
        frac = frac.rstrip("0")
    if sign and not any(c != "0" for c in whole + frac):
        sign = ""                                   # "-0" reads as a mistake
    return sign + _group(whole) + ("," + frac if frac else "")


def count(x, missing: str = DASH) -> str:
    """A count: a whole number with "." between thousands (1234 → "1.234"; 12.6 → "13")."""
    if is_missing(x) or (isinstance(x, float) and math.isinf(x)):
        return missing
    return _render(x, 0, trim=True)


def number(x, decimals: int | None = None, missing: str = DASH) -> str:
    """A value that may have decimals: "1.234,5". Whole values print without decimals ("1.234").

    decimals=None keeps up to 2 significant decimals, trailing zeros dropped (1.25 → "1,25",
    1.5 → "1,5"); an integer `decimals` gives exactly that many (number(3, 1) → "3,0").
    """
    if is_missing(x) or (isinstance(x, float) and math.isinf(x)):
        return missing
    if decimals is None:
        return _render(x, 2, trim=True)
    return _render(x, decimals, trim=False)


def percent(x, decimals: int = 0, missing: str = DASH) -> str:
    """A share given as a fraction of 1: percent(0.876, 1) → "87,6%", percent(0.43) → "43%"."""
    if is_missing(x) or (isinstance(x, float) and math.isinf(x)):
        return missing
    return _render(Decimal(str(x)) * 100, decimals, trim=False) + "%"


def date_dmy(d, missing: str = "") -> str:
    """A day as "19/11/2025" (day and month on two digits)."""
    if is_missing(d):
        return missing
    if not isinstance(d, date) and hasattr(d, "to_pydatetime"):   # pandas.Timestamp
        d = d.to_pydatetime()
    if isinstance(d, str):
        try:
            d = date.fromisoformat(d[:10])
        except ValueError:
            return d
    if isinstance(d, datetime):
        d = d.date()
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def period(start, end, missing: str = "") -> str:
    """A reporting period: "08/09/2025 – 14/09/2025"."""
    if is_missing(start) or is_missing(end):
        return missing
    return f"{date_dmy(start)} – {date_dmy(end)}"
