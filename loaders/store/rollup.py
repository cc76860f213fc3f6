"""The weekly rollup the metric queries read: `weekly_values` (tables: migration 020; the live
definitions they materialize: loaders/store/definitions/1*.sql).

`weekly_values` holds every current reported value spread over the weeks (and phases) of its period
by days — the view `weekly_values_live` materialized, so that a query over a whole country reads a
few million pre-spread rows instead of joining and spreading them every time.

The rollup also holds each campaign's reporting units (metric_units), calendar (metric_weeks),
current reports (metric_reports, metric_report_weeks), per-group sums (weekly_groups), and what the
lagging rules need of each unit and week whatever the as-of time (metric_lagging_*: migration
120), what they count for each unit between two times it can change (metric_lagging_states:
migration 150), and who lags and why in each such stretch (metric_lagging_checked: migration 180).

Reads never write: whoever writes reports, campaign definitions, master data or a restore calls
`refresh(con, campaign_code)` (or `refresh(con)` for every stale campaign) in or right after its
transaction. Opening the store for writing (loaders/store/db.py: connect) is the safety net: after
a migration or a changed definition, or when the data version (the view data_version, the one change
signal) moved since the rollup was last found whole, the stale campaigns are rebuilt there.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

import duckdb

log = logging.getLogger(__name__)

# One refresh at a time in a process (the app's threads share one database): two refreshes of the
# same campaign from two cursors would conflict on the rows both delete.
_lock = threading.RLock()


# (table, the live definition it materializes, sort order within the campaign), in refresh order:
# the later ones read the tables refreshed before them (migration 020 and definitions/ describe each).
# A definition ending in "_for" is a table macro taking the campaign list (it filters at its
# sources; 020 says why); the others are views filtered on campaign_code. The detail tables are
# sorted by arrival, so that a query's "late tail" (rows that arrived after its as-of time) reads
# few rows.
TABLES = (
    ("metric_units", "reporting_units_live", "unit_code"),
    ("metric_weeks", "campaign_weeks", "week_start"),
    ("weekly_values", "weekly_values_live", "received_at, unit_code, week_start"),
    ("metric_reports", "reports_for", "unit_code, period_start"),
    ("weekly_groups", "weekly_groups_live", "received_at, unit_code, week_start"),
    ("metric_unit_weeks", "unit_weeks_for", "unit_code, week_start"),
    ("metric_task_values", "task_values_for", "received_at, unit_code"),
    ("metric_unit_tasks", "unit_tasks_live", "unit_code, phase_number"),
    ("metric_lagging_groups", "lagging_groups_for", "bit_no"),
    ("metric_lagging_units", "lagging_units_for", "unit_code"),
    ("metric_lagging_weeks", "lagging_weeks_for", "week_no, unit_code"),
    ("metric_lagging_late", "lagging_late_for", "unit_code, week_no, arrived_at"),
    ("metric_lagging_states", "lagging_states_for", "unit_code, valid_from"),
    ("metric_lagging_completion", "lagging_completion_for", "unit_code, phase_number, arrived_at"),
    ("metric_lagging_checked", "lagging_checked_for", "due_n, unit_code, valid_from"),
    ("metric_group_windows", "group_windows_for", "unit_code, phase_number"),
    ("metric_phase_posts", "phase_posts_for", "received_at, unit_code"),
    ("metric_window_posts", "window_posts_for", "unit_code, phase_number"),
    ("metric_week_series", "week_series_for", "week_start, series_sort"),
    ("metric_post_urls", "post_urls_live", "unit_code, url_norm"),
    ("metric_plausibility", "plausibility_for", "received_at, unit_code"),
)


def source(live: str) -> str:
    """The rows of a live definition for the campaigns in the parameter $c."""
    if live.endswith("_for"):
        return f"select * from {live}($c)"
    return f"select * from {live} where list_contains($c, campaign_code)"


def stale(con: duckdb.DuckDBPyConnection, campaigns: Iterable[str] | None = None) -> list[str]:
    """Campaigns (among `campaigns`, default all) whose rollup is missing or out of date."""
    codes = None if campaigns is None else list(campaigns)
    rows = con.execute("select campaign_code from rollup_stale_for($c) order by 1", {"c": codes}).fetchall()
    return [r[0] for r in rows]


def refresh(con: duckdb.DuckDBPyConnection, campaigns: str | Iterable[str] | None = None) -> dict[str, int]:
    """Rebuild the rollup of the given campaigns (default: every stale one); return rows per campaign
    in weekly_values. A campaign that no longer exists loses its rollup.

    Runs in its own transaction, or inside the caller's when one is open.
    """
    if isinstance(campaigns, str):
        codes = [campaigns]
    elif campaigns is None:
        codes = stale(con)
    else:
        codes = list(campaigns)
    if not codes:
        with _lock:
            _mark_checked(con)
        return {}
    with _lock:
        return _refresh(con, codes)


def _refresh(con: duckdb.DuckDBPyConnection, codes: list[str]) -> dict[str, int]:
    t0 = time.perf_counter()
    own = _begin(con)
    try:
        for table, live, order in TABLES:
            con.execute(f"delete from {table} where list_contains($c, campaign_code)", {"c": codes})
            con.execute(f"insert into {table} by name {source(live)} order by campaign_code, {order}",
                        {"c": codes})
        con.execute("delete from rollup_state where list_contains($c, campaign_code)", {"c": codes})
        con.execute(
            """
            insert into rollup_state
            select f.campaign_code, f.fingerprint,
                   (select count(*) from weekly_values v where v.campaign_code = f.campaign_code),
                   now()::timestamp
            from rollup_fingerprints($c) f
            """,
            {"c": codes},
        )
        counts = dict(con.execute(
            "select campaign_code, rows from rollup_state where list_contains($c, campaign_code)",
            {"c": codes},
        ).fetchall())
        _mark_checked(con)
    except BaseException:
        if own:
            con.execute("rollback")
        raise
    if own:
        con.execute("commit")
    log.info("rollup refreshed for %s in %.0f ms", ", ".join(codes), 1000 * (time.perf_counter() - t0))
    return {c: counts.get(c, 0) for c in codes}


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the data version has not moved since the rollup was last found whole (one cheap
    query). A write that is not audited does not move it: its writer refreshes what it changed."""
    return con.execute(
        "select (select version from data_version) "
        "= (select max(fingerprint) from rollup_state where campaign_code = '*')"
    ).fetchone()[0] is True


def ensure_fresh(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Rebuild whatever is stale; return the campaigns rebuilt (usually none, after one cheap query)."""
    if is_fresh(con):
        return []
    return list(refresh(con))


def _mark_checked(con: duckdb.DuckDBPyConnection) -> None:
    """Remember the data version once no campaign is stale any more."""
    if con.execute("select count(*) from rollup_stale_for(null)").fetchone()[0]:
        return
    con.execute("delete from rollup_state where campaign_code = '*'")
    con.execute("insert into rollup_state select '*', version, 0, now()::timestamp from data_version")


def _begin(con: duckdb.DuckDBPyConnection) -> bool:
    """Start a transaction unless the caller already has one open; True when we started it.

    Detected without an error (any error aborts an open DuckDB transaction): in autocommit mode every
    statement is its own transaction, so two statements see different transaction ids. A lake has no
    txid_current() (it fails there, and badly): its connection knows (loaders.store.lake).
    """
    if getattr(con, "is_lake", False):
        if con.in_transaction:
            return False
        con.execute("begin transaction")
        return True
    first = con.execute("select txid_current()").fetchone()[0]
    if con.execute("select txid_current()").fetchone()[0] == first:
        return False
    con.execute("begin transaction")
    return True
