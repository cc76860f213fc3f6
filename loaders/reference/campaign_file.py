"""A campaign file (data/campaigns/<code>.yaml) checked against its format and rules, into a Campaign.

The file's format is described by pydantic models (unknown keys refused, bounds on numbers); the rules
that tie fields together (phases tile the campaign, kinds of the era, tasks for every kind, milestones
referred to) are the model validator of the file. Every problem becomes a `CampaignFileError` whose
message is Vietnamese and names the file and the field as written in the file (list indices from 0):
"Tệp daklak-2025.yaml, trường phases[2].end: ngày '2025-13-01' không đọc được (cần dạng YYYY-MM-DD)".
docs/campaigns.md describes the format.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import partial
from typing import Annotated, Any

from pydantic import (BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo, create_model,
                      model_validator)
from pydantic_core import PydanticCustomError

from loaders.reference.campaign_rules import check, problem
from loaders.reference.campaign_model import (DEFAULT_PARAMS, DEFAULT_WEIGHTS, ERAS, FRACTION_PARAMS, INT_PARAMS,
                                              KIND_NAMES, WEEKDAYS, Campaign)

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CampaignFileError(ValueError):
    """A campaign file that cannot be used; the message names the file and the field."""

    def __init__(self, file: str, field: str, problem: str):
        self.file, self.field, self.problem = file, field, problem
        super().__init__(f"Tệp {file}, trường {field}: {problem}")


# --- scalar values as the file writes them (YAML dates stay text: a bad one is reported with its field)

def _missing(v) -> bool:
    return v is None or v == "" or v == []


def _text(v, required: bool = True):
    if v is None or (isinstance(v, str) and not v.strip()):
        if required:
            raise problem("thiếu (bắt buộc)")
        return None
    if isinstance(v, (dict, list)):
        raise problem("cần một chuỗi ký tự")
    return str(v).strip()


def _code(v):
    s = _text(v)
    if not _CODE.match(s):
        raise problem(f"mã '{s}' không hợp lệ (chỉ dùng chữ thường không dấu, số, '-' và '_')")
    return s


def _date(v, required: bool = True):
    if v is None or v == "":
        if required:
            raise problem("thiếu (bắt buộc)")
        return None
    if isinstance(v, date) and not isinstance(v, datetime):
        return v
    s = str(v).strip()
    try:
        if not _DATE.match(s):
            raise ValueError
        return date.fromisoformat(s)
    except ValueError:
        raise problem(f"ngày '{s}' không đọc được (cần dạng YYYY-MM-DD)") from None


def _range(v, lo, hi):
    if lo is not None and hi is not None and not lo <= v <= hi:
        raise problem(f"{v} nằm ngoài khoảng cho phép [{lo}, {hi}]")
    if lo is not None and v < lo:
        raise problem(f"{v} phải lớn hơn hoặc bằng {lo}")
    if hi is not None and v > hi:
        raise problem(f"{v} phải nhỏ hơn hoặc bằng {hi}")
    return v


def _integer(v, lo=None, hi=None):
    if isinstance(v, bool) or not isinstance(v, int):
        raise problem(f"'{v}' không phải số nguyên")
    return _range(v, lo, hi)


def _number(v, lo=None, hi=None):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise problem(f"'{v}' không phải số")
    return _range(v, lo, hi)


def _boolean(v):
    if v is None:
        return False
    if not isinstance(v, bool):
        raise problem(f"'{v}' cần là true hoặc false")
    return v


def _province(v):
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v).zfill(2)
    s = _text(v)
    if not s.isdigit():
        raise problem(f"mã tỉnh '{s}' không hợp lệ (cần mã số, ví dụ '66')")
    return s.zfill(2)


def _list(what: str, required: bool = False):
    def check(v):
        if _missing(v):
            if required:
                raise problem("thiếu (bắt buộc)")
            return []
        if not isinstance(v, list):
            raise problem(f"cần một danh sách{what}")
        return v
    return BeforeValidator(check)


def _bound(v):
    """A phase bound: a date, {milestone: code} (that day) or {day_after: code} (the next day)."""
    if _missing(v):
        raise problem("thiếu (bắt buộc)")
    if isinstance(v, dict):
        extra = sorted(str(k) for k in v if k not in ("milestone", "day_after"))
        if extra:
            raise problem("khóa không được hỗ trợ (các khóa dùng được: day_after, milestone)", extra[0])
        if len(v) != 1:
            raise problem("cần đúng một trong hai khóa milestone hoặc day_after")
        (how, ref), = v.items()
        try:
            return (how, _text(ref))
        except PydanticCustomError as e:
            raise problem(e.context["problem"], how) from None
    return _date(v)


Text = Annotated[str, BeforeValidator(_text)]
OptText = Annotated[str | None, BeforeValidator(partial(_text, required=False))]
Code = Annotated[str, BeforeValidator(_code)]
Day = Annotated[date, BeforeValidator(_date)]
OptDay = Annotated[date | None, BeforeValidator(partial(_date, required=False))]
Flag = Annotated[bool, BeforeValidator(_boolean)]
Bound = Annotated[Any, BeforeValidator(_bound)]


def _given(v, default):
    if v is None:
        if default is None:
            raise problem("thiếu (bắt buộc)")
        return default
    return v


def Int(lo=None, hi=None, default=None):  # noqa: N802 (a type factory)
    """An integer within [lo, hi]; a missing value is the default (or missing, without one)."""
    return Annotated[int, BeforeValidator(lambda v: _integer(_given(v, default), lo, hi))]


def Num(lo=None, hi=None, default=None):  # noqa: N802
    """A number (int or float as written) within [lo, hi]; a missing value is the default."""
    return Annotated[int | float, BeforeValidator(lambda v: _number(_given(v, default), lo, hi))]


def OptNum(lo=None, hi=None):  # noqa: N802
    """A number within [lo, hi], or nothing."""
    return Annotated[int | float | None, BeforeValidator(lambda v: None if v is None else _number(v, lo, hi))]


# --- the file's format

class _Spec(BaseModel):
    """Part of the file: a mapping whose keys are exactly the fields (an unknown key names itself)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _mapping(cls, data):
        return cls.known_keys(data)

    @classmethod
    def known_keys(cls, data) -> dict:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise problem("cần một bảng khóa: giá trị")
        allowed = set(cls.model_fields)
        extra = sorted(str(k) for k in data if k not in allowed)
        if extra:
            raise problem(f"khóa không được hỗ trợ (các khóa dùng được: {', '.join(sorted(allowed))})", extra[0])
        return data


class MilestoneSpec(_Spec):
    code: Code
    name: Text
    date: Day
    note: OptText = None


class PhaseSpec(_Spec):
    number: Int(lo=1)
    name: Text
    start: Bound
    end: Bound
    note: OptText = None


def _kind_item(v):
    return {"kind": v} if isinstance(v, str) else v


class KindSpec(_Spec):
    kind: Text
    name: OptText = None


class DeadlineSpec(_Spec):
    days_after_week_end: Int(lo=0, hi=30, default=1) = 1
    hour: Int(lo=0, hi=23, default=17) = 17


class ReportingSpec(_Spec):
    kinds: Annotated[list[Annotated[KindSpec, BeforeValidator(_kind_item)]], _list(" loại đơn vị", required=True)]
    week_start: Annotated[str, BeforeValidator(lambda v: _weekday("monday" if v is None else v))] = "monday"
    deadline: DeadlineSpec = DeadlineSpec()


def _weekday(v):
    s = _text(v).lower()
    if s not in WEEKDAYS:
        raise problem(f"'{s}' không phải ngày trong tuần ({', '.join(WEEKDAYS)})")
    return s


class OrgUnitSpec(_Spec):
    code: Code
    name: Text
    kind: Text


class TaskSpec(_Spec):
    indicator: Text = None
    group: Text = None
    min_per_week: OptNum(lo=0) = None
    min_per_phase: OptNum(lo=0) = None
    example: Flag = False
    note: OptText = None

    @model_validator(mode="before")
    @classmethod
    def _one_of(cls, data):
        data = cls.known_keys(data)
        if isinstance(data, dict):
            if ("indicator" in data) == ("group" in data):
                raise problem("cần đúng một trong hai khóa indicator (chỉ tiêu) hoặc group (nhóm hình thức)")
            if data.get("min_per_week") is not None and data.get("min_per_phase") is not None:
                raise problem("chỉ ghi một trong hai: min_per_week hoặc min_per_phase")
        return data


def _param(key: str):
    d = DEFAULT_PARAMS[key]
    if key in INT_PARAMS:
        return Int(lo=1, default=d), d
    if key in FRACTION_PARAMS:
        return Num(lo=0, hi=1, default=d), d
    return Num(lo=0, default=d), d


# params and params.weights as the file writes them: one key per default (a missing one takes it)
WeightsSpec = create_model("WeightsSpec", __base__=_Spec, __module__=__name__,
                           **{k: (Num(lo=0, default=d), d) for k, d in DEFAULT_WEIGHTS.items()})
ParamsSpec = create_model("ParamsSpec", __base__=_Spec, __module__=__name__,
                          weights=(WeightsSpec, WeightsSpec()),
                          **{k: _param(k) for k in DEFAULT_PARAMS if k != "weights"})


def _era(v):
    s = _text(v)
    if s not in ERAS:
        raise problem(f"thời kỳ '{s}' không hợp lệ (cần '2025' hoặc 'legacy')")
    return s


def _required(v):
    if _missing(v):
        raise problem("thiếu (bắt buộc)")
    return v


def _task_list(v):
    if not isinstance(v, list) or not v:
        raise problem("cần một danh sách nhiệm vụ")
    return v


def _mapping_or_empty(v):
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise problem("cần một bảng khóa: giá trị")
    return v


class CampaignSpec(_Spec):
    """The whole file; its rules across fields are `_rules` (loaders.reference.campaign_rules)."""
    code: Code
    title: Text
    issuer: Text
    doc_number: OptText = None
    doc_date: OptDay = None
    era: Annotated[str, BeforeValidator(_era)]
    province: Annotated[str, BeforeValidator(_province)]
    legacy_province: Annotated[str | None, BeforeValidator(lambda v: None if v is None else _province(v))] = None
    start: Day
    end: Day
    demo_today: OptDay = None
    milestones: Annotated[list[MilestoneSpec], _list("")] = []
    overlaps_allowed: Flag = False
    overlaps_reason: OptText = None
    phases: Annotated[list[PhaseSpec], _list(" các đợt", required=True)]
    reporting: Annotated[ReportingSpec, BeforeValidator(_required)]
    org_units: Annotated[list[OrgUnitSpec], _list(" đơn vị")] = []
    tasks: Annotated[dict[str, Annotated[list[TaskSpec], BeforeValidator(_task_list)]],
                     BeforeValidator(_mapping_or_empty)] = {}
    params: ParamsSpec = ParamsSpec()

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> "CampaignSpec":
        check(self, info.context or {})
        return self




# --- errors

_PYDANTIC_PROBLEMS = {
    "missing": "thiếu (bắt buộc)",
    "dict_type": "cần một bảng khóa: giá trị",
    "model_type": "cần một bảng khóa: giá trị",
    "model_attributes_type": "cần một bảng khóa: giá trị",
    "list_type": "cần một danh sách",
    "string_type": "cần một chuỗi ký tự",
}


def _field(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith("function-"):   # validator frames pydantic adds to a union's loc
            out += f".{part}" if out else str(part)
    return out


def file_error(file: str, e: ValidationError) -> CampaignFileError:
    """The first problem pydantic found, as the file's field and a Vietnamese text."""
    errors = e.errors(include_url=False)
    # an unknown key first (what a typo produces), then in the order of the file's fields
    errors.sort(key=lambda x: 0 if "khóa không được hỗ trợ" in x.get("msg", "") else 1)
    err = errors[0]
    ctx = err.get("ctx") or {}
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    if err["type"] == "campaign":
        base, below = _field(loc), ctx.get("field", "")
        field = f"{base}.{below}" if base and below else base or below
        return CampaignFileError(file, field or "(tệp)", ctx.get("problem", err["msg"]))
    text = _PYDANTIC_PROBLEMS.get(err["type"], err["msg"])
    return CampaignFileError(file, _field(loc) or "(tệp)", text)


def parse(data: Any, file_name: str, catalog: tuple[set[str], dict[str, str]]) -> Campaign:
    """The file's data (as YAML read it) checked and normalized; CampaignFileError otherwise.

    catalog: (group codes, indicator code → group code) of data/indicators.yaml.
    """
    stem = file_name.rsplit(".", 1)[0]
    try:
        spec = CampaignSpec.model_validate(data, context={"stem": stem, "catalog": catalog})
    except ValidationError as e:
        raise file_error(file_name, e) from None
    return to_campaign(spec, file_name, catalog)


def to_campaign(spec: CampaignSpec, file_name: str, catalog: tuple[set[str], dict[str, str]]) -> Campaign:
    """The checked file as the Campaign model (milestone bounds resolved, defaults filled in)."""
    days = {m.code: m.date for m in spec.milestones}

    def resolve(b) -> date:
        if isinstance(b, tuple):
            how, ref = b
            return days[ref] + timedelta(days=1 if how == "day_after" else 0)
        return b

    rep = spec.reporting
    kinds = [{"kind": k.kind, "name": k.name or KIND_NAMES[k.kind]} for k in rep.kinds]
    tasks = []
    for kind, items in spec.tasks.items():
        for t in items:
            tasks.append({"kind": kind, "group": catalog[1][t.indicator] if t.indicator else t.group,
                          "indicator": t.indicator,
                          "min_per_week": t.min_per_week, "min_per_phase": t.min_per_phase,
                          "example": t.example, "note": t.note})
    return Campaign(
        code=spec.code, title=spec.title, issuer=spec.issuer, doc_number=spec.doc_number, doc_date=spec.doc_date,
        era=spec.era, province=spec.province, legacy_province=spec.legacy_province,
        start=spec.start, end=spec.end, demo_today=spec.demo_today,
        milestones=[m.model_dump() for m in spec.milestones],
        overlaps_allowed=spec.overlaps_allowed, overlaps_reason=spec.overlaps_reason,
        phases=[{"number": p.number, "name": p.name, "start": resolve(p.start), "end": resolve(p.end),
                 "note": p.note} for p in spec.phases],
        kinds=kinds, week_start=WEEKDAYS[rep.week_start], deadline_days=rep.deadline.days_after_week_end,
        deadline_hour=rep.deadline.hour, org_units=[o.model_dump() for o in spec.org_units], tasks=tasks,
        params=spec.params.model_dump(), source_file=file_name)
