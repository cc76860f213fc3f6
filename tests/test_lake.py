"""The national store (issue 14): DuckLake with its catalog in a real PostgreSQL (tests/pg.py).

Every query gives the same rows on the lake as on the file (the demo copied over); writers take
turns under one advisory lock; the keys a file's constraints enforce are enforced at commit.
"""
from __future__ import annotations

import os
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest

import queries
from loaders.__main__ import main
from loaders.store import db, lake

CAMPAIGN = "daklak-2025"


def _arguments(con) -> dict:
    start, today = con.execute("select start_date, demo_today from campaigns where code = ?", [CAMPAIGN]).fetchone()
    monday = start - timedelta(days=start.weekday())
    week = monday + timedelta(days=21)
    sid = con.execute("select min(id) from submissions where is_current").fetchone()[0]
    return {"campaign": CAMPAIGN, "as_of": today, "unit": "24121", "units": None, "phase": 1,
            "period_start": week, "period_end": week + timedelta(days=6), "submission": sid,
            "week_start": week, "era": "2025", "province": "66", "since": start, "until": today}


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        return df.reset_index(drop=True)
    keys = [c for c in df.columns if df[c].map(lambda v: isinstance(v, (list, dict)) or hasattr(v, "__len__")
                                                and not isinstance(v, str)).sum() == 0]
    return df.sort_values(keys, kind="stable").reset_index(drop=True) if keys else df.reset_index(drop=True)


# None: the demo's tables are all small enough to be read from local copies (loaders.store.lake_read);
# 200: most of them are read from the lake itself, beside the copies of the smallest
@pytest.mark.parametrize("small_rows", [None, 200])
def test_every_query_is_equal_on_the_file_and_the_lake(demo_path, demo_lake, tmp_path, small_rows, monkeypatch):
    import shutil

    from loaders.store import lake_read

    if small_rows is not None:
        monkeypatch.setattr(lake_read, "SMALL_ROWS", small_rows)

    # a private copy: an app test may still hold the demo file open (read-write, idle)
    shutil.copyfile(demo_path, tmp_path / "demo.duckdb")
    file_con = db.connect(tmp_path / "demo.duckdb", read_only=True)
    lake_con = db.connect(demo_lake, read_only=True)
    try:
        args = _arguments(file_con)
        names = queries.list_queries()
        assert len(names) > 20
        for name in names:
            params = {p.lstrip("$"): args[p.lstrip("$")] for p in queries.header(name)["params"]}
            on_file = _sorted(queries.run(name, file_con, **params))
            on_lake = queries.run(name, lake_con, **params)
            # the copy itself is audited on the lake: one more entry, the data version one further
            if name == "data_version":
                on_lake["version"] -= 1
            if "action" in on_lake.columns:
                on_lake = on_lake[on_lake["action"] != "copy"]
            on_lake = _sorted(on_lake)
            pd.testing.assert_frame_equal(on_file, on_lake, check_dtype=False, obj=name)
    finally:
        file_con.close()
        lake_con.close()


def test_sql_command_on_the_lake_reads_and_never_writes(demo_lake, capsys):
    assert main(["sql", "select count(*) as n from submissions where is_current", "--db", demo_lake, "--json"]) == 0
    assert '"n": ' in capsys.readouterr().out
    assert main(["sql", "delete from submissions", "--db", demo_lake]) == 1
    assert "chỉ đọc" in capsys.readouterr().err
    con = db.connect(demo_lake, read_only=True)
    assert con.execute("select count(*) from submissions").fetchone()[0] > 100
    con.close()


def test_the_lake_holds_no_constraint_but_commits_check_the_keys(new_lake):
    where = new_lake()
    con = db.connect(where)
    try:
        assert db.is_lake(con)
        assert con.execute("select count(*) from duckdb_constraints() where constraint_type in "
                           "('PRIMARY KEY', 'UNIQUE') and database_name = current_database()").fetchone()[0] == 0
        with db.transaction(con):
            con.execute("insert into app_secrets values ('x', 'a', now())")
        with pytest.raises(duckdb.ConstraintException):
            with db.transaction(con):
                con.execute("insert into app_secrets values ('x', 'b', now())")
        with pytest.raises(duckdb.ConstraintException):
            con.execute("insert into app_secrets values ('x', 'c', now())")     # a statement on its own
        assert con.execute("select value from app_secrets").fetchall() == [("a",)]
        # ids keep counting from lake_sequences, inside or outside a transaction
        first = db.next_ids(con, "audit_id_seq", 3)
        assert db.next_ids(con, "audit_id_seq") == [first[-1] + 1]
    finally:
        con.close()


def test_a_lake_needs_its_data_folder(postgres, monkeypatch, capsys):
    monkeypatch.delenv("CM_LAKE_DATA", raising=False)
    assert main(["migrate", "--db", "ducklake:postgres:" + postgres.dsn("postgres")]) == 3
    assert "CM_LAKE_DATA" in capsys.readouterr().err


def _overview(monkeypatch, where: str) -> dict:
    from tests.apptest import open_app

    monkeypatch.setenv("CM_DB", where)
    monkeypatch.setenv("CM_DEMO", "0")
    app = open_app(default_timeout=120)
    app.switch_page("pages/overview.py")
    app.run()
    assert not app.exception, app.exception
    return {m.label: m.value for m in app.metric}


def test_the_app_shows_the_same_on_the_file_and_the_lake(demo_path, demo_lake, monkeypatch):
    on_file = _overview(monkeypatch, str(demo_path))
    assert len(on_file) >= 4
    assert _overview(monkeypatch, demo_lake) == on_file


def _tables(con) -> dict[str, list]:
    from loaders.store import backup

    skip = ("audit_log", "schema_migrations", "schema_definitions", "rollup_state", "lake_sequences")
    return {t: sorted(map(repr, con.execute(f'select * from "{t}"').fetchall()))
            for t in backup.base_tables(con) if t not in skip}


def test_backup_and_restore_on_a_lake(demo_lake, demo_path, tmp_path, monkeypatch):
    """Last in this file: it writes to the session's demo lake (and restores it). The backup is the
    lake copied into a file store (`copy` from a lake)."""
    from loaders.ingest import pipeline
    from loaders.store import backup
    from tests import workbooks as wb

    import shutil

    # a private copy: the app test before may still hold the demo file open (read-write, idle)
    shutil.copyfile(demo_path, tmp_path / "demo.duckdb")
    file_con = db.connect(tmp_path / "demo.duckdb", read_only=True)
    expected = _tables(file_con)
    file_con.close()
    monkeypatch.setenv("CM_BACKUP_DIR", str(tmp_path / "safety"))   # the restore's own backup goes here
    con = db.connect(demo_lake)
    try:
        out = backup.backup(con, tmp_path / "lake-backup.duckdb")
        saved = db.connect(out, read_only=True)
        assert _tables(saved) == expected
        saved.close()
        # a change, then the restore brings the backed-up state back (the current one is backed up first)
        r = pipeline.ingest_bytes(con, wb.xlsx(wb.report("Phường Tân Lập", date(2025, 11, 10), date(2025, 11, 16),
                                                         {"ttcs_tin_bai": 77}, unit_code="24121")),
                                  "tan-lap-77.xlsx", CAMPAIGN)
        assert r.status == "accepted"
        assert _tables(con) != expected
        backup.restore(con, out)
        assert _tables(con) == expected
        actions = [a for (a,) in con.execute("select action from audit_log order by id desc limit 3").fetchall()]
        assert actions[0] == "restore"
        assert len(list((tmp_path / "safety").glob("lake-*.duckdb"))) == 1   # the state before, kept
        # new ids land past the restored ones
        top = con.execute("select max(id) from submissions").fetchone()[0]
        assert db.next_ids(con, "submission_id_seq")[0] > top
    finally:
        con.close()
