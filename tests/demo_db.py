"""The database the leadership and inspection page tests share (Tổng quan, Tiến độ, Xã chậm tiến độ):
the built-in demo of daklak-2025 — reports generated as files and ingested through the real loaders —
from the campaign start to its demo day, with a fixed seed. Built once per test session on a copy of
conftest's ready database; each test module opens it through the app (CM_DB).

Also independent ("hand") computations from the raw tables, to check what the pages show without
going through queries/: which weeks are due, which reports count for a week, posts spread by days.
"""
from __future__ import annotations

import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd

from loaders.store import db
from loaders.demo import generator as demo

CAMPAIGN = "daklak-2025"
AS_OF = date(2025, 11, 19)          # the campaign's demo day (the sidebar's default date)
SEED = 2025
START = date(2025, 9, 8)            # a Monday; weeks run Monday–Sunday, due 17:00 the next day
POSTING = ("bc_tin_bai", "web_tin_bai", "mxh_facebook", "mxh_zalo", "mxh_youtube", "mxh_tiktok", "mxh_khac")


def build(ready_db_path: Path, tmp_path_factory) -> Path:
    """The shared demo database (built by the first module of the session that asks for it)."""
    root = tmp_path_factory.getbasetemp() / "pages-demo"
    path = root / "demo.duckdb"
    if (root / "built").exists():
        return path
    root.mkdir(exist_ok=True)
    shutil.copyfile(ready_db_path, path)
    con = db.connect(path)
    try:
        demo.generate(con, CAMPAIGN, seed=SEED, today=AS_OF, out_dir=root / "files")
        con.execute("checkpoint")
    finally:
        con.close()
    (root / "built").touch()
    return path


def end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59, 999999))


def due_weeks(as_of: date = AS_OF) -> list[tuple[date, date]]:
    """(Monday, Sunday) of every week whose deadline (17:00 on the Monday after) has passed."""
    weeks, monday = [], START
    while datetime.combine(monday + timedelta(days=7), time(17)) <= end_of(as_of):
        weeks.append((monday, monday + timedelta(days=6)))
        monday += timedelta(days=7)
    return weeks


def current_reports(con, as_of: date = AS_OF) -> pd.DataFrame:
    """The newest version of every report known by the end of as_of, with the arrival of its first."""
    return con.execute(
        """
        with versions as (
            select *, min(received_at) over (partition by campaign_code, unit_code, period_start, period_end)
                       as first_received_at
            from submissions
            where campaign_code = $c
        )
        select id, unit_code, period_start, period_end, received_at, first_received_at
        from versions
        where is_current and first_received_at <= $t
        """, {"c": CAMPAIGN, "t": end_of(as_of)}).fetchdf()


def reported(con, week: tuple[date, date], as_of: date = AS_OF) -> pd.DataFrame:
    """Per unit with a report covering at least 4 of the week's 7 days (metrics.md): the first
    arrival of such a report."""
    r = current_reports(con, as_of)
    lo = pd.to_datetime(r["period_start"]).clip(lower=pd.Timestamp(week[0]))
    hi = pd.to_datetime(r["period_end"]).clip(upper=pd.Timestamp(week[1]))
    r = r[(hi - lo).dt.days + 1 >= 4]
    return r.groupby("unit_code", as_index=False)["first_received_at"].min()


def reporting_units(con) -> pd.DataFrame:
    return con.execute("select unit_code, name, kind, territorial from campaign_units where campaign_code = $c",
                       {"c": CAMPAIGN}).fetchdf()


def spread(con, first: date, last: date, codes, as_of: date = AS_OF) -> pd.DataFrame:
    """Values of the given indicators in current reports known by as_of, each spread evenly over the
    days of its report's period, summed per unit and indicator over the days from first to last."""
    r = current_reports(con, as_of)
    values = con.execute(
        "select submission_id as id, indicator_code, value from report_values where indicator_code in "
        f"({', '.join(repr(p) for p in codes)})").fetchdf()
    v = values.merge(r, on="id")
    start = pd.to_datetime(v["period_start"])
    end = pd.to_datetime(v["period_end"])
    days = (end - start).dt.days + 1
    lo = start.where(start > pd.Timestamp(first), pd.Timestamp(first))
    hi = end.where(end < pd.Timestamp(last), pd.Timestamp(last))
    overlap = ((hi - lo).dt.days + 1).clip(lower=0)
    v["value"] = v["value"] * overlap / days
    return v.groupby(["unit_code", "indicator_code"], as_index=False)["value"].sum()


def spread_posts(con, first: date, last: date, as_of: date = AS_OF) -> pd.DataFrame:
    """Posts (the posting indicators) spread by days, per unit and indicator, from first to last."""
    return spread(con, first, last, POSTING, as_of).rename(columns={"value": "posts"})


def activity_codes(con) -> list[str]:
    """Indicators that count things done: not yes/no, not minutes, people or interactions."""
    return [c for (c,) in con.execute(
        "select code from indicators where not is_flag and uom not in ('phút', 'lượt', 'lượt người', 'người')"
    ).fetchall()]


def chart_values(v) -> list:
    """A trace's x or y from a plotly figure's JSON: a list, or a typed array {dtype, bdata}."""
    if isinstance(v, dict) and "bdata" in v:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)
