"""What the uploader is told: messages, the per-file result, and the checks that need the campaign.

Every message names the file, the sheet and the cell (A1) it is about, says what is wrong and what to
do, in Vietnamese. Levels:
- error: the whole file is refused (nothing is stored);
- warning: stored, but someone should look (a value far above other units', a "lũy kế" that disagrees
  with earlier reports, a posting count that differs from the listed posts);
- info: stored as read, and how it was read (an old unit name mapped to the new unit, a reworded
  indicator recognised, text converted from TCVN3).

Periods (decided here, documented for the pages that explain them):
- a campaign week (7 days from the campaign's week day) is the norm;
- a longer whole span — two weeks, whole weeks, a calendar month — is accepted with a notice: metrics
  spread a report evenly over its days;
- 7 days not starting on the campaign's week day is accepted with a warning (spread by days too);
- more than 35 days, a period ending before it starts, or a period outside the campaign is refused;
  one only partly inside the campaign is accepted with a warning;
- a period that overlaps a different stored period of the same unit is refused (ingest.py): the same
  days would count twice; the same period is a new version that replaces the old one.

Ceilings (data/indicators.yaml, `ceilings:`): each indicator has the most one unit can report for one
week (× days ÷ 7 for a longer period); a value above it, or not finite, is an error at its cell, and so is
a fraction where the indicator counts things (whole: true). They hold whatever other units reported.

Plausibility (metrics.md): a value is flagged when it exceeds median + k × MAD of the same indicator
and period across units of the same kind (k = params.outlier_k, default 5; skipped under
params.outlier_min_units units, default 8). MAD is floored at 1 so that a column of zeros does not flag
every 1. The "lũy kế" cross-check compares a reported cumulative with the sum of the unit's earlier
current reports plus this one (from the campaign start, or from the phase start when the column says
"từ đầu đợt"), tolerance params.cumulative_tolerance (default 10%).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import duckdb

from loaders.common import formatting

LEVELS = ("error", "warning", "info")
DEFAULTS = {"outlier_k": 5.0, "outlier_min_units": 8, "cumulative_tolerance": 0.10}
MAX_PERIOD_DAYS = 35          # a month, or five campaign weeks


@dataclass
class Message:
    level: str                 # error | warning | info
    text: str
    sheet: str | None = None
    cell: str | None = None

    def to_json(self) -> dict:
        return {"level": self.level, "text": self.text, "sheet": self.sheet, "cell": self.cell}


@dataclass
class FileResult:
    file: str
    status: str                # accepted | unchanged | rejected
    unit_code: str | None
    period_start: date | None
    period_end: date | None
    periods: list[tuple[date, date]]
    messages: list[Message]
    file_hash: str
    submission_ids: list[int] = field(default_factory=list)

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.level == "error"]

    @property
    def warnings(self) -> list[Message]:
        return [m for m in self.messages if m.level == "warning"]

    def to_json(self) -> dict:
        """The CLI contract: one object per file (`python -m loaders ingest --json`)."""
        out = {
            "file": self.file,
            "status": self.status,
            "unit_code": self.unit_code,
            "period_start": self.period_start.isoformat() if self.period_start else None,
            "period_end": self.period_end.isoformat() if self.period_end else None,
            "messages": [m.to_json() for m in self.messages],
        }
        if len(self.periods) > 1:
            out["periods"] = [{"start": a.isoformat(), "end": b.isoformat()} for a, b in self.periods]
        return out


def where(file: str, sheet: str | None = None, cell: str | None = None) -> str:
    parts = [f"Tệp “{file}”"]
    if sheet:
        parts.append(f"trang “{sheet}”")
    if cell:
        parts.append(f"ô {cell}")
    return ", ".join(parts)


def message(level: str, file: str, text: str, sheet: str | None = None, cell: str | None = None) -> Message:
    return Message(level, f"{where(file, sheet, cell)}: {text}", sheet, cell)


def dmy(d: date) -> str:
    return formatting.date_dmy(d)


def param(params: dict, key: str):
    v = (params or {}).get(key)
    return DEFAULTS[key] if v is None else v


# --------------------------------------------------------------------------- periods

def week_of(day: date, week_start: int) -> tuple[date, date]:
    start = day - timedelta(days=(day.isoweekday() - week_start) % 7)
    return start, start + timedelta(days=6)


WEEKDAYS = ["", "thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"]


def check_period(file: str, campaign: dict, start: date, end: date, sheet: str | None,
                 cell: str | None) -> list[Message]:
    """A report period against the campaign: inside it, not reversed, a week or a longer whole span."""
    out: list[Message] = []
    c_start, c_end, ws = campaign["start_date"], campaign["end_date"], campaign["week_start"]
    if end < start:
        return [message("error", file, f"Kỳ báo cáo kết thúc ({dmy(end)}) trước khi bắt đầu ({dmy(start)}): "
                        "hãy sửa lại ngày “từ … đến …”.", sheet, cell)]
    if end < c_start or start > c_end:
        return [message("error", file, f"Kỳ báo cáo {dmy(start)} – {dmy(end)} nằm ngoài thời gian của kế hoạch "
                        f"({dmy(c_start)} – {dmy(c_end)}): hãy kiểm tra lại ngày tháng (nhất là năm) "
                        "hoặc nộp đúng kế hoạch.", sheet, cell)]
    days = (end - start).days + 1
    if days > MAX_PERIOD_DAYS:
        return [message("error", file, f"Kỳ báo cáo {dmy(start)} – {dmy(end)} dài {days} ngày, quá một tháng: "
                        "hãy báo cáo theo tuần (hoặc tối đa theo tháng).", sheet, cell)]
    if start < c_start or end > c_end:
        out.append(message("warning", file, f"Kỳ báo cáo {dmy(start)} – {dmy(end)} chỉ có một phần nằm trong "
                           f"thời gian kế hoạch ({dmy(c_start)} – {dmy(c_end)}); số liệu được chia theo ngày.",
                           sheet, cell))
    aligned = start.isoweekday() == ws and days % 7 == 0
    if days == 7 and aligned:
        return out
    if aligned or (start.day == 1 and (end + timedelta(days=1)).day == 1):
        out.append(message("info", file, f"Báo cáo cho {days} ngày ({dmy(start)} – {dmy(end)}): số liệu được chia "
                           "đều theo ngày cho các tuần của kỳ.", sheet, cell))
        return out
    if start.isoweekday() != ws and days >= 7:
        out.append(message("warning", file, f"Kỳ báo cáo {dmy(start)} – {dmy(end)} không bắt đầu vào "
                           f"{WEEKDAYS[ws]} như tuần của kế hoạch; số liệu được chia theo ngày cho các tuần. "
                           "Lần sau hãy báo cáo theo tuần của kế hoạch (tệp mẫu ghi sẵn).", sheet, cell))
    else:
        out.append(message("info", file, f"Báo cáo cho {days} ngày ({dmy(start)} – {dmy(end)}): số liệu được chia "
                           "theo ngày.", sheet, cell))
    return out


# --------------------------------------------------------------------------- checks against the store

def plausibility(con: duckdb.DuckDBPyConnection, campaign: dict, params: dict,
                 items: list[tuple[str, str, date, date, str, float]]) -> dict[tuple, tuple[float, float, int]]:
    """Values that look too large. items: (unit_code, kind, start, end, indicator, value).

    Returns {(unit_code, start, end, indicator): (median, mad, n_units)} for the flagged ones: the median
    and MAD are those of every unit of the same kind for the same period and indicator (current values,
    the checked values standing for their unit's), as DHIS2's outlier analysis does.
    """
    if not items:
        return {}
    k = float(param(params, "outlier_k"))
    min_units = int(param(params, "outlier_min_units"))
    cols = list(zip(*items))
    rows = con.execute(
        """
        with _new_values as materialized (      -- built once (inlined, its list parameters cost the optimizer ~20 ms)
            select unnest($u) as unit_code, unnest($kind) as kind, unnest($a) as period_start,
                   unnest($b) as period_end, unnest($ind) as indicator_code, unnest($v)::double as value
        ),
        keys as (
            select distinct kind, period_start, period_end, indicator_code from _new_values
        ),
        peers as (      -- every current value of the same indicator, period and unit kind
            select k.kind, k.period_start, k.period_end, k.indicator_code, s.unit_code, v.value
            from keys k
            join submissions s on s.campaign_code = $campaign and s.is_current
                 and s.period_start = k.period_start and s.period_end = k.period_end
            join campaign_units cu on cu.campaign_code = s.campaign_code and cu.unit_code = s.unit_code
                 and cu.kind = k.kind
            join report_values v on v.submission_id = s.id and v.indicator_code = k.indicator_code
        ),
        with_new as (   -- the values being checked count as their unit's (stored or not yet)
            select * from peers p
            where not exists (select 1 from _new_values n where n.unit_code = p.unit_code
                              and n.period_start = p.period_start and n.period_end = p.period_end
                              and n.indicator_code = p.indicator_code)
            union all
            select kind, period_start, period_end, indicator_code, unit_code, value from _new_values
        ),
        stats as (
            select kind, period_start, period_end, indicator_code, median(value) as med, count(*) as n
            from with_new group by all
        ),
        mad as (
            select w.kind, w.period_start, w.period_end, w.indicator_code, median(abs(w.value - s.med)) as mad
            from with_new w join stats s using (kind, period_start, period_end, indicator_code)
            group by all
        )
        select nv.unit_code, nv.period_start, nv.period_end, nv.indicator_code, s.med, m.mad, s.n
        from _new_values nv
        join stats s using (kind, period_start, period_end, indicator_code)
        join mad m using (kind, period_start, period_end, indicator_code)
        where s.n >= $min_units and nv.value > s.med + $k * greatest(m.mad, 1)
        """, {"u": list(cols[0]), "kind": list(cols[1]), "a": list(cols[2]), "b": list(cols[3]),
              "ind": list(cols[4]), "v": [float(x) for x in cols[5]],
              "campaign": campaign["code"], "min_units": min_units, "k": k}).fetchall()
    return {(r[0], r[1], r[2], r[3]): (r[4], r[5], r[6]) for r in rows}


def earlier_sums(con: duckdb.DuckDBPyConnection, campaign_code: str,
                 items: list[tuple[str, date, str, date]]) -> dict[tuple, tuple[float, int]]:
    """Sum of a unit's current values for an indicator in reports ending before a day, from a day.

    items: (unit_code, before_day, indicator, from_day) → {(unit, before, indicator, from): (sum, n_reports)}.
    """
    if not items:
        return {}
    cols = list(zip(*items))
    rows = con.execute(
        """
        with k as (
            select unnest($u) as unit_code, unnest($before) as before_day, unnest($ind) as indicator_code,
                   unnest($frm) as from_day
        )
        select k.unit_code, k.before_day, k.indicator_code, k.from_day,
               coalesce(sum(v.value), 0) as total, count(s.id) as n
        from k
        left join submissions s on s.campaign_code = $campaign and s.is_current
             and s.unit_code = k.unit_code and s.period_end < k.before_day
             and s.period_start >= k.from_day
        left join report_values v on v.submission_id = s.id and v.indicator_code = k.indicator_code
        group by all
        """, {"u": list(cols[0]), "before": list(cols[1]), "ind": list(cols[2]), "frm": list(cols[3]),
              "campaign": campaign_code}).fetchall()
    return {(r[0], r[1], r[2], r[3]): (float(r[4]), int(r[5])) for r in rows}


def fmt_num(v: float) -> str:
    """A value in a message: "1.234" or "1.234,5" (loaders.common.formatting); empty when missing."""
    return formatting.number(v, missing="")


# --------------------------------------------------------------------------- ceilings

_GIVEN: list[dict[str, dict]] = []     # seed_ceilings: kept with a cached campaign index


@lru_cache(maxsize=1)
def ceilings() -> dict[str, dict]:
    """indicator code → {"max_per_week": float, "whole": bool} from the catalog (read once)."""
    if _GIVEN:
        return _GIVEN[0]
    from loaders.reference.indicators import read_catalog

    return {code: {"max_per_week": float(c["max_per_week"]), "whole": bool(c.get("whole", True))}
            for code, c in (read_catalog().get("ceilings") or {}).items()}


def seed_ceilings(given: dict[str, dict]) -> None:
    """The ceilings as ceilings() gave them for the same catalog (loaders.ingest.pipeline.preload_index
    keeps them beside the cached store, whose key covers the catalog), unless read already."""
    if not _GIVEN and ceilings.cache_info().currsize == 0:
        _GIVEN.append(given)


def _shown(v: float) -> str:
    if not math.isfinite(v):
        return "vô hạn"
    if abs(v) >= 1e12:
        return f"{v:.3g}".replace(".", ",")        # 1e+308, not three hundred digits
    return fmt_num(v)


def magnitude_errors(file: str, indicator_info: dict, start: date | None, end: date | None,
                     values) -> list[Message]:
    """Values that cannot be true for one unit: above the indicator's ceiling for the period, not
    finite, or a fraction of something counted. values: parser.model.Value objects."""
    out = []
    caps = ceilings()
    days = (end - start).days + 1 if start and end and end >= start else 7
    for v in values:
        cap = caps.get(v.code)
        info = indicator_info.get(v.code) or {}
        name = info.get("name", v.code)
        x = float(v.value)
        if not math.isfinite(x):
            out.append(message("error", file, f"Số lượng của chỉ tiêu “{name}” không phải là một số hữu hạn: "
                                              "hãy ghi số thật của kỳ báo cáo.", v.sheet, v.cell))
            continue
        if cap is None:
            continue
        limit = cap["max_per_week"] * max(days, 7) / 7
        uom = info.get("uom") or ""
        if x > limit:
            out.append(message(
                "error", file,
                f"Số lượng {_shown(x)} của chỉ tiêu “{name}” vượt quá mức có thể có của một đơn vị trong "
                f"{'một tuần' if days <= 7 else f'{days} ngày'} ({fmt_num(limit)}{' ' + uom if uom else ''}): hãy "
                "kiểm tra lại (gõ thừa chữ số, dán nhầm số điện thoại, số lũy kế?) rồi gửi lại.",
                v.sheet, v.cell))
        elif cap["whole"] and not x.is_integer():
            out.append(message(
                "error", file,
                f"Số lượng {_shown(x)} của chỉ tiêu “{name}” phải là số nguyên (đếm {uom or 'số lượng'}): hãy "
                "sửa lại thành số nguyên (dấu chấm, phẩy hàng nghìn có đúng không?).", v.sheet, v.cell))
    return out
