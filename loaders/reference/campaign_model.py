"""The one Campaign model: what a plan asks of its reporting units, as every part of the app sees it.

Read from a campaign file (loaders/reference/campaign_file.py checks the file and builds it) or from the
store (`Campaign.from_store`), used by the loader that stores it, the template and demo generators,
ingestion (matching, periods, plausibility parameters) and the settings edits. Validated with pydantic
(unknown fields refused, bounds, a model validator for the dates); frozen, so it can key a cache.

Dates are datetime.date; phase bounds are resolved (a file's {milestone: …} is a date here); week_start
is the ISO weekday (1 = Monday). Older callers read it like the dict it replaces (`c["start"]`,
`c["start_date"]`), and its parts compare equal to the dicts they used to be.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

# Every kind of reporting unit, with the name the UI shows.
KIND_NAMES: dict[str, str] = {
    "xa": "Xã",
    "phuong": "Phường",
    "dac_khu": "Đặc khu",
    "thi_tran": "Thị trấn",
    "huyen": "Huyện, thị xã, thành phố thuộc tỉnh",
    "so_nganh": "Sở, ban, ngành",
    "bao_chi": "Cơ quan báo chí",
    "doan_the": "Mặt trận, đoàn thể, hội",
}
ERAS = ("2025", "legacy")
# Commune-level kinds of each era: their units come from master data, never from the file.
TERRITORIAL_KINDS = {"2025": ("xa", "phuong", "dac_khu"), "legacy": ("xa", "phuong", "thi_tran")}
# Non-territorial kinds whose units the file lists under org_units.
ORG_KINDS = ("so_nganh", "bao_chi", "doan_the")
# Generated at load time from the districts table (legacy campaigns only).
DISTRICT_KIND = "huyen"

WEEKDAYS = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5,
            "saturday": 6, "sunday": 7}

# Metric parameters (../shared/docs/metrics.md) and their defaults.
DEFAULT_WEIGHTS = {"reporting": 3, "progress": 3, "silent_channel": 2, "sharp_drop": 1}
DEFAULT_PARAMS: dict[str, Any] = {
    "weights": DEFAULT_WEIGHTS,
    "missing_weeks": 2,
    "low_rate": 0.75,
    "low_rate_weeks": 4,
    "behind_tolerance": 0.15,
    "pace_weeks": 4,
    "pace_ratio": 0.5,
    "silent_weeks": 4,
    "silent_min_reported": 2,
    "drop_recent_weeks": 2,
    "drop_baseline_weeks": 4,
    "drop_ratio": 0.5,
    "outlier_k": 5,
    "outlier_min_units": 8,
    "cumulative_tolerance": 0.10,
}
INT_PARAMS = {"missing_weeks", "low_rate_weeks", "pace_weeks", "silent_weeks", "silent_min_reported",
              "drop_recent_weeks", "drop_baseline_weeks", "outlier_min_units"}
FRACTION_PARAMS = {"low_rate", "behind_tolerance", "pace_ratio", "drop_ratio", "cumulative_tolerance"}

Number = int | float            # a whole number stays an int (so it is stored and shown as "3", not "3.0")


class Part(BaseModel):
    """Frozen, strict about its fields; readable like the dict it replaces."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __getitem__(self, key: str):
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def get(self, key: str, default=None):
        return getattr(self, key, default)

    def __eq__(self, other) -> bool:
        if isinstance(other, dict):
            return self.model_dump() == other
        return super().__eq__(other)

    def __hash__(self) -> int:
        return hash((type(self), *self.__dict__.values()))


class Milestone(Part):
    code: str
    name: str
    date: date
    note: str | None = None


class Phase(Part):
    number: int = Field(ge=1)
    name: str
    start: date
    end: date
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Phase":
        if self.start > self.end:
            raise ValueError(f"{self.name} kết thúc {self.end} trước khi bắt đầu {self.start}")
        return self


class ReportingKind(Part):
    kind: str
    name: str


class OrgUnit(Part):
    code: str
    name: str
    kind: str


class Task(Part):
    """A minimum asked of every unit of a kind: one indicator, or a whole channel group."""
    kind: str
    group: str
    indicator: str | None = None
    min_per_week: Number | None = Field(default=None, ge=0)
    min_per_phase: Number | None = Field(default=None, ge=0)
    example: bool = False
    note: str | None = None


def _param_field(key: str, default):
    """A parameter's type and bounds: counts of weeks or units ≥ 1, fractions in [0, 1], others ≥ 0."""
    if key in INT_PARAMS:
        return int, Field(default=default, ge=1)
    if key in FRACTION_PARAMS:
        return Number, Field(default=default, ge=0, le=1)
    return Number, Field(default=default, ge=0)


# The parameters of the lagging rules (metrics.md), one field per key of DEFAULT_PARAMS / DEFAULT_WEIGHTS.
Weights = create_model("Weights", __base__=Part, __module__=__name__,
                       **{k: (Number, Field(default=v, ge=0)) for k, v in DEFAULT_WEIGHTS.items()})
Params = create_model("Params", __base__=Part, __module__=__name__,
                      weights=(Weights, Field(default_factory=Weights)),
                      **{k: _param_field(k, v) for k, v in DEFAULT_PARAMS.items() if k != "weights"})


# Column names of the `campaigns` table that older readers use for the model's fields.
_STORE_NAMES = {"start_date": "start", "end_date": "end", "province_code": "province",
                "legacy_province_code": "legacy_province"}


class Campaign(Part):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    issuer: str
    doc_number: str | None = None
    doc_date: date | None = None
    era: Literal["2025", "legacy"]
    province: str = Field(pattern=r"^\d{2,}$")
    legacy_province: str | None = None
    province_name: str | None = None       # from master data, when read from the store
    start: date
    end: date
    demo_today: date | None = None
    milestones: tuple[Milestone, ...] = ()
    overlaps_allowed: bool = False
    overlaps_reason: str | None = None
    phases: tuple[Phase, ...] = Field(min_length=1)
    kinds: tuple[ReportingKind, ...] = Field(min_length=1)
    week_start: int = Field(default=1, ge=1, le=7)
    deadline_days: int = Field(default=1, ge=0, le=30)
    deadline_hour: int = Field(default=17, ge=0, le=23)
    org_units: tuple[OrgUnit, ...] = ()
    tasks: tuple[Task, ...] = ()
    params: Params = Field(default_factory=Params)
    source_file: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> "Campaign":
        if self.start > self.end:
            raise ValueError(f"ngày kết thúc {self.end} trước ngày bắt đầu {self.start}")
        return self

    def __getitem__(self, key: str):
        return super().__getitem__(_STORE_NAMES.get(key, key))

    def get(self, key: str, default=None):
        return super().get(_STORE_NAMES.get(key, key), default)

    # --- calendar

    def week_of(self, day: date) -> tuple[date, date]:
        """The campaign week containing day (any day of it)."""
        start = day - timedelta(days=(day.isoweekday() - self.week_start) % 7)
        return start, start + timedelta(days=6)

    def weeks(self, until: date | None = None) -> list[tuple[date, date]]:
        """Every campaign week from the one holding the start to the one holding min(until, end)."""
        last = min(until or self.end, self.end)
        out, (a, b) = [], self.week_of(self.start)
        while a <= last:
            out.append((a, b))
            a, b = a + timedelta(days=7), b + timedelta(days=7)
        return out

    def deadline(self, week_end: date) -> datetime:
        """When the report of the week ending week_end is due."""
        d = week_end + timedelta(days=self.deadline_days)
        return datetime(d.year, d.month, d.day, self.deadline_hour)

    def phase_of(self, day: date) -> Phase | None:
        return next((p for p in self.phases if p.start <= day <= p.end), None)

    @property
    def province_authority(self) -> str:
        """"UBND TỈNH ĐẮK LẮK" (whether the master data says "Đắk Lắk" or "Tỉnh Đắk Lắk")."""
        name = self.province_name or self.province
        if name.lower().startswith(("tỉnh ", "thành phố ")):
            return f"UBND {name.upper()}"
        return f"UBND TỈNH {name.upper()}"

    # --- the store

    @classmethod
    def from_store(cls, con: duckdb.DuckDBPyConnection, code: str) -> "Campaign | None":
        """The campaign as stored (settings edits included); None when there is no such campaign.

        overlaps_allowed is not stored (it is the plan's word, read from its file when an edit needs it)."""
        row = con.execute(
            """select c.code, c.title, c.issuer, c.doc_number, c.doc_date, c.era, c.province_code,
                      c.legacy_province_code, p.name, c.start_date, c.end_date, c.demo_today, c.week_start,
                      c.deadline_days, c.deadline_hour, c.params, c.source_file
               from campaigns c left join provinces p on p.era = c.era and p.code = c.province_code
               where c.code = ?""", [code]).fetchone()
        if row is None:
            return None
        keys = ("code", "title", "issuer", "doc_number", "doc_date", "era", "province", "legacy_province",
                "province_name", "start", "end", "demo_today", "week_start", "deadline_days",
                "deadline_hour", "params", "source_file")
        data: dict[str, Any] = dict(zip(keys, row))
        data["params"] = json.loads(data["params"]) if isinstance(data["params"], str) else (data["params"] or {})

        def rows(sql: str) -> list[tuple]:
            return con.execute(sql, [code]).fetchall()

        data["milestones"] = [dict(code=c, name=n, date=d, note=note) for c, n, d, note in rows(
            "select code, name, date, note from milestones where campaign_code = ? order by date, code")]
        data["phases"] = [dict(number=n, name=name, start=s, end=e, note=note) for n, name, s, e, note in rows(
            "select number, name, start_date, end_date, note from phases where campaign_code = ? order by number")]
        data["kinds"] = [dict(kind=k, name=n) for k, n in rows(
            "select kind, name from reporting_kinds where campaign_code = ? order by rowid")]
        data["org_units"] = [dict(code=c, name=n, kind=k) for c, n, k in rows(
            f"select code, name, kind from org_units where campaign_code = ? and kind <> '{DISTRICT_KIND}' "
            "order by rowid")]
        data["tasks"] = [
            dict(kind=k, group=g, indicator=i, min_per_week=_number(mw), min_per_phase=_number(mp),
                 example=bool(ex), note=note)
            for k, g, i, mw, mp, ex, note in rows(
                "select unit_kind, group_code, indicator_code, min_per_week, min_per_phase, is_example, note "
                "from tasks where campaign_code = ? order by rowid")]
        return cls.model_validate(data)

    def file_data(self, overlaps_reason: str | None = None) -> dict[str, Any]:
        """The campaign in the campaign-file format (dates as YYYY-MM-DD text), e.g. to check an edit
        with the file's rules (loaders/reference/campaign_file.py)."""
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        raw: dict[str, Any] = {"code": self.code, "title": self.title, "issuer": self.issuer,
                               "doc_number": self.doc_number, "doc_date": iso(self.doc_date),
                               "province": self.province, "era": self.era,
                               "start": iso(self.start), "end": iso(self.end),
                               "overlaps_allowed": self.overlaps_allowed}
        if self.legacy_province:
            raw["legacy_province"] = self.legacy_province
        if self.overlaps_allowed:
            raw["overlaps_reason"] = overlaps_reason or self.overlaps_reason or "cho phép chồng đợt"
        if self.demo_today is not None:
            raw["demo_today"] = iso(self.demo_today)
        raw["milestones"] = [{"code": m.code, "name": m.name, "date": iso(m.date), **({"note": m.note} if m.note else {})}
                             for m in self.milestones]
        raw["phases"] = [{"number": p.number, "name": p.name, "start": iso(p.start), "end": iso(p.end),
                          **({"note": p.note} if p.note else {})} for p in self.phases]
        weekday = {v: k for k, v in WEEKDAYS.items()}[self.week_start]
        raw["reporting"] = {"kinds": [{"kind": k.kind, "name": k.name} for k in self.kinds], "week_start": weekday,
                            "deadline": {"days_after_week_end": self.deadline_days, "hour": self.deadline_hour}}
        raw["org_units"] = [{"code": o.code, "name": o.name, "kind": o.kind} for o in self.org_units]
        tasks: dict[str, list] = {}
        for t in self.tasks:
            item: dict[str, Any] = {"indicator": t.indicator} if t.indicator else {"group": t.group}
            for key in ("min_per_week", "min_per_phase"):
                if getattr(t, key) is not None:
                    item[key] = getattr(t, key)
            item["example"] = t.example
            if t.note:
                item["note"] = t.note
            tasks.setdefault(t.kind, []).append(item)
        raw["tasks"] = tasks
        raw["params"] = self.params.model_dump()
        return raw


def _number(v):
    """A stored minimum as the file carries it: 3.0 → 3, 2.5 → 2.5, None stays None."""
    if v is None or v != v:
        return None
    v = float(v)
    return int(v) if v.is_integer() else v
