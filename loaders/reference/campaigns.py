"""Campaign definitions (data/campaigns/<code>.yaml, one file per plan) into the store.

`read_campaign(path, con=None)` reads and validates one file and returns it normalized: dates as
datetime.date, phase bounds given by milestones resolved, defaults filled in. Every problem raises
`CampaignFileError` whose message is Vietnamese and names the file and the field, e.g.
"Tệp daklak-2025.yaml, trường phases[2].end: ngày '2025-13-01' không đọc được (cần dạng YYYY-MM-DD)".
List indices in field names count from 0.

`load_file(con, path)` replaces that campaign's rows (campaigns, phases, milestones, reporting_kinds,
org_units, tasks) in one transaction with an audit entry; an unchanged file only touches loaded_at.
`load_all(con)` loads every file of the folder. docs/campaigns.md describes the file format.
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import yaml

from loaders.reference import indicators
from loaders.store.db import ROOT, audit, transaction

CAMPAIGNS_DIR = ROOT / "data" / "campaigns"

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
_INT_PARAMS = {"missing_weeks", "low_rate_weeks", "pace_weeks", "silent_weeks", "silent_min_reported",
               "drop_recent_weeks", "drop_baseline_weeks",
               "outlier_min_units"}
_FRACTION_PARAMS = {"low_rate", "behind_tolerance", "pace_ratio", "drop_ratio",
                    "cumulative_tolerance"}

_TOP_KEYS = {"code", "title", "issuer", "doc_number", "doc_date", "province", "era",
             "legacy_province", "start", "end", "overlaps_allowed", "overlaps_reason", "phases",
             "milestones", "reporting", "org_units", "tasks", "params", "demo_today"}
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CampaignFileError(ValueError):
    """A campaign file that cannot be used; the message names the file and the field."""

    def __init__(self, file: str, field: str, problem: str):
        self.file, self.field, self.problem = file, field, problem
        super().__init__(f"Tệp {file}, trường {field}: {problem}")


# --- YAML: dates stay text (so a bad one is reported with its field), duplicate keys are errors.

class _Loader(yaml.SafeLoader):
    pass


# libyaml's parser when PyYAML has it (several times faster); the resolvers and constructors below are
# the same Python code either way. A file it refuses is read again by the pure-Python loader, whose
# messages (line, column, problem) are the ones users see.
class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


_Loader.yaml_implicit_resolvers = _FastLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int):
        self.key, self.line = key, line


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _load_yaml(text: str):
    """The file's data; errors (YAMLError, _DuplicateKey) as the pure-Python loader reports them."""
    if _FastLoader is not _Loader:
        try:
            return yaml.load(text, Loader=_FastLoader)
        except (yaml.YAMLError, _DuplicateKey):
            pass
    return yaml.load(text, Loader=_Loader)


# --- validation helpers

class _Checker:
    """Field-by-field reading of one file; every failure names the file and the field."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, field: str, problem: str):
        raise CampaignFileError(self.file, field, problem)

    def mapping(self, value, field: str) -> dict:
        if not isinstance(value, dict):
            self.fail(field, "cần một bảng khóa: giá trị")
        return value

    def required(self, d: dict, key: str, field: str):
        if key not in d or d[key] is None or d[key] == "" or d[key] == []:
            self.fail(field, "thiếu (bắt buộc)")
        return d[key]

    def text(self, value, field: str, required: bool = True) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(field, "thiếu (bắt buộc)")
            return None
        if isinstance(value, (dict, list)):
            self.fail(field, "cần một chuỗi ký tự")
        return str(value).strip()

    def code(self, value, field: str) -> str:
        s = self.text(value, field)
        if not _CODE.match(s):
            self.fail(field, f"mã '{s}' không hợp lệ (chỉ dùng chữ thường không dấu, số, '-' và '_')")
        return s

    def date(self, value, field: str, required: bool = True) -> date | None:
        if value is None or value == "":
            if required:
                self.fail(field, "thiếu (bắt buộc)")
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        s = str(value).strip()
        try:
            if not _DATE.match(s):
                raise ValueError
            return date.fromisoformat(s)
        except ValueError:
            self.fail(field, f"ngày '{s}' không đọc được (cần dạng YYYY-MM-DD)")

    def integer(self, value, field: str, lo: int | None = None, hi: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, f"'{value}' không phải số nguyên")
        self._range(value, field, lo, hi)
        return value

    def number(self, value, field: str, lo: float | None = None, hi: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(field, f"'{value}' không phải số")
        self._range(value, field, lo, hi)
        return value

    def _range(self, value, field: str, lo, hi) -> None:
        if lo is not None and hi is not None and not lo <= value <= hi:
            self.fail(field, f"{value} nằm ngoài khoảng cho phép [{lo}, {hi}]")
        if lo is not None and value < lo:
            self.fail(field, f"{value} phải lớn hơn hoặc bằng {lo}")
        if hi is not None and value > hi:
            self.fail(field, f"{value} phải nhỏ hơn hoặc bằng {hi}")

    def boolean(self, value, field: str, default: bool = False) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(field, f"'{value}' cần là true hoặc false")
        return value

    def unknown_keys(self, d: dict, allowed: set[str], field: str) -> None:
        extra = sorted(str(k) for k in d if k not in allowed)
        if extra:
            where = f"{field}.{extra[0]}" if field else extra[0]
            self.fail(where, f"khóa không được hỗ trợ (các khóa dùng được: {', '.join(sorted(allowed))})")


def _province_code(ck: _Checker, value, field: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value).zfill(2)
    s = ck.text(value, field)
    if not s.isdigit():
        ck.fail(field, f"mã tỉnh '{s}' không hợp lệ (cần mã số, ví dụ '66')")
    return s.zfill(2)


def _bound(ck: _Checker, value, field: str, milestones: dict[str, date]) -> date:
    """A phase bound: a date, {milestone: code} (that day) or {day_after: code} (the next day)."""
    if isinstance(value, dict):
        ck.unknown_keys(value, {"milestone", "day_after"}, field)
        if len(value) != 1:
            ck.fail(field, "cần đúng một trong hai khóa milestone hoặc day_after")
        (how, ref), = value.items()
        ref = ck.text(ref, f"{field}.{how}")
        if ref not in milestones:
            ck.fail(f"{field}.{how}", f"mốc '{ref}' không có trong milestones")
        return milestones[ref] + timedelta(days=1 if how == "day_after" else 0)
    return ck.date(value, field)


def _catalog() -> tuple[set[str], dict[str, str]]:
    cat = indicators.read_catalog()
    groups = {g["code"] for g in cat["groups"]}
    return groups, {i["code"]: i["group"] for i in cat["indicators"]}


def read_campaign(path: str | Path, con: duckdb.DuckDBPyConnection | None = None) -> dict:
    """Read and validate one campaign file; return it normalized (see the module docstring).

    With a connection, the province (and legacy_province) must exist in the master data of the
    era; without one, that check is skipped.
    """
    path = Path(path)
    ck = _Checker(path.name)
    try:
        raw = _load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        ck.fail("(tệp)", "không tìm thấy tệp")
    except _DuplicateKey as e:
        ck.fail(str(e.key), f"khóa bị lặp lại (dòng {e.line})")
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else "không rõ vị trí"
        ck.fail("(cú pháp YAML)", f"tệp không đọc được ({where}): {getattr(e, 'problem', e)}")
    if raw is None:
        ck.fail("(tệp)", "tệp rỗng")
    raw = ck.mapping(raw, "(tệp)")
    ck.unknown_keys(raw, _TOP_KEYS, "")

    c: dict[str, Any] = {"source_file": path.name}
    c["code"] = ck.code(ck.required(raw, "code", "code"), "code")
    if c["code"] != path.stem:
        ck.fail("code", f"mã kế hoạch '{c['code']}' phải trùng tên tệp '{path.stem}'")
    c["title"] = ck.text(raw.get("title"), "title")
    c["issuer"] = ck.text(raw.get("issuer"), "issuer")
    c["doc_number"] = ck.text(raw.get("doc_number"), "doc_number", required=False)
    c["doc_date"] = ck.date(raw.get("doc_date"), "doc_date", required=False)

    era = ck.text(ck.required(raw, "era", "era"), "era")
    if era not in ERAS:
        ck.fail("era", f"thời kỳ '{era}' không hợp lệ (cần '2025' hoặc 'legacy')")
    c["era"] = era
    c["province"] = _province_code(ck, ck.required(raw, "province", "province"), "province")
    c["legacy_province"] = None
    if raw.get("legacy_province") is not None:
        if era != "2025":
            ck.fail("legacy_province", "chỉ dùng cho kế hoạch thời kỳ '2025' (tỉnh cũ đã hợp nhất)")
        c["legacy_province"] = _province_code(ck, raw["legacy_province"], "legacy_province")

    c["start"] = ck.date(raw.get("start"), "start")
    c["end"] = ck.date(raw.get("end"), "end")
    if c["start"] > c["end"]:
        ck.fail("end", f"ngày kết thúc {c['end']} trước ngày bắt đầu {c['start']}")
    c["demo_today"] = ck.date(raw.get("demo_today"), "demo_today", required=False)
    if c["demo_today"] and not c["start"] <= c["demo_today"] <= c["end"]:
        ck.fail("demo_today", f"ngày {c['demo_today']} nằm ngoài thời gian kế hoạch "
                              f"({c['start']} – {c['end']})")

    # milestones first: phases may be bounded by them
    c["milestones"] = []
    ms = raw.get("milestones") or []
    if not isinstance(ms, list):
        ck.fail("milestones", "cần một danh sách")
    dates: dict[str, date] = {}
    for i, m in enumerate(ms):
        f = f"milestones[{i}]"
        m = ck.mapping(m, f)
        ck.unknown_keys(m, {"code", "name", "date", "note"}, f)
        code = ck.code(m.get("code"), f"{f}.code")
        if code in dates:
            ck.fail(f"{f}.code", f"mã mốc '{code}' bị lặp lại")
        dates[code] = ck.date(m.get("date"), f"{f}.date")
        c["milestones"].append({"code": code, "name": ck.text(m.get("name"), f"{f}.name"),
                                "date": dates[code],
                                "note": ck.text(m.get("note"), f"{f}.note", required=False)})

    c["overlaps_allowed"] = ck.boolean(raw.get("overlaps_allowed"), "overlaps_allowed")
    c["overlaps_reason"] = ck.text(raw.get("overlaps_reason"), "overlaps_reason",
                                   required=c["overlaps_allowed"])
    phases = ck.required(raw, "phases", "phases")
    if not isinstance(phases, list):
        ck.fail("phases", "cần một danh sách các đợt")
    c["phases"] = []
    for i, p in enumerate(phases):
        f = f"phases[{i}]"
        p = ck.mapping(p, f)
        ck.unknown_keys(p, {"number", "name", "start", "end", "note"}, f)
        ph = {"number": ck.integer(ck.required(p, "number", f"{f}.number"), f"{f}.number", lo=1),
              "name": ck.text(p.get("name"), f"{f}.name"),
              "start": _bound(ck, ck.required(p, "start", f"{f}.start"), f"{f}.start", dates),
              "end": _bound(ck, ck.required(p, "end", f"{f}.end"), f"{f}.end", dates),
              "note": ck.text(p.get("note"), f"{f}.note", required=False)}
        if ph["start"] > ph["end"]:
            ck.fail(f"{f}.end", f"{ph['name']} kết thúc {ph['end']} trước khi bắt đầu {ph['start']}")
        if not c["start"] <= ph["start"] <= ph["end"] <= c["end"]:
            ck.fail(f"{f}.start" if ph["start"] < c["start"] else f"{f}.end",
                    f"{ph['name']} ({ph['start']} – {ph['end']}) nằm ngoài thời gian kế hoạch "
                    f"({c['start']} – {c['end']})")
        if c["phases"]:
            prev = c["phases"][-1]
            if ph["number"] <= prev["number"]:
                ck.fail(f"{f}.number", f"số đợt {ph['number']} phải lớn hơn đợt trước ({prev['number']})")
            if ph["start"] < prev["start"]:
                ck.fail(f"{f}.start", f"{ph['name']} bắt đầu {ph['start']}, trước {prev['name']} "
                                      f"({prev['start']}): các đợt phải theo thứ tự thời gian")
            if not c["overlaps_allowed"]:
                if ph["start"] <= prev["end"]:
                    ck.fail(f"{f}.start", f"{ph['name']} bắt đầu {ph['start']}, chồng lên {prev['name']} "
                                          f"(kết thúc {prev['end']}); nếu kế hoạch cho phép, ghi "
                                          "overlaps_allowed: true và overlaps_reason")
                gap = (ph["start"] - prev["end"]).days - 1
                if gap > 0:
                    ck.fail(f"{f}.start", f"{ph['name']} bắt đầu {ph['start']}, cách {prev['name']} "
                                          f"(kết thúc {prev['end']}) {gap} ngày trống")
        c["phases"].append(ph)
    if not c["overlaps_allowed"]:
        if c["phases"][0]["start"] != c["start"]:
            ck.fail("phases[0].start", f"đợt đầu tiên phải bắt đầu đúng ngày bắt đầu kế hoạch ({c['start']})")
        if c["phases"][-1]["end"] != c["end"]:
            ck.fail(f"phases[{len(c['phases']) - 1}].end",
                    f"đợt cuối cùng phải kết thúc đúng ngày kết thúc kế hoạch ({c['end']})")

    # reporting
    rep = ck.mapping(ck.required(raw, "reporting", "reporting"), "reporting")
    ck.unknown_keys(rep, {"kinds", "week_start", "deadline"}, "reporting")
    allowed_kinds = list(TERRITORIAL_KINDS[era]) + list(ORG_KINDS) + ([DISTRICT_KIND] if era == "legacy" else [])
    kinds = ck.required(rep, "kinds", "reporting.kinds")
    if not isinstance(kinds, list):
        ck.fail("reporting.kinds", "cần một danh sách loại đơn vị")
    c["kinds"] = []
    for i, k in enumerate(kinds):
        f = f"reporting.kinds[{i}]"
        if isinstance(k, str):
            k = {"kind": k}
        k = ck.mapping(k, f)
        ck.unknown_keys(k, {"kind", "name"}, f)
        kind = ck.text(k.get("kind"), f"{f}.kind")
        if kind not in KIND_NAMES:
            ck.fail(f"{f}.kind", f"loại đơn vị '{kind}' không có (các loại: {', '.join(KIND_NAMES)})")
        if kind not in allowed_kinds:
            ck.fail(f"{f}.kind", f"loại đơn vị '{kind}' không có trong thời kỳ '{era}' "
                                 f"(dùng được: {', '.join(allowed_kinds)})")
        if any(x["kind"] == kind for x in c["kinds"]):
            ck.fail(f"{f}.kind", f"loại đơn vị '{kind}' bị lặp lại")
        c["kinds"].append({"kind": kind, "name": ck.text(k.get("name"), f"{f}.name", required=False)
                           or KIND_NAMES[kind]})
    kind_set = {k["kind"] for k in c["kinds"]}
    ws = ck.text(rep.get("week_start", "monday"), "reporting.week_start").lower()
    if ws not in WEEKDAYS:
        ck.fail("reporting.week_start", f"'{ws}' không phải ngày trong tuần ({', '.join(WEEKDAYS)})")
    c["week_start"] = WEEKDAYS[ws]
    dl = ck.mapping(rep.get("deadline") or {}, "reporting.deadline")
    ck.unknown_keys(dl, {"days_after_week_end", "hour"}, "reporting.deadline")
    c["deadline_days"] = ck.integer(dl.get("days_after_week_end", 1),
                                    "reporting.deadline.days_after_week_end", lo=0, hi=30)
    c["deadline_hour"] = ck.integer(dl.get("hour", 17), "reporting.deadline.hour", lo=0, hi=23)

    # org units
    c["org_units"] = []
    ous = raw.get("org_units") or []
    if not isinstance(ous, list):
        ck.fail("org_units", "cần một danh sách đơn vị")
    for i, o in enumerate(ous):
        f = f"org_units[{i}]"
        o = ck.mapping(o, f)
        ck.unknown_keys(o, {"code", "name", "kind"}, f)
        code = ck.code(o.get("code"), f"{f}.code")
        if any(x["code"] == code for x in c["org_units"]):
            ck.fail(f"{f}.code", f"mã đơn vị '{code}' bị lặp lại")
        kind = ck.text(o.get("kind"), f"{f}.kind")
        if kind == DISTRICT_KIND:
            ck.fail(f"{f}.kind", "các huyện được tạo tự động từ dữ liệu gốc, không ghi trong tệp")
        if kind not in ORG_KINDS:
            ck.fail(f"{f}.kind", f"loại đơn vị '{kind}' không dùng cho org_units (dùng: {', '.join(ORG_KINDS)})")
        if kind not in kind_set:
            ck.fail(f"{f}.kind", f"loại đơn vị '{kind}' không có trong reporting.kinds")
        c["org_units"].append({"code": code, "name": ck.text(o.get("name"), f"{f}.name"), "kind": kind})

    # tasks
    groups, ind_group = _catalog()
    tasks = ck.mapping(raw.get("tasks") or {}, "tasks")
    c["tasks"] = []
    for kind, items in tasks.items():
        fk = f"tasks.{kind}"
        if kind not in kind_set:
            ck.fail(fk, f"loại đơn vị '{kind}' không có trong reporting.kinds")
        if not isinstance(items, list) or not items:
            ck.fail(fk, "cần một danh sách nhiệm vụ")
        seen = set()
        for i, t in enumerate(items):
            f = f"{fk}[{i}]"
            t = ck.mapping(t, f)
            ck.unknown_keys(t, {"indicator", "group", "min_per_week", "min_per_phase", "example", "note"}, f)
            if ("indicator" in t) == ("group" in t):
                ck.fail(f, "cần đúng một trong hai khóa indicator (chỉ tiêu) hoặc group (nhóm hình thức)")
            if "indicator" in t:
                ind = ck.text(t["indicator"], f"{f}.indicator")
                if ind not in ind_group:
                    ck.fail(f"{f}.indicator", f"chỉ tiêu '{ind}' không có trong danh mục data/indicators.yaml")
                grp = ind_group[ind]
            else:
                ind, grp = None, ck.text(t["group"], f"{f}.group")
                if grp not in groups:
                    ck.fail(f"{f}.group", f"nhóm hình thức '{grp}' không có trong danh mục data/indicators.yaml")
            if (grp, ind) in seen:
                ck.fail(f, f"nhiệm vụ '{ind or grp}' bị lặp lại cho loại đơn vị '{kind}'")
            seen.add((grp, ind))
            mw = t.get("min_per_week")
            mp = t.get("min_per_phase")
            if mw is not None and mp is not None:
                ck.fail(f, "chỉ ghi một trong hai: min_per_week hoặc min_per_phase")
            c["tasks"].append({
                "kind": kind, "group": grp, "indicator": ind,
                "min_per_week": None if mw is None else ck.number(mw, f"{f}.min_per_week", lo=0),
                "min_per_phase": None if mp is None else ck.number(mp, f"{f}.min_per_phase", lo=0),
                "example": ck.boolean(t.get("example"), f"{f}.example"),
                "note": ck.text(t.get("note"), f"{f}.note", required=False),
            })
    for k in c["kinds"]:
        if not any(t["kind"] == k["kind"] for t in c["tasks"]):
            ck.fail(f"tasks.{k['kind']}", f"loại đơn vị '{k['kind']}' báo cáo nhưng chưa được giao nhiệm vụ nào")

    c["params"] = _params(ck, raw.get("params"))

    if con is not None:
        _check_provinces(ck, con, c)
    return c


def _params(ck: _Checker, raw) -> dict:
    raw = ck.mapping(raw or {}, "params")
    ck.unknown_keys(raw, set(DEFAULT_PARAMS), "params")
    out = {}
    for key, default in DEFAULT_PARAMS.items():
        f = f"params.{key}"
        if key == "weights":
            w = ck.mapping(raw.get("weights") or {}, f)
            ck.unknown_keys(w, set(DEFAULT_WEIGHTS), f)
            out[key] = {r: ck.number(w.get(r, d), f"{f}.{r}", lo=0) for r, d in DEFAULT_WEIGHTS.items()}
        elif key in _INT_PARAMS:
            out[key] = ck.integer(raw.get(key, default), f, lo=1)
        elif key in _FRACTION_PARAMS:
            out[key] = ck.number(raw.get(key, default), f, lo=0, hi=1)
        else:
            out[key] = ck.number(raw.get(key, default), f, lo=0)
    return out


def _check_provinces(ck: _Checker, con: duckdb.DuckDBPyConnection, c: dict) -> None:
    """The province (and the old province it absorbed) against master data, when there is some."""
    if con.execute("select count(*) from provinces where era = ?", [c["era"]]).fetchone()[0] == 0:
        return
    if not con.execute("select count(*) from provinces where era = ? and code = ?",
                       [c["era"], c["province"]]).fetchone()[0]:
        ck.fail("province", f"không có tỉnh mã '{c['province']}' trong thời kỳ '{c['era']}'")
    if c["legacy_province"]:
        if not con.execute("select count(*) from provinces where era = 'legacy' and code = ?",
                           [c["legacy_province"]]).fetchone()[0]:
            ck.fail("legacy_province", f"không có tỉnh mã '{c['legacy_province']}' trong thời kỳ 'legacy'")
        merged = con.execute(
            """select count(*) from unit_history h
               join units o on o.era = 'legacy' and o.code = h.old_code
               join units n on n.era = '2025' and n.code = h.new_code
               where o.province_code = ? and n.province_code = ?""",
            [c["legacy_province"], c["province"]]).fetchone()[0]
        if not merged:
            ck.fail("legacy_province", f"tỉnh cũ '{c['legacy_province']}' không thuộc tỉnh '{c['province']}' "
                                       "sau sắp xếp năm 2025")


# --- loading

def _district_units(con: duckdb.DuckDBPyConnection, c: dict) -> list[dict]:
    if DISTRICT_KIND not in {k["kind"] for k in c["kinds"]}:
        return []
    rows = con.execute("select code, name from districts where province_code = ? order by code",
                       [c["province"]]).fetchall()
    if not rows:
        raise CampaignFileError(c["source_file"], "reporting.kinds",
                                f"không tìm thấy huyện nào của tỉnh '{c['province']}' trong dữ liệu gốc "
                                "(chưa nạp dữ liệu đơn vị hành chính?)")
    clash = {code for code, _ in rows} & {o["code"] for o in c["org_units"]}
    if clash:
        raise CampaignFileError(c["source_file"], "org_units",
                                f"mã đơn vị trùng mã huyện: {', '.join(sorted(clash))}")
    return [{"code": code, "name": name, "kind": DISTRICT_KIND} for code, name in rows]


def _rows(c: dict, districts: list[dict]) -> dict[str, list[list]]:
    code = c["code"]
    return {
        "campaigns": [[code, c["title"], c["issuer"], c["doc_number"], c["doc_date"], c["province"], c["era"],
                       c["start"], c["end"], c["week_start"], c["deadline_days"], c["deadline_hour"],
                       c["demo_today"], json.dumps(c["params"], sort_keys=True), c["source_file"],
                       c["legacy_province"]]],
        "phases": [[code, p["number"], p["name"], p["start"], p["end"], p["note"]] for p in c["phases"]],
        "milestones": [[code, m["code"], m["name"], m["date"], m["note"]] for m in c["milestones"]],
        "reporting_kinds": [[code, k["kind"], k["name"]] for k in c["kinds"]],
        "org_units": [[code, o["code"], o["name"], o["kind"]] for o in c["org_units"] + districts],
        "tasks": [[code, t["kind"], t["group"], t["indicator"], t["min_per_week"], t["min_per_phase"],
                   t["example"], t["note"]] for t in c["tasks"]],
    }


_INSERT = {
    "campaigns": "insert into campaigns (code, title, issuer, doc_number, doc_date, province_code, era, "
                 "start_date, end_date, week_start, deadline_days, deadline_hour, demo_today, params, "
                 "source_file, legacy_province_code, source_hash, loaded_at) "
                 "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "phases": "insert into phases (campaign_code, number, name, start_date, end_date, note) values (?, ?, ?, ?, ?, ?)",
    "milestones": "insert into milestones (campaign_code, code, name, date, note) values (?, ?, ?, ?, ?)",
    "reporting_kinds": "insert into reporting_kinds (campaign_code, kind, name) values (?, ?, ?)",
    "org_units": "insert into org_units (campaign_code, code, name, kind) values (?, ?, ?, ?)",
    "tasks": "insert into tasks (campaign_code, unit_kind, group_code, indicator_code, min_per_week, "
             "min_per_phase, is_example, note) values (?, ?, ?, ?, ?, ?, ?, ?)",
}
_KEY = {"campaigns": "code"}  # every other table keys the campaign by campaign_code


def _insert_rows(con: duckdb.DuckDBPyConnection, sql: str, rows: list[list]) -> None:
    """sql ("insert … values (?, …)") for every row, as one statement (executemany runs one per row)."""
    head, one = sql.rsplit(" values ", 1)
    con.execute(f"{head} values {', '.join([one] * len(rows))}", [v for r in rows for v in r])


def load_file(con: duckdb.DuckDBPyConnection, path: str | Path, actor: str = "system") -> str:
    """Replace one campaign's rows from its file, in one transaction; return its code.

    An unchanged file (same rows as last loaded) only updates loaded_at and writes no audit entry.
    """
    return _store(con, read_campaign(path, con), actor)


def _store(con: duckdb.DuckDBPyConnection, c: dict, actor: str) -> str:
    """load_file's writes, for a campaign already read and validated."""
    rows = _rows(c, _district_units(con, c))
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    now = datetime.now()
    with transaction(con):
        old = con.execute("select source_hash from campaigns where code = ?", [c["code"]]).fetchone()
        if old and old[0] == digest:
            con.execute("update campaigns set loaded_at = ? where code = ?", [now, c["code"]])
            return c["code"]
        for table in reversed(_INSERT):  # children first
            con.execute(f"delete from {table} where {_KEY.get(table, 'campaign_code')} = ?", [c["code"]])
        for table, sql in _INSERT.items():
            data = rows[table]
            if table == "campaigns":
                data = [r + [digest, now] for r in data]
            if data:
                _insert_rows(con, sql, data)
        counts = {t: len(r) for t, r in rows.items() if t != "campaigns"}
        audit(con, actor, "campaigns.load" if old is None else "campaigns.reload", c["code"],
              json.dumps({"file": c["source_file"], **counts}, ensure_ascii=False))
    return c["code"]


def load_all(con: duckdb.DuckDBPyConnection, folder: str | Path = CAMPAIGNS_DIR,
             actor: str = "system") -> list[str]:
    """Load every campaign file of the folder (*.yaml, sorted); return their codes.

    Every file is validated before any is loaded, so one broken file loads nothing. Campaigns whose
    file has gone stay in the store (reports may refer to them).
    """
    files = sorted(Path(folder).glob("*.yaml"))
    read = [read_campaign(f, con) for f in files]   # each file read once: validated, then stored
    return [_store(con, c, actor) for c in read]
