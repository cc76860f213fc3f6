"""Validated, audited edits of a campaign made from the Cài đặt page: its details, its schedule (campaign
dates and phase dates) and its task minimums.

Edits go to the database, not to the campaign file: data/campaigns/<code>.yaml stays the shipped default.
Every edit is checked with the very rules that check a campaign file: the campaign as stored, with the
edit applied, is written back into the file format (`definition`, from the Campaign model) and checked
by `loaders.reference.campaigns.check_data` — phases ordered, no gap or overlap unless the plan allows it
(overlaps_allowed in the shipped file), the first phase starting on the campaign's first day and the
last ending on its last, dates within the campaign, minimums not negative, one kind of minimum per
task. A refused edit raises `SettingsError` with a Vietnamese message naming what is wrong (the field as
the page calls it, dates as dd/mm/yyyy) and changes nothing.

An accepted edit is one transaction: the changed rows, one audit_log row per changed item (actor,
action settings.*, object, details {"field"/"phase"/"task", "before", "after"}); then the weekly
rollup of the campaign is rebuilt (phase dates and the week settings move weeks between phases).

The campaign's source_hash is left alone, so an edit survives `python -m loaders init` (which runs at
every `make run`) as long as the shipped file is unchanged; once the file changes, the next init loads
it and replaces the edits. `restore_from_file` does that at once.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

import duckdb
import pandas as pd
import yaml

from loaders.reference import campaigns as campaign_files
from loaders.reference.campaign_model import Campaign
from loaders.store.db import audit, transaction

ACTION_DETAILS = "settings.campaign"
ACTION_PHASE = "settings.phase"
ACTION_TASK = "settings.task"
ACTION_RESTORE = "settings.restore"

WEEKDAY_NAMES = {v: k for k, v in campaign_files.WEEKDAYS.items()}
WEEKDAY_LABELS = {1: "Thứ Hai", 2: "Thứ Ba", 3: "Thứ Tư", 4: "Thứ Năm", 5: "Thứ Sáu", 6: "Thứ Bảy",
                  7: "Chủ nhật"}

# Campaign details the page edits: column of `campaigns` → (key in the campaign file, label on the page).
DETAILS = {
    "title": ("title", "Tên kế hoạch"),
    "issuer": ("issuer", "Cơ quan ban hành"),
    "doc_number": ("doc_number", "Số văn bản"),
    "doc_date": ("doc_date", "Ngày văn bản"),
    "week_start": ("reporting.week_start", "Ngày bắt đầu tuần báo cáo"),
    "deadline_days": ("reporting.deadline.days_after_week_end", "Hạn nộp (số ngày sau khi hết tuần)"),
    "deadline_hour": ("reporting.deadline.hour", "Giờ hạn nộp"),
}
SCHEDULE_LABELS = {"start": "Ngày bắt đầu kế hoạch", "end": "Ngày kết thúc kế hoạch",
                   "demo_today": "Ngày của bản minh họa"}
PHASE_LABELS = {"start": "ngày bắt đầu", "end": "ngày kết thúc", "name": "tên đợt", "number": "số đợt",
                "note": "ghi chú"}
TASK_LABELS = {"min_per_week": "tối thiểu mỗi tuần", "min_per_phase": "tối thiểu mỗi đợt"}


class SettingsError(ValueError):
    """An edit refused by the campaign rules; the message is Vietnamese and names the field."""


@dataclass(frozen=True)
class Change:
    """One audited change: what (a Vietnamese label), before and after (as shown)."""
    action: str
    object: str
    what: str
    before: Any
    after: Any


# ---------------------------------------------------------------------------------------------------
# The stored campaign in the file format
# ---------------------------------------------------------------------------------------------------

def _iso(d) -> str | None:
    if d is None or (not isinstance(d, str) and pd.isna(d)):
        return None
    return pd.Timestamp(d).date().isoformat()


def _none(v):
    if v is None:
        return None
    if isinstance(v, float) and v != v:
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def _number(v):
    """A stored minimum as the file would carry it: 3.0 → 3, 2.5 → 2.5, None stays None."""
    v = _none(v)
    if v is None:
        return None
    v = float(v)
    return int(v) if v.is_integer() else v


def shipped_file(con: duckdb.DuckDBPyConnection, code: str) -> Path | None:
    """The campaign file the campaign was loaded from, when it is still there."""
    row = con.execute("select source_file from campaigns where code = ?", [code]).fetchone()
    if not row:
        return None
    path = campaign_files.CAMPAIGNS_DIR / row[0]
    return path if path.is_file() else None


def overlaps_allowed(con: duckdb.DuckDBPyConnection, code: str) -> tuple[bool, str | None]:
    """Whether the plan lets phases overlap, and why: a property of the plan, read from its file."""
    path = shipped_file(con, code)
    if path is None:
        return False, None
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=campaign_files._Loader) or {}
    except Exception:  # an unreadable file allows nothing
        return False, None
    return bool(raw.get("overlaps_allowed")), raw.get("overlaps_reason")


def definition(con: duckdb.DuckDBPyConnection, code: str) -> dict:
    """The campaign as stored, in the campaign-file format (dates as YYYY-MM-DD text)."""
    c = Campaign.from_store(con, code)
    if c is None:
        raise SettingsError(f"Không có kế hoạch mã '{code}' trong cơ sở dữ liệu.")
    allowed, reason = overlaps_allowed(con, code)
    return c.model_copy(update={"overlaps_allowed": allowed}).file_data(reason)


# ---------------------------------------------------------------------------------------------------
# Validation: the campaign-file rules, messages for the page
# ---------------------------------------------------------------------------------------------------

_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_FIELD = re.compile(r"^(?P<head>[a-z_]+)(?:\[(?P<i>\d+)\])?(?:\.(?P<rest>.+))?$")


def _label(field: str, raw: dict, names: Mapping[str, str]) -> str:
    """A campaign-file field ('phases[1].start', 'tasks.xa[2].min_per_week') as the page names it."""
    for col, (key, label) in DETAILS.items():
        if field == key:
            return label
    if field in SCHEDULE_LABELS:
        return SCHEDULE_LABELS[field]
    m = re.match(r"^phases\[(\d+)\](?:\.(\w+))?$", field)
    if m:
        i = int(m.group(1))
        phase = raw["phases"][i] if i < len(raw.get("phases", [])) else {}
        what = PHASE_LABELS.get(m.group(2) or "", "")
        name = phase.get("name") or f"Đợt thứ {i + 1}"
        return f"{name} — {what}" if what else name
    m = re.match(r"^tasks\.(\w+)(?:\[(\d+)\])?(?:\.(\w+))?$", field)
    if m:
        kind, i, part = m.group(1), m.group(2), m.group(3)
        kind_label = campaign_files.KIND_NAMES.get(kind, kind)
        if i is None:
            return f"Nhiệm vụ của {kind_label}"
        items = raw.get("tasks", {}).get(kind, [])
        t = items[int(i)] if int(i) < len(items) else {}
        task = t.get("indicator") or t.get("group") or ""
        label = f"Nhiệm vụ của {kind_label}: {names.get(task, task)}"
        return f"{label} — {TASK_LABELS.get(part, part)}" if part else label
    return field


def _message(problem: str) -> str:
    problem = _ISO.sub(lambda m: f"{m.group(3)}/{m.group(2)}/{m.group(1)}", problem)
    problem = problem.replace("; nếu kế hoạch cho phép, ghi overlaps_allowed: true và overlaps_reason",
                              " (kế hoạch này không cho phép các đợt chồng lên nhau)")
    for key, label in TASK_LABELS.items():
        problem = problem.replace(key, label)
    return problem


def _task_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute("select code, name from indicators union all select code, name from indicator_groups")
    return dict(rows.fetchall())


def validate(con: duckdb.DuckDBPyConnection, raw: dict) -> Campaign:
    """Check a campaign in the file format with the campaign-file rules; return it normalized.

    Raises SettingsError with the page's name for the field and dates as dd/mm/yyyy.
    """
    try:
        return campaign_files.check_data(raw, f"{raw['code']}.yaml", con)
    except campaign_files.CampaignFileError as e:
        raise SettingsError(f"{_label(e.field, raw, _task_names(con))}: {_message(e.problem)}") from None


# ---------------------------------------------------------------------------------------------------
# Edits
# ---------------------------------------------------------------------------------------------------

def _shown(v):
    """A value as the audit log and the page show it."""
    v = _none(v)
    if isinstance(v, (date, datetime, pd.Timestamp)):
        return pd.Timestamp(v).date().isoformat()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _same(a, b) -> bool:
    return _shown(a) == _shown(b)


def _as_date(v, label: str) -> date | None:
    v = _none(v)
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, pd.Timestamp):
        return v.date()
    try:
        return date.fromisoformat(str(v).strip())
    except ValueError:
        raise SettingsError(f"{label}: ngày '{v}' không đọc được.") from None


def _text(v) -> str | None:
    v = _none(v)
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _audit(con, actor: str, changes: list[Change], key: str) -> None:
    for c in changes:
        audit(con, actor, c.action, c.object, json.dumps(
            {key: c.what, "before": _shown(c.before), "after": _shown(c.after)}, ensure_ascii=False,
            default=str))


def _refresh_rollup(con, code: str) -> None:
    """Rebuild the campaign's weekly rollup, after the edit's transaction has committed (a refresh
    inside an open DuckDB transaction aborts it: rollup's own "begin" fails there)."""
    from loaders.store import rollup

    rollup.refresh(con, code)


def update_details(con: duckdb.DuckDBPyConnection, code: str, changes: Mapping[str, Any],
                   actor: str) -> list[Change]:
    """Change campaign details (keys of DETAILS: title, issuer, doc_number, doc_date, week_start,
    deadline_days, deadline_hour). Returns the changes made ([] when nothing differs)."""
    unknown = set(changes) - set(DETAILS)
    if unknown:
        raise SettingsError(f"Không sửa được trường: {', '.join(sorted(unknown))}.")
    raw = definition(con, code)
    before = dict(zip(DETAILS, con.execute(
        f"select {', '.join(DETAILS)} from campaigns where code = ?", [code]).fetchone()))
    after: dict[str, Any] = {}
    for col, value in changes.items():
        label = DETAILS[col][1]
        if col in ("title", "issuer", "doc_number"):
            value = _text(value)
        elif col == "doc_date":
            value = _as_date(value, label)
        elif col == "week_start":
            value = _none(value)
            if value not in WEEKDAY_NAMES:
                raise SettingsError(f"{label}: cần một ngày trong tuần (1 = Thứ Hai … 7 = Chủ nhật).")
            value = int(value)
        else:
            value = _none(value)
            if value is None or float(value) != int(float(value)):
                raise SettingsError(f"{label}: cần một số nguyên.")
            value = int(float(value))
        if not _same(before[col], value):
            after[col] = value
    if not after:
        return []
    for col, value in after.items():
        if col == "week_start":
            raw["reporting"]["week_start"] = WEEKDAY_NAMES[value]
        elif col == "deadline_days":
            raw["reporting"]["deadline"]["days_after_week_end"] = value
        elif col == "deadline_hour":
            raw["reporting"]["deadline"]["hour"] = value
        else:
            raw[col] = _iso(value) if isinstance(value, date) else value
    validate(con, raw)
    made = [Change(ACTION_DETAILS, code, DETAILS[col][1], before[col], value) for col, value in after.items()]
    with transaction(con):
        con.execute(f"update campaigns set {', '.join(f'{c} = ?' for c in after)} where code = ?",
                    [*after.values(), code])
        _audit(con, actor, made, "field")
    if set(after) & {"week_start", "deadline_days", "deadline_hour"}:
        _refresh_rollup(con, code)
    return made


def update_schedule(con: duckdb.DuckDBPyConnection, code: str, phases: Iterable[Mapping[str, Any]],
                    actor: str, start=None, end=None) -> list[Change]:
    """Change the campaign's dates and its phases' names, dates and notes (the phases stay those
    stored: each row gives number, name, start, end and optionally note). Returns the changes made."""
    raw = definition(con, code)
    stored = {p["number"]: p for p in raw["phases"]}
    rows = [dict(p) for p in phases]
    numbers = []
    for r in rows:
        n = _none(r.get("number"))
        if n is None or int(n) not in stored:
            raise SettingsError(f"Không có đợt số {n} trong kế hoạch; trang này chỉ sửa các đợt đã có.")
        numbers.append(int(n))
    if sorted(numbers) != sorted(stored) or len(set(numbers)) != len(numbers):
        raise SettingsError("Cần đủ các đợt của kế hoạch, mỗi đợt một dòng (không thêm, không bớt đợt).")

    made: list[Change] = []
    new_start = _as_date(start, SCHEDULE_LABELS["start"]) if start is not None else None
    new_end = _as_date(end, SCHEDULE_LABELS["end"]) if end is not None else None
    campaign_after = {}
    if new_start and new_start.isoformat() != raw["start"]:
        campaign_after["start_date"] = new_start
        made.append(Change(ACTION_DETAILS, code, SCHEDULE_LABELS["start"], raw["start"], new_start))
        raw["start"] = new_start.isoformat()
    if new_end and new_end.isoformat() != raw["end"]:
        campaign_after["end_date"] = new_end
        made.append(Change(ACTION_DETAILS, code, SCHEDULE_LABELS["end"], raw["end"], new_end))
        raw["end"] = new_end.isoformat()

    phase_after: dict[int, dict] = {}
    for n, r in sorted(zip(numbers, rows)):
        old = stored[n]
        label = old["name"]
        new = {
            "name": _text(r.get("name")) or "",
            "start": _as_date(r.get("start"), f"{label} — ngày bắt đầu"),
            "end": _as_date(r.get("end"), f"{label} — ngày kết thúc"),
            "note": _text(r.get("note")) if "note" in r else old.get("note"),
        }
        if not new["name"]:
            raise SettingsError(f"{label} — tên đợt: thiếu (bắt buộc).")
        for k in ("start", "end"):
            if new[k] is None:
                raise SettingsError(f"{label} — {PHASE_LABELS[k]}: thiếu (bắt buộc).")
        diff = {k: v for k, v in new.items()
                if (v.isoformat() if isinstance(v, date) else v) != old.get(k)}
        if diff:
            phase_after[n] = new
            for k, v in diff.items():
                made.append(Change(ACTION_PHASE, f"{code}/{n}", f"{label} — {PHASE_LABELS[k]}", old.get(k), v))
        i = [p["number"] for p in raw["phases"]].index(n)
        raw["phases"][i] = {"number": n, "name": new["name"], "start": new["start"].isoformat(),
                            "end": new["end"].isoformat(), **({"note": new["note"]} if new["note"] else {})}
    if not made:
        return []
    validate(con, raw)
    with transaction(con):
        if campaign_after:
            con.execute(f"update campaigns set {', '.join(f'{c} = ?' for c in campaign_after)} where code = ?",
                        [*campaign_after.values(), code])
        for n, p in phase_after.items():
            con.execute("update phases set name = ?, start_date = ?, end_date = ?, note = ? "
                        "where campaign_code = ? and number = ?",
                        [p["name"], p["start"], p["end"], p["note"], code, n])
        _audit(con, actor, [c for c in made if c.action == ACTION_DETAILS], "field")
        _audit(con, actor, [c for c in made if c.action == ACTION_PHASE], "phase")
    _refresh_rollup(con, code)
    return made


def update_tasks(con: duckdb.DuckDBPyConnection, code: str, tasks: Iterable[Mapping[str, Any]],
                 actor: str) -> list[Change]:
    """Change task minimums. Each row: unit_kind, group_code, indicator_code (None for a whole channel
    group), min_per_week, min_per_phase (None or empty: no minimum of that kind). A changed task is no
    longer an example (is_example = false). Returns the changes made."""
    raw = definition(con, code)
    names = _task_names(con)
    stored = con.execute(
        "select unit_kind, group_code, indicator_code, min_per_week, min_per_phase from tasks "
        "where campaign_code = ?", [code]).fetchall()
    by_key = {(k, g, i): (mw, mp) for k, g, i, mw, mp in stored}
    made: list[Change] = []
    updates = []
    for r in tasks:
        key = (r.get("unit_kind"), r.get("group_code"), _none(r.get("indicator_code")) or None)
        if key not in by_key:
            raise SettingsError(f"Không có nhiệm vụ {key[2] or key[1]} của loại đơn vị {key[0]} trong kế hoạch.")
        kind_label = campaign_files.KIND_NAMES.get(key[0], key[0])
        task_label = f"Nhiệm vụ của {kind_label}: {names.get(key[2] or key[1], key[2] or key[1])}"
        new = []
        for col in ("min_per_week", "min_per_phase"):
            v = _none(r.get(col))
            if isinstance(v, str):
                v = v.strip().replace(",", ".") or None
            if v is not None:
                try:
                    v = float(v)
                except (TypeError, ValueError):
                    raise SettingsError(f"{task_label} — {TASK_LABELS[col]}: '{r.get(col)}' không phải số.") from None
            new.append(v)
        old = by_key[key]
        if _same(old[0], new[0]) and _same(old[1], new[1]):
            continue
        updates.append((key, new))
        for col, o, n in zip(("min_per_week", "min_per_phase"), old, new):
            if not _same(o, n):
                made.append(Change(ACTION_TASK, f"{code}/{key[0]}/{key[2] or key[1]}",
                                   f"{task_label} — {TASK_LABELS[col]}", o, n))
        for t in raw["tasks"].get(key[0], []):
            if (t.get("indicator") or None) == key[2] and (key[2] is not None or t.get("group") == key[1]):
                t.pop("min_per_week", None)
                t.pop("min_per_phase", None)
                if new[0] is not None:
                    t["min_per_week"] = _number(new[0])
                if new[1] is not None:
                    t["min_per_phase"] = _number(new[1])
                t["example"] = False
    if not made:
        return []
    validate(con, raw)
    with transaction(con):
        for (kind, group, indicator), (mw, mp) in updates:
            con.execute(
                "update tasks set min_per_week = ?, min_per_phase = ?, is_example = false "
                "where campaign_code = ? and unit_kind = ? and group_code = ? "
                "and indicator_code is not distinct from ?", [mw, mp, code, kind, group, indicator])
        _audit(con, actor, made, "task")
    return made


def restore_from_file(con: duckdb.DuckDBPyConnection, code: str, actor: str) -> str:
    """Load the shipped campaign file again, replacing every edit; return the file name."""
    path = shipped_file(con, code)
    if path is None:
        raise SettingsError(f"Không tìm thấy tệp kế hoạch của '{code}' trong thư mục data/campaigns/.")
    try:
        campaign_files.read_campaign(path, con)
    except campaign_files.CampaignFileError as e:
        raise SettingsError(f"Tệp {path.name} có lỗi, chưa nạp lại: {e.field}: {e.problem}") from None
    con.execute("update campaigns set source_hash = null where code = ?", [code])  # force the reload
    campaign_files.load_file(con, path, actor=actor)
    with transaction(con):
        audit(con, actor, ACTION_RESTORE, code, json.dumps({"file": path.name}, ensure_ascii=False))
    _refresh_rollup(con, code)
    return path.name
