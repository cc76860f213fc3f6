"""The lagging rules read the rollup (metric_lagging_*, migration 120; lagging_rules_at) and give the
same rows as the rules computed directly from the week and task tables (lagging_rules_direct_at, the
readable reference of definitions/31_lagging_rules.sql): on the demo at every kind of as-of time —
between deadlines, a microsecond before and after a deadline or a report's arrival, before the
campaign and after it — and after each kind of write that refreshes the rollup (a late report, a
changed deadline, changed phases, a restore). Completion may differ in the last bit (a mean whose
terms are added in another order); everything else is equal.
"""
from __future__ import annotations

import shutil
from datetime import timedelta

import pandas as pd
import pytest

import queries
from loaders.accounts import settings_edit
from loaders.store import backup, db, rollup
from tests import demo_db

COLUMNS = ("campaign_code, as_of, unit_code, rule_code, rule_order, weight, reason, value, threshold, "
           "phase_number, completion, expected, never_reported, reporting_rate")
US = timedelta(microseconds=1)


def as_of_times(con, code: str, every_hours: int = 61, arrivals: int = 12) -> list:
    """Times across the campaign and around it, every deadline ± 1 µs, some arrivals ± 1 µs."""
    first, last = con.execute("select min(deadline), max(deadline) from metric_weeks where campaign_code = ?",
                              [code]).fetchone()
    spread = list(pd.date_range(first - timedelta(days=9), last + timedelta(days=9),
                                freq=f"{every_hours}h").to_pydatetime())
    deadlines = [d for (d,) in con.execute("select deadline from metric_weeks where campaign_code = ? "
                                           "order by week_no", [code]).fetchall()]
    arrived = [a for (a,) in con.execute(
        "select distinct received_at from submissions where campaign_code = ? order by 1",
        [code]).fetchall()]
    step = max(1, len(arrived) // arrivals)
    near = [t + d for t in deadlines + arrived[::step] for d in (-US, timedelta(0), US)]
    return sorted(set(spread + near))


def assert_same_rules(con, codes: list[str], times: list) -> int:
    fast = con.execute(f"select {COLUMNS} from lagging_rules_at($c, $t) order by all",
                       {"c": codes, "t": times}).fetchdf()
    direct = con.execute(f"select {COLUMNS} from lagging_rules_direct_at($c, $t) order by all",
                         {"c": codes, "t": times}).fetchdf()
    assert len(fast) == len(direct)
    pd.testing.assert_frame_equal(fast, direct, check_dtype=False, check_exact=False, rtol=1e-12)
    return len(fast)


def _read_only_copy(demo_path, tmp_path):
    """The demo read from a private copy: a page test run before in the same process may still hold
    the shared demo open for writing, and DuckDB refuses a second, read-only configuration of it."""
    path = tmp_path / "demo-read.duckdb"
    shutil.copyfile(demo_path, path)
    return db.connect(path, read_only=True)


@pytest.fixture
def demo_copy(demo_path, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_path, path)
    c = db.connect(path)
    yield c
    c.close()


def test_the_rollup_gives_the_direct_rows_on_the_demo(demo_path, tmp_path):
    con = _read_only_copy(demo_path, tmp_path)
    try:
        times = as_of_times(con, demo_db.CAMPAIGN)
        rows = assert_same_rules(con, [demo_db.CAMPAIGN], times)
        assert rows > 1000          # units lag for every reason at some of these times
        reasons = {r for (r,) in con.execute(
            "select distinct rule_code from lagging_rules_at($c, $t)",
            {"c": [demo_db.CAMPAIGN], "t": times}).fetchall()}
        assert reasons == {"reporting", "progress", "silent_channel", "sharp_drop"}
        # the queries on top read the fast macro: the lagging list of the demo day
        units = queries.run("lagging_units", con, campaign=demo_db.CAMPAIGN, as_of=demo_db.AS_OF)
        assert len(units) > 0 and units["weeks_lagging"].min() >= 1
    finally:
        con.close()


def _late_report(con, code: str, unit: str, week_start, received_at, values: dict) -> None:
    sid = con.execute("select coalesce(max(id), 0) + 1 from submissions").fetchone()[0]
    con.execute("insert into submissions (id, campaign_code, unit_code, period_start, period_end, version, "
                "is_current, file_name, file_hash, file_size, received_at, submitted_by) "
                "values (?, ?, ?, ?, ?, 1, true, 'late.xlsx', ?, 1, ?, 'test')",
                [sid, code, unit, week_start, week_start + timedelta(days=6), f"late-{sid}", received_at])
    for indicator, value in values.items():
        con.execute("insert into report_values (submission_id, indicator_code, value) values (?, ?, ?)",
                    [sid, indicator, float(value)])


def test_the_rollup_stays_equal_after_each_kind_of_write(demo_copy, tmp_path):
    con, code = demo_copy, demo_db.CAMPAIGN
    saved = backup.backup(con, tmp_path / "before.duckdb", actor="test")
    # reports that arrive weeks after their deadline, for weeks nobody reported (the late tail)
    missing = con.execute(
        "select unit_code, week_start, deadline from metric_unit_weeks where campaign_code = ? "
        "and received_at is null and deadline < ? order by week_no, unit_code limit 6",
        [code, pd.Timestamp(demo_db.AS_OF)]).fetchall()
    assert missing
    for i, (unit, week_start, deadline) in enumerate(missing):
        _late_report(con, code, unit, week_start, deadline + timedelta(days=9 + i, hours=3),
                     {"ttcs_tin_bai": 2 + i, "mxh_facebook": 1})
    rollup.refresh(con, code)                      # the writer's refresh
    assert con.execute("select count(*) from metric_lagging_late where campaign_code = ?",
                       [code]).fetchone()[0] > 0
    assert_same_rules(con, [code], as_of_times(con, code, every_hours=97))
    # a later deadline: weeks fall due later and other reports become late (settings edit refreshes)
    settings_edit.update_details(con, code, {"deadline_hour": 8, "deadline_days": 2}, actor="test")
    assert_same_rules(con, [code], as_of_times(con, code, every_hours=97))
    # phases moved: the current phase and its completion change
    phases = con.execute("select number, name, start_date, end_date from phases where campaign_code = ? "
                         "order by number", [code]).fetchall()
    rows = [{"number": n, "name": name, "start": s, "end": e} for n, name, s, e in phases]
    rows[0]["end"] = rows[0]["end"] - timedelta(days=10)
    rows[1]["start"] = rows[1]["start"] - timedelta(days=10)
    settings_edit.update_schedule(con, code, rows, actor="test")
    assert_same_rules(con, [code], as_of_times(con, code, every_hours=97))
    # a restore brings back the rollup of the backup
    backup.restore(con, saved, actor="test")
    assert_same_rules(con, [code], as_of_times(con, code, every_hours=97))
    assert con.execute("select count(*) from submissions where file_name = 'late.xlsx'").fetchone()[0] == 0


def test_the_rollup_gives_the_direct_rows_around_every_late_arrival(demo_path, tmp_path):
    """The counts per stretch of time (metric_lagging_states, migration 150) change at each
    deadline and at each arrival after a deadline: a microsecond before, at and after every such
    arrival of the demo, the rules read from the rollup are the direct ones."""
    con = _read_only_copy(demo_path, tmp_path)
    try:
        code = demo_db.CAMPAIGN
        late = [t for (t,) in con.execute(
            "select distinct arrived_at from metric_lagging_late where campaign_code = $c "
            "union select distinct received_at from metric_lagging_weeks where campaign_code = $c and late "
            "order by 1", {"c": code}).fetchall()]
        assert len(late) > 10
        step = max(1, len(late) // 40)
        times = sorted({t + d for t in late[::step] for d in (-US, timedelta(0), US)})
        assert assert_same_rules(con, [code], times) > 0
        stretches = con.execute("select count(*) from metric_lagging_states where campaign_code = $c",
                                {"c": code}).fetchone()[0]
        assert stretches > 0
    finally:
        con.close()


def test_the_rollup_gives_the_direct_rows_around_every_midnight(demo_path, tmp_path):
    """The lagging rollup keeps one row per stretch between deadlines, late arrivals, arrivals of
    task values and phase starts (metric_lagging_checked, migration 180); "behind plan" compares
    with the phase's expected completion, which grows at every midnight inside a stretch: a
    microsecond before and after every midnight of the demo's campaign, the rules read from the
    rollup are the direct ones, and units fall behind plan at some of them."""
    con = _read_only_copy(demo_path, tmp_path)
    try:
        code = demo_db.CAMPAIGN
        first, last = con.execute("select min(start_date), max(end_date) + 2 from phases "
                                  "where campaign_code = ?", [code]).fetchone()
        days = pd.date_range(first, last, freq="D").to_pydatetime()
        times = sorted({d + delta for d in days for delta in (-US, timedelta(0))})
        assert assert_same_rules(con, [code], times) > 0
        behind_days = con.execute(
            "select count(distinct cast(as_of as date)) from lagging_checked_at($c, $t) where fires_behind",
            {"c": [code], "t": times}).fetchone()[0]
        assert behind_days > 10
    finally:
        con.close()


def test_current_phase_completion_from_the_rollup_is_the_computed_one(demo_path, tmp_path):
    """The overview's completion (current_phase_completion) reads each unit's completion from the
    lagging rollup (metric_lagging_completion); at times across the demo's campaign it is, to the
    last bit, the mean over tasks that unit_phase_completion computes from the task tables."""
    con = _read_only_copy(demo_path, tmp_path)
    try:
        code = demo_db.CAMPAIGN
        checked = 0
        for t in as_of_times(con, code, every_hours=113, arrivals=6)[::3]:
            fast = con.execute("select unit_code, completion, expected from current_phase_completion($c, $t) "
                               "order by unit_code", {"c": [code], "t": t}).fetchall()
            ref = con.execute(
                "select u.unit_code, u.completion, u.expected from unit_phase_completion($c, $t) u "
                "join campaign_asof($c, $t) s on s.campaign_code = u.campaign_code "
                "and s.phase_number = u.phase_number order by u.unit_code", {"c": [code], "t": t}).fetchall()
            assert fast == ref
            checked += len(fast)
        assert checked > 100
    finally:
        con.close()
