"""Every .sql file in queries/: it has its header, binds exactly the parameters it declares, runs on
the hand-worked fixture of test_queries_metrics, returns exactly its declared columns, and has no
duplicate rows at its declared grain (the header's key columns). Also the runner itself: parameter
binding, errors, time limit, and the weekly rollup kept in step with the store by its writers (reads
never write)."""
from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd
import pytest

import queries
from loaders.store import db
from loaders.store import rollup
from tests.test_queries_metrics import AS_OF, CAMPAIGN, WEEKS, build_fixture, monday_after

# Arguments for every parameter any query declares (the fixture's campaign, as of 19/11/2025).
ARGS = {
    "campaign": CAMPAIGN, "as_of": AS_OF, "unit": "X2", "units": None, "phase": 2,
    "period_start": WEEKS[2], "period_end": WEEKS[2] + timedelta(days=6), "submission": 1,
    "week_start": WEEKS[2], "era": "2025", "province": "99",
    "since": date(2025, 10, 1), "until": AS_OF,
}


def args_for(name: str) -> dict:
    declared = [p.lstrip("$") for p in queries.header(name)["params"]]
    unknown = [p for p in declared if p not in ARGS]
    assert not unknown, f"{name}: add a test value for ${', $'.join(unknown)} to ARGS in {__file__}"
    return {p: ARGS[p] for p in declared}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = tmp_path_factory.mktemp("queries_all") / "tq.duckdb"
    build_fixture(path)
    c = db.connect(path)
    _kept_rows(c)
    yield c
    c.close()


def _kept_rows(c) -> None:
    """Rows kept aside (issue 10): one waiting, one mapped to an indicator, one mapping undone."""
    sid, unit, a, b = c.execute("select id, unit_code, period_start, period_end from submissions "
                                "where is_current order by id limit 1").fetchone()
    c.execute("insert into wording_mappings (wording_key, label, campaign_code, indicator_code, created_at, "
              "created_by, undone_at, undone_by) values ('phong bat', 'Phông bạt', ?, 'tq_bang_ron', now(), 'qt', "
              "null, null), ('co hoa', 'Cờ hoa', null, 'tq_co', now(), 'qt', now(), 'qt')", [CAMPAIGN])
    mid = c.execute("select id from wording_mappings where wording_key = 'phong bat'").fetchone()[0]
    c.execute("insert into unclassified_rows (submission_id, campaign_code, unit_code, period_start, period_end, "
              "file_name, sheet, cell, value_cell, label, wording_key, raw_value, value, uom, reason, suggestion, "
              "mapping_id, applied_code) values "
              "(?, ?, ?, ?, ?, 'a.xlsx', 'Sheet1', 'B9', 'D9', 'Cờ hoa', 'co hoa', '5', 5, 'lá', 'unknown', 'tq_co', "
              "null, null), "
              "(?, ?, ?, ?, ?, 'a.xlsx', 'Sheet1', 'B10', 'D10', 'Phông bạt', 'phong bat', '2', 2, 'cái', 'unknown', "
              "null, ?, 'tq_bang_ron')", [sid, CAMPAIGN, unit, a, b, sid, CAMPAIGN, unit, a, b, mid])


@pytest.mark.parametrize("name", queries.list_queries())
def test_query_header_columns_and_grain(con, name):
    text = (queries.QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")
    assert text.startswith(f"-- name: {name}\n-- grain: "), "header must start with name and grain"
    h = queries.header(name)
    assert h["grain"].startswith("one row per"), h["grain"]
    assert h["key"] and set(h["key"]) <= set(h["columns"]), "key columns must be declared columns"
    declared = {p.lstrip("$") for p in h["params"]}
    assert declared == set(queries.load(name).used), "declared params must be the params the SQL uses"
    assert "select * from final" in text.rstrip().splitlines()[-1], "dbt style: select * from final last"
    assert "{" not in re.sub(r"--[^\n]*|'[^']*'", "", text), "no templating"
    df = queries.run(name, con, **args_for(name))
    assert list(df.columns) == h["columns"]
    dupes = df[df.duplicated(subset=h["key"], keep=False)]
    assert dupes.empty, f"duplicate rows at the grain {h['key']}:\n{dupes}"


def test_every_query_returns_rows_on_the_fixture(con):
    # a query that returns nothing on a fixture made to exercise it hides its mistakes
    empty = [n for n in queries.list_queries() if queries.run(n, con, **args_for(n)).empty]
    assert set(empty) <= {"campaign_audit", "unit_boundaries", "map_boundaries", "audit_log"}, empty


# ---------------------------------------------------------------------------------------------
# The runner


def test_missing_parameter_is_named(con):
    with pytest.raises(queries.QueryError, match=r"reporting_rate_by_unit needs parameter\(s\) as_of"):
        queries.run("reporting_rate_by_unit", con, campaign=CAMPAIGN)


def test_unknown_query(con):
    with pytest.raises(queries.QueryError, match="unknown query"):
        queries.run("no_such_metric", con)
    with pytest.raises(queries.QueryError):
        queries.run("../loaders/db", con)


def test_extra_parameters_are_not_bound(con):
    df = queries.run("campaign_phases", con, campaign=CAMPAIGN, as_of=AS_OF, unit="X1")
    assert len(df) == 2


def test_campaign_may_be_a_list_or_none(con):
    one = queries.run("reporting_rate_by_unit", con, campaign=CAMPAIGN, as_of=AS_OF)
    many = queries.run("reporting_rate_by_unit", con, campaign=[CAMPAIGN, "other"], as_of=AS_OF)
    pd.testing.assert_frame_equal(one, many)
    every = queries.run("reporting_rate_by_unit", con, campaign=None, as_of=AS_OF)
    pd.testing.assert_frame_equal(one, every)
    with pytest.raises(queries.QueryError, match="as_of is required"):
        queries.run("reporting_rate_by_unit", con, campaign=CAMPAIGN, as_of=None)


def test_as_of_conversions():
    end = datetime(2025, 11, 19, 23, 59, 59, 999999)
    assert queries._as_of(date(2025, 11, 19)) == end
    assert queries._as_of("2025-11-19") == end
    assert queries._as_of(pd.Timestamp("2025-11-19")) == end
    assert queries._as_of(datetime(2025, 11, 19, 8, 30)) == datetime(2025, 11, 19, 8, 30)
    assert queries._as_of("2025-11-19T08:30:00") == datetime(2025, 11, 19, 8, 30)
    with pytest.raises(queries.QueryError):
        queries._as_of(20251119)


def test_header_of_a_query():
    h = queries.header("reporting_rate_by_unit")
    assert h["params"] == ["$campaign", "$as_of"]
    assert h["key"] == ["campaign_code", "unit_code"]
    assert h["columns"][:3] == ["campaign_code", "unit_code", "unit_name"]
    assert "reporting_rate_by_unit" in queries.list_queries()


def test_time_limit_interrupts(con, tmp_path, monkeypatch):
    (tmp_path / "slow.sql").write_text(
        "-- name: slow\n-- grain: one row\n-- key: n\n-- params: none\n-- columns: n\n"
        "with final as (select count(*) as n from range(100000000000) a) select * from final\n",
        encoding="utf-8")
    monkeypatch.setattr(queries, "QUERY_DIR", tmp_path)
    t = time.perf_counter()
    with pytest.raises(queries.QueryTimeout, match="slow"):
        queries.run("slow", con, timeout_s=0.3)
    assert time.perf_counter() - t < 5
    # the connection still works
    assert con.execute("select 1").fetchone() == (1,)


def test_connect_read_only(tmp_path):
    path = tmp_path / "ro.duckdb"
    build_fixture(path)
    c = db.connect(path)
    queries.run("campaign_list", c)            # (opening for writing built the rollup)
    c.close()
    ro = queries.connect(path, read_only=True)
    try:
        df = queries.run("reporting_rate_by_unit", ro, campaign=CAMPAIGN, as_of=AS_OF)
        assert len(df) == 5
    finally:
        ro.close()


# ---------------------------------------------------------------------------------------------
# The rollup


def test_rollup_tables_equal_their_live_definitions(con):
    assert rollup.stale(con) == []             # opening for writing refreshed whatever was stale
    for table, live, _ in rollup.TABLES:
        cols = [r[0] for r in con.execute(f"describe {table}").fetchall()]
        order = ", ".join(c for c in cols if c not in ("phases", "phase_numbers", "submission_ids"))
        a = con.execute(f"select * from {table} order by {order}").fetchdf()
        codes = [r[0] for r in con.execute("select code from campaigns").fetchall()]
        b = con.execute(f"select {', '.join(cols)} from ({rollup.source(live)}) order by {order}",
                        {"c": codes}).fetchdf()
        assert len(a) == len(b) > 0, table
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                      check_dtype=False, obj=table)


def test_a_new_report_is_seen_once_its_writer_refreshes(tmp_path):
    """Reads never write (issue 9): a query reads the rollup as its writers left it. A raw write
    without the refresh its writer owes is not seen; the refresh makes it seen."""
    path = tmp_path / "fresh.duckdb"
    build_fixture(path)
    c = db.connect(path)
    try:
        before = queries.run("reporting_rate_by_unit", c, campaign=CAMPAIGN, as_of=AS_OF)
        assert before.set_index("unit_code").loc["X3", "received"] == 0
        assert rollup.is_fresh(c)
        # X3 finally reports W6, written without any rollup call: the query does not rebuild anything
        c.execute("insert into submissions (id, campaign_code, unit_code, period_start, period_end, version, "
                  "is_current, file_name, file_hash, file_size, received_at, submitted_by) "
                  "values (500, ?, 'X3', ?, ?, 1, true, 'x3.xlsx', 'x3', 1, ?, 'test')",
                  [CAMPAIGN, WEEKS[5], WEEKS[5] + timedelta(days=6), monday_after(6, 9)])
        c.execute("insert into report_values (submission_id, indicator_code, value) values (500, 'tq_co', 4)")
        rows = c.execute("select count(*) from weekly_values").fetchone()[0]
        unseen = queries.run("reporting_rate_by_unit", c, campaign=CAMPAIGN, as_of=AS_OF)
        assert unseen.set_index("unit_code").loc["X3", "received"] == 0
        assert c.execute("select count(*) from weekly_values").fetchone()[0] == rows
        assert rollup.stale(c) == [CAMPAIGN]
        rollup.refresh(c, CAMPAIGN)                 # what every writer does after its write
        after = queries.run("reporting_rate_by_unit", c, campaign=CAMPAIGN, as_of=AS_OF)
        assert after.set_index("unit_code").loc["X3", "received"] == 1
        # a changed arrival time (the demo sets received_at after ingesting, then refreshes)
        c.execute("update submissions set received_at = ? where id = 500", [monday_after(6, 20)])
        rollup.refresh(c, CAMPAIGN)
        late = queries.run("reporting_rate_by_unit", c, campaign=CAMPAIGN, as_of=AS_OF)
        assert late.set_index("unit_code").loc["X3", "on_time"] == 0
        # an edited task minimum (the settings page refreshes the rollup after its edit)
        c.execute("update tasks set min_per_phase = 20 where campaign_code = ? and group_code = 'mxh' "
                  "and unit_kind = 'xa'", [CAMPAIGN])
        rollup.refresh(c, CAMPAIGN)
        t = queries.run("phase_completion_by_task", c, campaign=CAMPAIGN, as_of=AS_OF)
        assert set(t[(t["task_code"] == "mxh") & (t["kind"] == "xa")]["target"]) == {20}
        # a changed campaign parameter (settings page) moves the plausibility flags once refreshed
        c.execute("update campaigns set params = ? where code = ?",
                  ['{"cumulative_tolerance": 0.3}', CAMPAIGN])
        rollup.refresh(c, CAMPAIGN)
        f = queries.run("plausibility_flags", c, campaign=CAMPAIGN, as_of=AS_OF)
        assert (f["check_code"] == "cumulative").sum() == 0          # 25 % off is within 30 %
    finally:
        c.close()


def test_opening_for_writing_is_the_safety_net(tmp_path):
    """A writer that stopped between its commit and its refresh (the data version moved, the
    rollup did not follow): the next opening for writing rebuilds what is stale, not a read."""
    path = tmp_path / "net.duckdb"
    build_fixture(path)
    c = db.connect(path)
    c.execute("delete from report_values where submission_id in (select id from submissions where unit_code = 'S1')")
    c.execute("delete from submissions where unit_code = 'S1'")
    db.audit(c, "test", "ingest.accepted", "s1.xlsx")    # every write is audited: the data version moves
    assert not rollup.is_fresh(c)
    c.close()
    c = db.connect(path)
    try:
        assert rollup.is_fresh(c) and rollup.stale(c) == []
        r = queries.run("reporting_rate_by_unit", c, campaign=CAMPAIGN, as_of=AS_OF)
        assert r.set_index("unit_code").loc["S1", "received"] == 0
    finally:
        c.close()


def test_refresh_inside_a_callers_transaction(tmp_path):
    path = tmp_path / "tx.duckdb"
    build_fixture(path)
    c = db.connect(path)
    try:
        with db.transaction(c):
            c.execute("delete from report_values where submission_id in "
                      "(select id from submissions where unit_code = 'S1')")
            c.execute("delete from submissions where unit_code = 'S1'")
            rows = rollup.refresh(c, CAMPAIGN)
        assert rows[CAMPAIGN] > 0
        assert rollup.stale(c) == [] and rollup.is_fresh(c)
        r = queries.run("reporting_rate_by_unit", c, campaign=CAMPAIGN, as_of=AS_OF)
        assert r.set_index("unit_code").loc["S1", "received"] == 0
    finally:
        c.close()


def test_a_deleted_campaign_loses_its_rollup(tmp_path):
    path = tmp_path / "gone.duckdb"
    build_fixture(path)
    c = db.connect(path)
    try:
        rollup.refresh(c)
        assert c.execute("select count(*) from weekly_values").fetchone()[0] > 0
        for t in ("report_values", "report_posts"):
            c.execute(f"delete from {t}")
        for t in ("submissions", "tasks", "org_units", "reporting_kinds", "milestones", "phases", "campaigns"):
            c.execute(f"delete from {t}")
        assert list(rollup.refresh(c)) == [CAMPAIGN]      # the writer refreshes every stale campaign
        assert c.execute("select count(*) from weekly_values").fetchone()[0] == 0
    finally:
        c.close()


def test_read_only_connection_reads_the_rollup_as_it_is(tmp_path):
    """A read-only connection reads without writing anything (and could not): the rollup a raw
    write left stale stays as it was."""
    path = tmp_path / "stale.duckdb"
    build_fixture(path)
    db.connect(path).close()                   # opening for writing builds the rollup
    c = duckdb.connect(str(path))              # raw rows, no writer's refresh: the rollup is stale
    c.execute("delete from report_values")
    c.execute("delete from report_posts")
    c.execute("delete from submissions")
    c.close()
    ro = queries.connect(path, read_only=True)
    try:
        df = queries.run("reporting_rate_by_unit", ro, campaign=CAMPAIGN, as_of=AS_OF)
        assert df["received"].sum() > 0        # the numbers as last built
        assert rollup.stale(ro) == [CAMPAIGN]
    finally:
        ro.close()


# ---------------------------------------------------------------------------------------------
# "As of t" means: only reports whose first version had arrived by t count. The rollup answers
# that by subtracting the rows that arrived later from its totals; check it against a store from
# which those reports were simply removed.

AS_OF_DEPENDENT = [n for n in queries.list_queries()
                   if "$as_of" in queries.header(n)["params"] and n != "plausibility_flags"]


@pytest.fixture(scope="module")
def truncated(tmp_path_factory):
    """(as_of, connection to the full store, connection to the store cut at as_of)."""
    out = []
    for as_of in (datetime(2025, 10, 20, 23, 59), datetime(2025, 10, 28, 12, 0), date(2025, 11, 5)):
        full = tmp_path_factory.mktemp("full") / "full.duckdb"
        cut = tmp_path_factory.mktemp("cut") / "cut.duckdb"
        build_fixture(full)
        build_fixture(cut)
        c = db.connect(cut)
        t = queries._as_of(as_of)
        late = """select s.id from submissions s
                  join (select campaign_code, unit_code, period_start, period_end, min(received_at) as first
                        from submissions group by all) f
                  using (campaign_code, unit_code, period_start, period_end)
                  where f.first > ?"""
        for table, col in (("report_values", "submission_id"), ("report_posts", "submission_id"),
                           ("submissions", "id")):
            c.execute(f"delete from {table} where {col} in ({late})", [t])
        rollup.refresh(c)                      # the writer's refresh (reads never write)
        out.append((as_of, db.connect(full), c))
    yield out
    for _, a, b in out:
        a.close()
        b.close()


@pytest.mark.parametrize("name", AS_OF_DEPENDENT)
def test_as_of_equals_the_store_as_it_was(truncated, name):
    for as_of, full, cut in truncated:
        args = args_for(name) | {"as_of": as_of}
        a = queries.run(name, full, **args)
        b = queries.run(name, cut, **args)
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                      check_exact=False, rtol=1e-9, atol=1e-9,
                                      obj=f"{name} as of {as_of}")
