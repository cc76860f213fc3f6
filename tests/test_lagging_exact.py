"""The rollup and the lagging list come out the same after every rebuild, and a unit exactly at a
rule's threshold is not below it (issue 9).

Sums and means over fractional values (values spread over weeks by days, targets, completion
ratios) were added as DOUBLE: DuckDB's threads add partial sums in whatever order they finish, so
two builds of the rollup of the same data differed in the last bit, and a unit at a threshold
could flip in or out of the lagging list after a mere rebuild. They are now exact (DECIMAL), and
the rules compare at 9 decimals (definitions/02_parameters.sql, 31_lagging_rules.sql).
"""
from __future__ import annotations

import shutil
from datetime import date, timedelta

import pandas as pd

import queries
from loaders.store import db, rollup
from tests import demo_db
from tests.test_lagging_rollup import as_of_times
from tests.test_queries_metrics import WEEKS, _add_commune, build_fixture, by, monday_after, run

THREADS = 4       # more threads than the machine's cores: partial sums finish in varying order


def _snapshot(con, tag: str, code: str, times: list) -> pd.DataFrame:
    """Copies of every rollup table and of the lagging rules at `times`; the lagging list."""
    for table, _, _ in rollup.TABLES:
        con.execute(f"create or replace table {tag}_{table} as select * from {table}")
    con.execute(f"create or replace table {tag}_rules as select * from lagging_rules_at($c, $t)",
                {"c": [code], "t": times})
    return queries.run("lagging_units", con, campaign=code, as_of=demo_db.AS_OF)


def _differing(con, a: str, b: str) -> int:
    """Rows of table a not in b plus rows of b not in a (values compared exactly)."""
    return con.execute(f"select (select count(*) from (select * from {a} except all select * from {b})) "
                       f"+ (select count(*) from (select * from {b} except all select * from {a}))"
                       ).fetchone()[0]


def test_two_builds_of_the_rollup_are_bit_for_bit_equal(demo_path, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_path, path)
    con = db.connect(path, threads=THREADS)
    try:
        code = demo_db.CAMPAIGN
        times = as_of_times(con, code, every_hours=49)
        lists = []
        for tag in ("first", "second"):
            rollup.refresh(con, code)
            lists.append(_snapshot(con, tag, code, times))
        differing = {t: n for t in [t for t, _, _ in rollup.TABLES] + ["rules"]
                     if (n := _differing(con, f"first_{t}", f"second_{t}"))}
        assert differing == {}
        assert con.execute("select count(*) from first_rules").fetchone()[0] > 1000
        assert con.execute("select count(*) from first_metric_lagging_completion").fetchone()[0] > 0
        assert len(lists[0]) > 0
        pd.testing.assert_frame_equal(lists[0], lists[1], check_exact=True)
    finally:
        con.close()


# (unit, value of the W1–W3 report, W4, W5, W6): the weeks before W5–W6 add up to 12 (Z4: 20)
BORDER = [("Z1", 10, 2, 2, 1), ("Z2", 7, 5, 2, 1), ("Z3", 1, 11, 2, 1), ("Z4", 11, 9, 3, 2),
          ("Z5", 10, 2, 1, 1)]


def test_a_unit_exactly_at_the_sharp_drop_threshold_does_not_lag(tmp_path):
    """Each Z commune sends one report for W1–W3 (21 days: a third of its value a week, W3 split
    by the phase boundary into 3/21 + 4/21), then weekly reports for W4, W5 and W6 (ttcs_tin_bai).
    As of 19/11 the 4 reported weeks before W5–W6 add up to 12 (Z4: 20): 3 a week (Z4: 5), half
    of it 1.5 (Z4: 2.5). Z1–Z4's last two weeks average exactly that: not below half, no sharp
    drop. Added as DOUBLE, the thirds made 12 or 12.000000000000002 depending on the order the
    weeks were added in, and such a unit lagged or not from one rebuild to the next. Z5's 1 a
    week is below: a sharp drop."""
    path = tmp_path / "border.duckdb"
    build_fixture(path)
    con = db.connect(path, threads=THREADS)
    try:
        for code, first, w4, w5, w6 in BORDER:
            _add_commune(con, code, f"Xã Biên {code}",
                         {4: {"ttcs_tin_bai": w4}, 5: {"ttcs_tin_bai": w5}, 6: {"ttcs_tin_bai": w6}},
                         reports=[(WEEKS[0], WEEKS[2] + timedelta(days=6), monday_after(3, 9),
                                   {"ttcs_tin_bai": first})])
        as_of = pd.Timestamp(date(2025, 11, 19)) + timedelta(days=1, microseconds=-1)
        for _ in range(3):                    # the same answer after each rebuild
            rollup.refresh(con, "tq")
            r = by(run(con, "lagging_reasons"), "unit_code", "rule_code")
            assert sorted(u for u, rule in r if rule == "sharp_drop" and u.startswith("Z")) == ["Z5"]
            assert r["Z5", "sharp_drop"]["reason"] == \
                "2 tuần gần nhất trung bình 1/tuần, giảm từ 3/tuần (4 tuần có báo cáo trước đó)"
            direct = con.execute("select unit_code from lagging_rules_direct_at(['tq'], [$t]) "
                                 "where rule_code = 'sharp_drop' and unit_code like 'Z%'",
                                 {"t": as_of}).fetchall()
            assert direct == [("Z5",)]
    finally:
        con.close()
