"""Cell values in weekly reports: quantities, flags, dates and report periods.

Offices type numbers, ticks and dates by hand, so each parser takes what a reader returns (int, float,
bool, date, datetime, str) and the spellings offices use. Every failure is a ``ValueError`` whose
Vietnamese message says what was found and what is expected; the caller adds file, sheet and cell.

API
- ``parse_number(v) -> float | None``   quantities (None only for an empty cell)
- ``parse_flag(v) -> int``               ticks: 1 or 0
- ``parse_date(v, default_year=None) -> date``
- ``parse_period(text, file_name=None, week_start=1) -> (start, end)``
- ``find_period(texts, file_name=None, week_start=1) -> (start, end) | None``

Numbers
- Thousands and decimals: a dot or a comma followed by exactly three digits after one to three
  leading digits (not "0") is a thousands separator — "1.200" and "1,200" are 1200, "1.200.000" is
  1200000 — otherwise it is the decimal mark: "1,5" and "1.25" are 1.5 and 1.25, "0,500" is 0.5 and
  "1234,567" is 1234.567 (four leading digits cannot be a thousands group). With both marks the last
  one is the decimal mark ("1.200,5" and "1,200.5" are 1200.5). Spaces may group thousands
  ("1 200"). Any other mixture ("1.2.3", "1,20,000") is an error, not a guess.
- A unit after the number is dropped ("12 tin", "15 (lượt)", "3 lượt/tuần"); text before it, a second
  number ("12 tin, 3 bài"), ranges ("12-15"), percentages and shorthand multipliers ("5k", "2 nghìn",
  "1,2 triệu") are errors: the office must write the plain quantity.
- Empty cell → None; "0", "-", "–", "—", "không", "không có", "ko" → 0.0; negatives → "Số âm …";
  Excel error values ("#REF!", "#VALUE!", "#DIV/0!", "#N/A" …) → an error naming the Excel error;
  True/False and dates in a quantity cell are errors.

Dates are day-first (Vietnamese usage): "08/9/2025", "8-9-2025", "8.9.2025", "08/9/25", "2025-09-08",
"ngày 08 tháng 9 năm 2025", "08/9" (year from ``default_year``), real dates, and Excel serial numbers
(1900 date system) between 1990-01-01 and 2100-12-31. Years outside 1900–2100 are errors.

Periods (``parse_period`` reads one text; diacritics optional, so "Tuan tu ngay …" works too)
- a range: "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025", "từ 08/9 đến 14/9/2025" (a missing year comes
  from the other date, stepping back a year across new year: "29/12 đến 04/01/2026"),
  "Từ ngày 8-9-2025 đến 14-9-2025", "ngày 08 tháng 9 năm 2025 đến ngày 14 tháng 9 năm 2025",
  "từ ngày 08 đến ngày 14/9/2025", "08-14/9/2025"; connectors "đến", "tới", "-", "–", "→";
- a week: "Tuần 37/2025", "Tuần 37 năm 2025", "Tuần số 37 - 2025" (ISO week number). With
  ``week_start`` 1 (Monday, the default) it is the ISO week, Monday to Sunday. Another ``week_start``
  (1 = Monday … 7 = Sunday) gives the seven days starting on that weekday that contain the ISO week's
  Thursday — the same anchor ISO uses — so with week_start=5 "Tuần 37/2025" is Friday 05/9 to
  Thursday 11/9/2025 and with week_start=7 Sunday 07/9 to Saturday 13/9/2025;
- a month: "Tháng 9/2025", "Tháng 9 năm 2025" (the whole month).
A range wins over a week or month in the same text ("Tuần 37 (từ 08/9 đến 14/9/2025)"); the two are
not cross-checked. A single date is not a period (title blocks carry the signing date). "Tuần 2
tháng 9" (a week of a month) is an error asking for the dates, since offices count those weeks
differently. A year missing everywhere else comes from another year written in the same text
("Tuần 37/2025 (08/9 - 14/9)"), else from a 4-digit year in ``file_name``. Start after end → error.

``find_period`` tries each text in order, then all texts joined (a range split over cells, dates in
real date cells included: "Từ ngày" | 08/9/2025 | "đến ngày" | 14/9/2025), then
the file name: "BC_tuan37_2025.xlsx", "bao cao 08.9-14.9.2025.xlsx", and a single date such as
"2025-09-08_xa-ea-kao.xlsx" or "20250908_…" meaning the week (by ``week_start``) containing it.
A text that looks like a period but is wrong raises only if nothing else yields a period.
"""
from __future__ import annotations

import calendar
import math
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from loaders.common.text import clean, fold
from loaders.ingest.formulas import UnevaluatedFormula

__all__ = ["parse_number", "parse_flag", "parse_date", "parse_period", "find_period", "EXCEL_ERRORS"]

EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!")
_EXCEL_ERROR = re.compile(r"#(?:N/A|[A-Z][A-Z0-9/_]*[!?]|DIV/0!|GETTING_DATA)", re.I)

_MIN_YEAR, _MAX_YEAR = 1900, 2100
_EXCEL_EPOCH = date(1899, 12, 30)                 # serial 1 = 1900-01-01 past Excel's leap-year bug
_SERIAL_MIN = (date(1990, 1, 1) - _EXCEL_EPOCH).days
_SERIAL_MAX = (date(2100, 12, 31) - _EXCEL_EPOCH).days


def _show(v) -> str:
    """The value as the message quotes it (short)."""
    s = clean(v) if isinstance(v, str) else str(v)
    return s if len(s) <= 60 else s[:57] + "…"


def _excel_error(s: str) -> str | None:
    m = _EXCEL_ERROR.fullmatch(s.strip())
    return m.group(0).upper() if m else None


def _raise_excel_error(err: str, expected: str):
    raise ValueError(f"Ô có lỗi công thức Excel {err}; cần sửa công thức hoặc nhập {expected}.")


# --- numbers ------------------------------------------------------------------------------------
_ZERO_WORDS = frozenset(("0", "-", "–", "—", "khong", "khong co", "ko", "k co"))
_NUMBER = re.compile(
    r"(?P<sign>[-+−–—]\s*)?(?P<num>[0-9](?:[0-9., ]*[0-9])?|[.,][0-9]+)\s*(?P<unit>.*)")
_UNIT = re.compile(r"\.|\(?\s*[^\W\d_][^0-9]*")
_MULTIPLIER = re.compile(r"(?:k|nghin|ngan|trieu|ty|ti)\b")
_NUMBER_HELP = "một số không âm, ví dụ 12, 1.200 hoặc 1,5"


def _grouped(parts: list[str]) -> bool:
    head = parts[0]
    return (len(parts) > 1 and 1 <= len(head) <= 3 and head[0] != "0"
            and all(len(p) == 3 and p.isdigit() for p in parts[1:]) and head.isdigit())


def _to_float(num: str) -> float | None:
    """The value of "1.200", "1,5", "1.200,5", "1 200" … or None when the marks make no sense."""
    seps = [c for c in num if c in ".," or c == " "]
    if not seps:
        return float(num)
    if num[0] in ".,":
        return float("0." + num[1:]) if len(seps) == 1 else None
    kinds = set(seps)
    if len(kinds) == 1:
        sep = seps[0]
        parts = num.split(sep)
        if sep != " " and len(parts) == 2:
            head, tail = parts
            if not (head.isdigit() and tail.isdigit()):
                return None
            if len(tail) == 3 and 1 <= len(head) <= 3 and head[0] != "0":
                return float(head + tail)                     # "1.200", "1,200": thousands
            return float(f"{head}.{tail}")                    # "1,5", "0,500", "1234,567"
        return float("".join(parts)) if _grouped(parts) else None
    if len(kinds) == 2 and seps[-1] in ".," and seps.count(seps[-1]) == 1:
        head, tail = num.rsplit(seps[-1], 1)
        group = (kinds - {seps[-1]}).pop()
        if tail.isdigit() and _grouped(head.split(group)):
            return float(head.replace(group, "") + "." + tail)
    return None


def parse_number(v) -> float | None:
    """A non-negative quantity from a cell: None for an empty cell, 0.0 for "-", "không", "0"."""
    if v is None:
        return None
    if isinstance(v, UnevaluatedFormula):
        raise ValueError(v.message())
    if isinstance(v, bool):
        raise ValueError(f"Ô có giá trị đúng/sai ({'TRUE' if v else 'FALSE'}); cần {_NUMBER_HELP}.")
    if isinstance(v, (datetime, date, time)):
        raise ValueError(f'Ô chứa ngày/giờ "{_show(v)}"; cần {_NUMBER_HELP}.')
    if isinstance(v, (int, float, Decimal)):
        try:
            x = float(v)
        except (OverflowError, ValueError, InvalidOperation):
            raise ValueError(f'Số "{_show(v)}" quá lớn; cần {_NUMBER_HELP}.') from None
        if math.isnan(x):
            return None
        return _checked(x, v)
    s = clean(v)
    if not s:
        return None
    err = _excel_error(s)
    if err:
        _raise_excel_error(err, _NUMBER_HELP)
    if fold(s) in _ZERO_WORDS:
        return 0.0
    m = _NUMBER.fullmatch(s)
    if m is None:
        raise ValueError(f'"{_show(s)}" không phải là số; cần {_NUMBER_HELP}.')
    unit = m["unit"]
    if unit and _UNIT.fullmatch(unit) is None:
        raise ValueError(f'"{_show(s)}" không phải là một số lượng; cần {_NUMBER_HELP} '
                         "(có thể kèm đơn vị như \"12 tin\").")
    if unit and _MULTIPLIER.match(fold(unit).lstrip("( ")):
        raise ValueError(f'"{_show(s)}" viết tắt hàng nghìn/triệu; cần ghi đủ số, ví dụ 5.000.')
    x = _to_float(m["num"])
    if x is None:
        raise ValueError(f'"{_show(s)}": dấu chấm/phẩy không đúng cách viết số; cần {_NUMBER_HELP}.')
    if m["sign"] and m["sign"][0] != "+" and x != 0:
        raise ValueError(f'Số âm "{_show(s)}": số lượng không được âm; cần số từ 0 trở lên.')
    return _checked(x, s)


def _checked(x: float, shown) -> float:
    if math.isinf(x):
        raise ValueError(f'Số "{_show(shown)}" quá lớn; cần {_NUMBER_HELP}.')
    if x < 0:
        raise ValueError(f'Số âm "{_show(shown)}": số lượng không được âm; cần số từ 0 trở lên.')
    return float(x) + 0.0                                 # -0.0 → 0.0


# --- flags --------------------------------------------------------------------------------------
_TRUE_WORDS = frozenset(("x", "co", "✓", "✔", "☑", "√", "✅", "yes", "y", "1", "dat", "da"))
_FALSE_WORDS = frozenset(("", "khong", "ko", "k", "0", "-", "–", "—", "no", "n", "chua"))


def parse_flag(v) -> int:
    """1 for a tick ("x", "có", "✓", 1, True), 0 for no tick ("", "không", "-", 0, None)."""
    if v is None:
        return 0
    if isinstance(v, UnevaluatedFormula):
        raise ValueError(v.message())
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float, Decimal)):
        try:
            x = float(v)
        except (OverflowError, ValueError, InvalidOperation):
            x = math.inf
        if math.isnan(x):
            return 0
        if x in (0.0, 1.0):
            return int(x)
        raise ValueError(f'Ô đánh dấu có giá trị "{_show(v)}"; cần "x" (có) hoặc để trống (không).')
    s = clean(v)
    err = _excel_error(s)
    if err:
        _raise_excel_error(err, '"x" hoặc để trống')
    f = fold(s)
    if f in _TRUE_WORDS:
        return 1
    if f in _FALSE_WORDS:
        return 0
    raise ValueError(f'Ô đánh dấu có giá trị "{_show(s)}"; cần "x" (có) hoặc để trống (không).')


# --- dates --------------------------------------------------------------------------------------
_DATE_HELP = 'một ngày, ví dụ 08/9/2025 hoặc "ngày 08 tháng 9 năm 2025"'
# Everything a folded title text may state, in the order tried at one position: ISO date, 20250908,
# day range "08-14/9/2025", "08 thang 9 nam 2025", day-first "08/9/2025" (one separator throughout,
# year optional), a bare day before a connector ("tu ngay 08 den …"), a week of a month, a week, a month.
_TOKEN = re.compile(
    r"(?<![0-9])(?:"
    r"(?P<iso_y>[0-9]{4})(?P<iso_s>[-/.])(?P<iso_m>[0-9]{1,2})(?P=iso_s)(?P<iso_d>[0-9]{1,2})"
    r"|(?P<ymd>20[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))"
    r"|(?P<dr_d1>[0-9]{1,2}) ?[-–] ?(?P<dr_d2>[0-9]{1,2})(?P<dr_s>[/.])(?P<dr_m>[0-9]{1,2})"
    r"(?P=dr_s)(?P<dr_y>[0-9]{4}|[0-9]{2})"
    r"|(?P<vn_d>[0-9]{1,2}) ?thang ?(?P<vn_m>[0-9]{1,2})(?: ?(?:nam|[-/.,]) ?(?P<vn_y>[0-9]{4}))?"
    r"|(?P<d>[0-9]{1,2})(?P<s>[-/.])(?P<m>[0-9]{1,2})(?:(?P=s)(?P<y>[0-9]{4}|[0-9]{2}))?"
    r"|(?:(?<=ngay )|(?<=tu ))(?P<day>[0-9]{1,2})(?= ?(?:den|toi|[-–—~→]))"
    r")(?![0-9])"
    r"|\b(?:tuan|week) ?(?:so |thu )?(?P<wm_w>[0-9]{1,2}) ?(?:cua )?thang ?(?P<wm_m>[0-9]{1,2})"
    r"|\b(?:tuan|week) ?(?:so |thu )?(?P<w>[0-9]{1,2})(?![0-9])(?:_YEAR_SEP(?P<w_y>[0-9]{4})(?![0-9]))?"
    r"|\bthang ?(?P<mo_m>[0-9]{1,2})(?![0-9])(?:_YEAR_SEP(?P<mo_y>[0-9]{4})(?![0-9]))?"
    .replace("_YEAR_SEP", r"(?: ?(?:nam|[-/.,]) ?| )")          # "/2025", " năm 2025", " - 2025", " 2025"
)
_CONNECTOR = re.compile(r" ?(?:den|toi|[-–—~→]|->)(?: het)?(?: ngay)? ?")
_YEAR_IN_NAME = re.compile(r"(?<![0-9])(19[0-9]{2}|20[0-9]{2})(?![0-9])")


def _year(y: str | int | None) -> int | None:
    if y is None:
        return None
    y = int(y)
    if y < 100:
        y += 2000
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        raise ValueError(f"Năm {y} không hợp lệ; cần năm từ {_MIN_YEAR} đến {_MAX_YEAR}.")
    return y


def _make(d: int, m: int, y: int | None, shown: str) -> date:
    if y is None:
        raise ValueError(f'Ngày "{shown}" thiếu năm; cần ghi đủ ngày/tháng/năm, ví dụ 08/9/2025.')
    if not 1 <= m <= 12:
        raise ValueError(f'"{shown}" có tháng {m} không hợp lệ; cần ghi theo thứ tự ngày/tháng/năm, '
                         "ví dụ 08/9/2025.")
    try:
        return date(y, m, d)
    except ValueError:
        raise ValueError(f'Ngày "{shown}" không có thật (tháng {m}/{y} không có ngày {d}); '
                         f"cần {_DATE_HELP}.") from None


class _Tok:
    __slots__ = ("kind", "d", "m", "y", "d2", "start", "end", "text")

    def __init__(self, kind, m: re.Match, d=None, mo=None, y=None, d2=None):
        self.kind, self.d, self.m, self.y, self.d2 = kind, d, mo, y, d2
        self.start, self.end, self.text = m.start(), m.end(), m.group(0)


def _tokens(f: str) -> list[_Tok]:
    out = []
    for m in _TOKEN.finditer(f):
        g = m.groupdict()
        i = lambda k: None if g[k] is None else int(g[k])          # noqa: E731
        if g["iso_y"]:
            out.append(_Tok("date", m, i("iso_d"), i("iso_m"), _year(g["iso_y"])))
        elif g["ymd"]:
            s = g["ymd"]
            out.append(_Tok("date", m, int(s[6:]), int(s[4:6]), _year(s[:4])))
        elif g["dr_d1"]:
            out.append(_Tok("dayrange", m, i("dr_d1"), i("dr_m"), _year(g["dr_y"]), i("dr_d2")))
        elif g["vn_d"]:
            out.append(_Tok("date", m, i("vn_d"), i("vn_m"), _year(g["vn_y"])))
        elif g["d"]:
            out.append(_Tok("date", m, i("d"), i("m"), _year(g["y"])))
        elif g["day"]:
            out.append(_Tok("day", m, i("day")))
        elif g["wm_w"]:
            out.append(_Tok("weekofmonth", m, i("wm_w"), i("wm_m")))
        elif g["w"]:
            out.append(_Tok("week", m, i("w"), None, _year(g["w_y"])))
        elif g["mo_m"]:
            out.append(_Tok("month", m, None, i("mo_m"), _year(g["mo_y"])))
    return out


def parse_date(v, default_year: int | None = None) -> date:
    """A date from a cell: a real date, an Excel serial number, or day-first text."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if v is None or isinstance(v, (bool, time)):
        raise ValueError(f'Ô có giá trị "{_show(v) if v is not None else ""}"; cần {_DATE_HELP}.')
    if isinstance(v, (int, float, Decimal)):
        return _serial(v)
    s = clean(v)
    if not s:
        raise ValueError(f"Ô trống; cần {_DATE_HELP}.")
    err = _excel_error(s)
    if err:
        _raise_excel_error(err, _DATE_HELP)
    if re.fullmatch(r"[0-9]{5}(?:[.,][0-9]+)?", s):
        return _serial(float(s.replace(",", ".")))
    f = fold(s)
    dates = [t for t in _tokens(f) if t.kind == "date"]
    rest = f
    for t in reversed(dates):
        rest = rest[:t.start] + rest[t.end:]
    # "08/9/2025 0:00:00" (a datetime written out) keeps its time: drop it
    rest = re.sub(r"\b[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?\b", "", rest)
    if len(dates) != 1 or re.search(r"[0-9]", rest):
        raise ValueError(f'"{_show(s)}" không phải là một ngày; cần {_DATE_HELP}.')
    t = dates[0]
    y = t.y if t.y is not None else (_year(default_year) if default_year is not None else None)
    return _make(t.d, t.m, y, clean(v))


def _serial(v) -> date:
    try:
        x = float(v)
    except (OverflowError, ValueError, InvalidOperation):
        x = math.nan
    if not math.isfinite(x) or not _SERIAL_MIN <= x < _SERIAL_MAX + 1:
        raise ValueError(f'Số "{_show(v)}" không phải là ngày Excel hợp lệ (từ năm 1990 đến 2100); '
                         f"cần {_DATE_HELP}.")
    return _EXCEL_EPOCH + timedelta(days=int(x))


# --- periods ------------------------------------------------------------------------------------
_PERIOD_HELP = ('ví dụ "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025", "Tuần 37/2025" '
                'hoặc "Tháng 9/2025"')


def _week(week: int, year: int | None, week_start: int, shown: str) -> tuple[date, date]:
    if year is None:
        raise ValueError(f'"{shown}" thiếu năm; cần ghi ví dụ "Tuần {week}/2025".')
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f'"{shown}": năm {year} không có tuần {week}; tuần đánh số từ 1 đến 52 '
                         "(hoặc 53).") from None
    thursday = monday + timedelta(days=3)
    start = thursday - timedelta(days=(4 - week_start) % 7)
    return start, start + timedelta(days=6)


def _month(month: int, year: int | None, shown: str) -> tuple[date, date]:
    if year is None:
        raise ValueError(f'"{shown}" thiếu năm; cần ghi ví dụ "Tháng {month}/2025".')
    if not 1 <= month <= 12:
        raise ValueError(f'"{shown}": tháng {month} không hợp lệ; cần tháng từ 1 đến 12.')
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _period_in(f: str, year_hint: int | None, week_start: int, shown: str) -> tuple[date, date] | None:
    """The period a folded text states, None if it states none; ValueError if it states a bad one."""
    tokens = _tokens(f)
    # a year written elsewhere in the same text ("Tuần 37/2025 (08/9 - 14/9)") beats the file name's
    year_hint = next((t.y for t in tokens if t.y is not None), year_hint)
    for t in tokens:
        if t.kind == "dayrange":
            return _ordered(_make(t.d, t.m, t.y, t.text), _make(t.d2, t.m, t.y, t.text), shown)
    for a, b in zip(tokens, tokens[1:]):
        if a.kind in ("date", "day") and b.kind == "date" and _CONNECTOR.fullmatch(f[a.end:b.start]):
            return _pair(a, b, year_hint, shown)
    for t in tokens:
        if t.kind == "weekofmonth":
            raise ValueError(f'"{shown}" ghi tuần theo tháng (tuần {t.d} tháng {t.m}), cách đếm không '
                             f"thống nhất; cần ghi rõ từ ngày … đến ngày …, {_PERIOD_HELP}.")
        if t.kind == "week":
            return _week(t.d, t.y if t.y is not None else year_hint, week_start, shown)
    for t in tokens:
        if t.kind == "month":
            return _month(t.m, t.y if t.y is not None else year_hint, shown)
    return None


def _pair(a: _Tok, b: _Tok, year_hint: int | None, shown: str) -> tuple[date, date]:
    if a.kind == "day":                               # "từ ngày 08 đến ngày 14/9/2025"
        m1, y1 = b.m, b.y
        if b.m is not None and a.d > b.d:             # "từ 29 đến 04/01": the month before
            m1 = b.m - 1 or 12
            if b.m == 1 and y1 is not None:
                y1 -= 1
        if y1 is None and year_hint is not None:
            y1 = year_hint - (1 if b.m == 1 and m1 == 12 else 0)
        end = _make(b.d, b.m, b.y if b.y is not None else year_hint, b.text)
        return _ordered(_make(a.d, m1, y1, f"{a.text} … {b.text}"), end, shown)
    y1, y2 = a.y, b.y
    if y1 is None and y2 is None:
        y1 = y2 = year_hint
        if year_hint is None:
            raise ValueError(f'"{shown}" thiếu năm; cần ghi đủ năm, ví dụ "từ 08/9 đến 14/9/2025".')
    elif y1 is None:
        y1 = y2 - 1 if (a.m, a.d) > (b.m, b.d) else y2
    elif y2 is None:
        y2 = y1 + 1 if (b.m, b.d) < (a.m, a.d) else y1
    return _ordered(_make(a.d, a.m, _year(y1), a.text), _make(b.d, b.m, _year(y2), b.text), shown)


def _ordered(start: date, end: date, shown: str) -> tuple[date, date]:
    if start > end:
        raise ValueError(f'"{shown}": ngày bắt đầu {start:%d/%m/%Y} sau ngày kết thúc {end:%d/%m/%Y}; '
                         "cần ghi từ ngày sớm hơn đến ngày muộn hơn.")
    return start, end


def _check_week_start(week_start: int) -> None:
    if isinstance(week_start, bool) or week_start not in range(1, 8):
        raise ValueError(f"week_start={week_start!r} không hợp lệ; cần 1 (thứ Hai) đến 7 (Chủ nhật).")


def _name_stem(file_name: str) -> str:
    base = re.split(r"[/\\]", str(file_name))[-1]
    base = re.sub(r"\.(xlsx|xlsm|xls|ods|csv)$", "", base, flags=re.I)
    return re.sub(r"[_+]+", " ", fold(base))


def _year_hint(file_name: str | None) -> int | None:
    if not file_name:
        return None
    m = _YEAR_IN_NAME.search(_name_stem(file_name))
    return int(m.group(1)) if m else None


def parse_period(text: str, file_name: str | None = None, week_start: int = 1) -> tuple[date, date]:
    """(first day, last day) of the report period stated by `text`; rules in the module notes."""
    _check_week_start(week_start)
    shown = _show(text) if text is not None else ""
    period = _period_in(fold(text), _year_hint(file_name), week_start, shown)
    if period is None:
        raise ValueError(f'Không đọc được kỳ báo cáo trong "{shown}"; cần {_PERIOD_HELP}.')
    return period


def _period_from_name(file_name: str, week_start: int) -> tuple[date, date] | None:
    stem = _name_stem(file_name)
    period = _period_in(stem, _year_hint(file_name), week_start, _show(file_name))
    if period is not None:
        return period
    dates = [t for t in _tokens(stem) if t.kind == "date" and t.y is not None]
    if len(dates) == 1:
        t = dates[0]
        day = _make(t.d, t.m, t.y, t.text)
        start = day - timedelta(days=(day.isoweekday() - week_start) % 7)
        return start, start + timedelta(days=6)
    return None


def find_period(texts, file_name: str | None = None, week_start: int = 1) -> tuple[date, date] | None:
    """The period stated in title-block strings, else in the file name, else None."""
    _check_week_start(week_start)
    hint = _year_hint(file_name)
    strings = [f"{t:%d/%m/%Y}" if isinstance(t, (date, datetime)) else t for t in texts]
    strings = [t for t in strings if isinstance(t, str) and t.strip()]
    first_error: ValueError | None = None
    candidates = [(fold(s), _show(s)) for s in strings]
    if len(strings) > 1:
        joined = " ".join(strings)
        candidates.append((fold(joined), _show(joined)))
    for folded, shown in candidates:
        try:
            period = _period_in(folded, hint, week_start, shown)
        except ValueError as e:
            first_error = first_error or e
            continue
        if period is not None:
            return period
    if file_name:
        try:
            period = _period_from_name(file_name, week_start)
        except ValueError as e:
            first_error = first_error or e
            period = None
        if period is not None:
            return period
    if first_error is not None:
        raise first_error
    return None
