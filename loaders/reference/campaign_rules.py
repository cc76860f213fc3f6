"""The rules of a campaign file that tie its fields together (the model validator of CampaignSpec).

Each rule raises the first problem it finds with the field it concerns, in the order a reader of the
file meets them: the code, the dates, the milestones, the phases, the reporting kinds, the org units,
the tasks. Phase bounds that name a milestone are resolved here ({milestone: m} is that day,
{day_after: m} the next).
"""
from __future__ import annotations

from datetime import date, timedelta

from pydantic_core import PydanticCustomError

from loaders.reference.campaign_model import DISTRICT_KIND, KIND_NAMES, ORG_KINDS, TERRITORIAL_KINDS


def problem(text: str, field: str = "") -> PydanticCustomError:
    """A Vietnamese problem; `field` names where, below the place pydantic reports (the full path from
    the file's model validator, a key below the value from a field validator)."""
    return PydanticCustomError("campaign", "{problem}", {"problem": text, "field": field})


def check(c: "CampaignSpec", context: dict) -> None:
    stem = context.get("stem")
    if stem is not None and c.code != stem:
        raise problem(f"mã kế hoạch '{c.code}' phải trùng tên tệp '{stem}'", "code")
    if c.legacy_province is not None and c.era != "2025":
        raise problem("chỉ dùng cho kế hoạch thời kỳ '2025' (tỉnh cũ đã hợp nhất)", "legacy_province")
    if c.start > c.end:
        raise problem(f"ngày kết thúc {c.end} trước ngày bắt đầu {c.start}", "end")
    if c.demo_today and not c.start <= c.demo_today <= c.end:
        raise problem(f"ngày {c.demo_today} nằm ngoài thời gian kế hoạch ({c.start} – {c.end})", "demo_today")
    days = _milestones(c)
    if c.overlaps_allowed and not c.overlaps_reason:
        raise problem("thiếu (bắt buộc)", "overlaps_reason")
    _phases(c, days)
    kinds = _kinds(c)
    _org_units(c, kinds)
    if "catalog" in context:
        _tasks(c, kinds, *context["catalog"])


def _milestones(c: "CampaignSpec") -> dict[str, date]:
    days: dict[str, date] = {}
    for i, m in enumerate(c.milestones):
        if m.code in days:
            raise problem(f"mã mốc '{m.code}' bị lặp lại", f"milestones[{i}].code")
        days[m.code] = m.date
    return days


def _resolve(bound, field: str, days: dict[str, date]) -> date:
    if isinstance(bound, tuple):
        how, ref = bound
        if ref not in days:
            raise problem(f"mốc '{ref}' không có trong milestones", f"{field}.{how}")
        return days[ref] + timedelta(days=1 if how == "day_after" else 0)
    return bound


def _phases(c: "CampaignSpec", days: dict[str, date]) -> None:
    prev = None
    for i, p in enumerate(c.phases):
        f = f"phases[{i}]"
        start, end = _resolve(p.start, f"{f}.start", days), _resolve(p.end, f"{f}.end", days)
        if start > end:
            raise problem(f"{p.name} kết thúc {end} trước khi bắt đầu {start}", f"{f}.end")
        if not c.start <= start <= end <= c.end:
            raise problem(f"{p.name} ({start} – {end}) nằm ngoài thời gian kế hoạch ({c.start} – {c.end})",
                          f"{f}.start" if start < c.start else f"{f}.end")
        if prev is not None:
            _after(c, f, (p, start, end), prev)
        prev = (p, start, end)
    if not c.overlaps_allowed:
        first = _resolve(c.phases[0].start, "phases[0].start", days)
        last = _resolve(c.phases[-1].end, f"phases[{len(c.phases) - 1}].end", days)
        if first != c.start:
            raise problem(f"đợt đầu tiên phải bắt đầu đúng ngày bắt đầu kế hoạch ({c.start})", "phases[0].start")
        if last != c.end:
            raise problem(f"đợt cuối cùng phải kết thúc đúng ngày kết thúc kế hoạch ({c.end})",
                          f"phases[{len(c.phases) - 1}].end")


def _after(c: "CampaignSpec", f: str, this: tuple, prev: tuple) -> None:
    """A phase against the one before it: numbered and started later; adjacent unless overlaps are allowed."""
    (p, start, _), (q, q_start, q_end) = this, prev
    if p.number <= q.number:
        raise problem(f"số đợt {p.number} phải lớn hơn đợt trước ({q.number})", f"{f}.number")
    if start < q_start:
        raise problem(f"{p.name} bắt đầu {start}, trước {q.name} ({q_start}): các đợt phải theo thứ tự thời gian",
                      f"{f}.start")
    if c.overlaps_allowed:
        return
    if start <= q_end:
        raise problem(f"{p.name} bắt đầu {start}, chồng lên {q.name} (kết thúc {q_end}); nếu kế hoạch cho "
                      "phép, ghi overlaps_allowed: true và overlaps_reason", f"{f}.start")
    gap = (start - q_end).days - 1
    if gap > 0:
        raise problem(f"{p.name} bắt đầu {start}, cách {q.name} (kết thúc {q_end}) {gap} ngày trống", f"{f}.start")


def _kinds(c: "CampaignSpec") -> set[str]:
    allowed = list(TERRITORIAL_KINDS[c.era]) + list(ORG_KINDS) + ([DISTRICT_KIND] if c.era == "legacy" else [])
    seen: set[str] = set()
    for i, k in enumerate(c.reporting.kinds):
        f = f"reporting.kinds[{i}].kind"
        if k.kind not in KIND_NAMES:
            raise problem(f"loại đơn vị '{k.kind}' không có (các loại: {', '.join(KIND_NAMES)})", f)
        if k.kind not in allowed:
            raise problem(f"loại đơn vị '{k.kind}' không có trong thời kỳ '{c.era}' "
                          f"(dùng được: {', '.join(allowed)})", f)
        if k.kind in seen:
            raise problem(f"loại đơn vị '{k.kind}' bị lặp lại", f)
        seen.add(k.kind)
    return seen


def _org_units(c: "CampaignSpec", kinds: set[str]) -> None:
    seen: set[str] = set()
    for i, o in enumerate(c.org_units):
        f = f"org_units[{i}]"
        if o.code in seen:
            raise problem(f"mã đơn vị '{o.code}' bị lặp lại", f"{f}.code")
        seen.add(o.code)
        if o.kind == DISTRICT_KIND:
            raise problem("các huyện được tạo tự động từ dữ liệu gốc, không ghi trong tệp", f"{f}.kind")
        if o.kind not in ORG_KINDS:
            raise problem(f"loại đơn vị '{o.kind}' không dùng cho org_units (dùng: {', '.join(ORG_KINDS)})",
                          f"{f}.kind")
        if o.kind not in kinds:
            raise problem(f"loại đơn vị '{o.kind}' không có trong reporting.kinds", f"{f}.kind")


def _tasks(c: "CampaignSpec", kinds: set[str], groups: set[str], ind_group: dict[str, str]) -> None:
    for kind, items in c.tasks.items():
        fk = f"tasks.{kind}"
        if kind not in kinds:
            raise problem(f"loại đơn vị '{kind}' không có trong reporting.kinds", fk)
        seen = set()
        for i, t in enumerate(items):
            f = f"{fk}[{i}]"
            if t.indicator is not None:
                if t.indicator not in ind_group:
                    raise problem(f"chỉ tiêu '{t.indicator}' không có trong danh mục data/indicators.yaml",
                                  f"{f}.indicator")
                key = (ind_group[t.indicator], t.indicator)
            else:
                if t.group not in groups:
                    raise problem(f"nhóm hình thức '{t.group}' không có trong danh mục data/indicators.yaml",
                                  f"{f}.group")
                key = (t.group, None)
            if key in seen:
                raise problem(f"nhiệm vụ '{t.indicator or t.group}' bị lặp lại cho loại đơn vị '{kind}'", f)
            seen.add(key)
    for k in c.reporting.kinds:
        if k.kind not in c.tasks:
            raise problem(f"loại đơn vị '{k.kind}' báo cáo nhưng chưa được giao nhiệm vụ nào", f"tasks.{k.kind}")
