"""Rows no indicator was stored under, and the wordings people map (issue 10; migration 060).

- `store_rows(con, campaign, subs)`: the rows a batch of accepted reports kept aside (batch_write.WriterMixin._write).
- `map_wording(con, key, label, indicator_code, campaign_code, user)`: a wording mapped once, to an
  indicator or to nothing ("không tính"), for one campaign or for all (campaign_code None). Applied at
  once to every stored row with that wording that is still waiting: its value is added to its report's
  values, so it counts in every metric (the rollup of each campaign touched is rebuilt); later reports
  are read with the mapping (IndicatorIndex.load_mappings).
- `undo_mapping(con, mapping_id, user)`: takes back exactly what the mapping added; its rows wait again
  (or follow a mapping for all campaigns that still holds).
Both are audited ("wording.map", "wording.unmap") and allowed to admins and inspection only.
"""
from __future__ import annotations

import json
from datetime import datetime

import duckdb

from loaders.ingest import values as vals
from loaders.store import rollup
from loaders.store import db
from loaders.store.db import audit, transaction

MAPPERS = ("quan_tri", "kiem_tra")
_COLUMNS = ("submission_id", "campaign_code", "unit_code", "period_start", "period_end", "file_name", "sheet",
            "cell", "value_cell", "label", "wording_key", "raw_value", "value", "cumulative", "uom", "heading",
            "reason", "suggestion", "mapping_id", "applied_code", "created_value")


class MappingError(Exception):
    """A refusal, with a Vietnamese message fit to show the person."""


def store_rows(con: duckdb.DuckDBPyConnection, campaign: str, subs: list[tuple]) -> int:
    """subs: (submission id, unit, period start, period end, file name, Section) of accepted reports."""
    rows = []
    for sid, unit, start, end, file_name, sec in subs:
        for u in sec.unknown:
            rows.append((sid, campaign, unit, start, end, file_name, u.sheet, u.cell, u.value_cell, u.label, u.key,
                         u.raw_value, u.value, u.cumulative, u.uom or None, u.heading or None, u.reason,
                         u.suggestion, u.mapping_id, u.applied_code, u.created_value))
    if rows:
        cols = {c: [r[i] for r in rows] for i, c in enumerate(_COLUMNS)}
        names = list(_COLUMNS)
        if db.is_lake(con):     # no sequence on a lake: ids drawn under the write lock
            cols["id"] = db.next_ids(con, "unclassified_row_id_seq", len(rows))
            names.append("id")
        con.execute(f"insert into unclassified_rows ({', '.join(names)}) "
                    f"select {', '.join(f'unnest(${c})' for c in names)}", cols)
    return len(rows)


def _check(con: duckdb.DuckDBPyConnection, user, indicator_code: str | None) -> dict | None:
    if user is None or user.role not in MAPPERS:
        raise MappingError("Chỉ quản trị viên và cán bộ kiểm tra được phân loại chỉ tiêu.")
    if indicator_code is None:
        return None
    row = con.execute("select name, is_flag from indicators where code = ?", [indicator_code]).fetchone()
    if row is None:
        raise MappingError(f"Chỉ tiêu “{indicator_code}” không có trong danh mục.")
    return {"name": row[0], "is_flag": bool(row[1])}


def map_wording(con: duckdb.DuckDBPyConnection, key: str, label: str, indicator_code: str | None,
                campaign_code: str | None, user) -> dict:
    """Map a wording (by its key) to an indicator, or to nothing; returns what was applied."""
    info = _check(con, user, indicator_code)
    if not key:
        raise MappingError("Chưa chọn cách ghi nào để phân loại.")
    with transaction(con):
        old = con.execute("select id from wording_mappings where wording_key = ? and undone_at is null and "
                          "campaign_code is not distinct from ?", [key, campaign_code]).fetchall()
        touched: set[str] = set()
        for (mid,) in old:                      # a new decision for the same scope replaces the old one
            touched |= _undo(con, mid, user.username, reapply=False)
        # the id drawn first (a lake has no sequence and no RETURNING)
        mid = db.next_ids(con, "wording_mapping_id_seq")[0]
        con.execute(
            "insert into wording_mappings (id, wording_key, label, campaign_code, indicator_code, created_at, "
            "created_by) values (?, ?, ?, ?, ?, ?, ?)",
            [mid, key, label, campaign_code, indicator_code, datetime.now(), user.username])
        n, applied, campaigns = _apply(con, mid, key, campaign_code, indicator_code, info)
        touched |= campaigns
        audit(con, user.username, "wording.map", label, json.dumps(
            {"mapping_id": mid, "wording_key": key, "indicator": indicator_code or "không tính",
             "campaign": campaign_code or "tất cả", "rows": n, "rows_counted": applied,
             "replaced": [m for (m,) in old]}, ensure_ascii=False))
    if touched:
        rollup.refresh(con, sorted(touched))
    return {"mapping_id": mid, "rows": n, "rows_counted": applied, "campaigns": sorted(touched)}


def undo_mapping(con: duckdb.DuckDBPyConnection, mapping_id: int, user) -> dict:
    """Undo a mapping: its values leave the reports they were added to; its rows wait again."""
    _check(con, user, None)
    row = con.execute("select label, wording_key, undone_at from wording_mappings where id = ?",
                      [mapping_id]).fetchone()
    if row is None or row[2] is not None:
        raise MappingError("Cách phân loại này không còn hiệu lực (đã được hoàn tác).")
    with transaction(con):
        n = con.execute("select count(*) from unclassified_rows where mapping_id = ?", [mapping_id]).fetchone()[0]
        touched = _undo(con, mapping_id, user.username, reapply=True)
        audit(con, user.username, "wording.unmap", row[0], json.dumps(
            {"mapping_id": mapping_id, "wording_key": row[1], "rows": n}, ensure_ascii=False))
    if touched:
        rollup.refresh(con, sorted(touched))
    return {"mapping_id": mapping_id, "rows": n, "campaigns": sorted(touched)}


def _apply(con: duckdb.DuckDBPyConnection, mid: int, key: str, campaign_code: str | None,
           code: str | None, info: dict | None) -> tuple[int, int, set[str]]:
    """Apply mapping mid to the rows of key still waiting; (rows, rows counted, campaigns touched)."""
    rows = con.execute(
        "select u.id, u.submission_id, u.campaign_code, u.raw_value, u.value, u.cumulative, u.sheet, u.value_cell "
        "from unclassified_rows u where u.wording_key = ? and u.mapping_id is null "
        "and (? is null or u.campaign_code = ?) "
        # a campaign's own mapping wins over one for all campaigns
        "and not exists (select 1 from wording_mappings m where m.wording_key = u.wording_key "
        "  and m.undone_at is null and m.campaign_code = u.campaign_code and m.id <> ?) "
        "order by u.id", [key, campaign_code, campaign_code, mid]).fetchall()
    applied, touched = 0, set()
    for rid, sid, campaign, raw, value, cum, sheet, cell in rows:
        v = _value_for(raw, value, info) if code else None
        if v is None:
            con.execute("update unclassified_rows set mapping_id = ? where id = ?", [mid, rid])
            continue
        existing = con.execute("select value from report_values where submission_id = ? and indicator_code = ?",
                               [sid, code]).fetchone()
        if existing is None:
            con.execute("insert into report_values (submission_id, indicator_code, value, cumulative, sheet, cell) "
                        "values (?, ?, ?, ?, ?, ?)", [sid, code, v, None if info["is_flag"] else cum, sheet, cell])
        elif info["is_flag"]:
            con.execute("update report_values set value = greatest(value, ?) where submission_id = ? and "
                        "indicator_code = ?", [v, sid, code])
        else:
            con.execute("update report_values set value = value + ?, cumulative = case when ? is null then "
                        "cumulative else coalesce(cumulative, 0) + ? end where submission_id = ? and "
                        "indicator_code = ?", [v, cum, cum, sid, code])
        con.execute("update unclassified_rows set mapping_id = ?, applied_code = ?, created_value = ?, value = ? "
                    "where id = ?", [mid, code, existing is None, v, rid])
        applied += 1
        touched.add(campaign)
    return len(rows), applied, touched


def _value_for(raw: str | None, value: float | None, info: dict) -> float | None:
    """The number a row adds to an indicator: a flag reads "có"/"x"/1; a count must be a number ≥ 0."""
    if info["is_flag"]:
        try:
            return float(vals.parse_flag(raw))
        except ValueError:
            return None
    return value if value is not None and value >= 0 else None


def _undo(con: duckdb.DuckDBPyConnection, mid: int, actor: str, reapply: bool) -> set[str]:
    rows = con.execute(
        "select u.id, u.submission_id, u.campaign_code, u.applied_code, u.value, u.cumulative, u.created_value, "
        "i.is_flag from unclassified_rows u left join indicators i on i.code = u.applied_code "
        "where u.mapping_id = ?", [mid]).fetchall()
    touched = set()
    for rid, sid, campaign, code, value, cum, created, is_flag in rows:
        if code is None:
            continue
        touched.add(campaign)
        if not is_flag:
            con.execute("update report_values set value = value - ?, cumulative = case when ? is null then "
                        "cumulative else cumulative - ? end where submission_id = ? and indicator_code = ?",
                        [value or 0, cum, cum, sid, code])
        if created:
            other = con.execute(
                "select id from unclassified_rows where submission_id = ? and applied_code = ? and mapping_id <> ? "
                "order by id limit 1", [sid, code, mid]).fetchone()
            if other is not None:               # another mapping's row keeps the value it added
                con.execute("update unclassified_rows set created_value = true where id = ?", [other[0]])
            else:
                con.execute("delete from report_values where submission_id = ? and indicator_code = ? and "
                            "(? or abs(value) < 1e-9)", [sid, code, bool(is_flag)])
    con.execute("update unclassified_rows set mapping_id = null, applied_code = null, created_value = false "
                "where mapping_id = ?", [mid])
    # read, then update (a lake has no RETURNING)
    key, = con.execute("select wording_key from wording_mappings where id = ?", [mid]).fetchone()
    con.execute("update wording_mappings set undone_at = ?, undone_by = ? where id = ?", [datetime.now(), actor, mid])
    if reapply:                                 # a mapping of the wording that still holds takes its rows
        for other, campaign_code, code in con.execute(
                "select id, campaign_code, indicator_code from wording_mappings where wording_key = ? and "
                "undone_at is null order by campaign_code nulls last", [key]).fetchall():
            info = None
            if code is not None:
                r = con.execute("select name, is_flag from indicators where code = ?", [code]).fetchone()
                info = {"name": r[0], "is_flag": bool(r[1])}
            touched |= _apply(con, other, key, campaign_code, code, info)[2]
    return touched
