"""Upgrades: a database built by a released version of the app opens with the current code, every
query runs on it with the same numbers as on a database built by the current code from the same
files, and a database whose applied migration was tampered with is refused.

The released migration files are kept as they were (tests/data/released_migrations/<commit>/):
b20721d, before migration 020 was edited in place (it lacks the macro current_phase_completion, so
on such a database the campaign summary used to fail), and fe7625a, with the edited 020. The old
databases are built by a copy of the migration runner of those commits (no checksums, no
definitions), then given the data the real loaders store (master data, indicators, campaigns, and a
few reports ingested from workbooks built here): the rows of a database the current loaders filled,
copied into the tables the released schema has (today's loaders write tables that schema lacks).
"""
from __future__ import annotations

import functools
import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import queries
from loaders import setup as bootstrap
from loaders.ingest import pipeline as ingest
from loaders.store import db
from loaders.store import backup, rollup
from tests import workbooks as wb

RELEASED = Path(__file__).resolve().parent / "data" / "released_migrations"
CAMPAIGN = "daklak-2025"
AS_OF = date(2025, 10, 1)
MONDAY = date(2025, 9, 8)

# (unit code, unit name, week index from MONDAY, values): a few weeks of a few communes
REPORTS = [
    ("24121", "Phường Tân Lập", 0, {"ttcs_tin_bai": 6, "mxh_facebook": 3, "web_banner": "Có"}),
    ("24121", "Phường Tân Lập", 1, {"ttcs_tin_bai": 4, "mxh_zalo": 2, "ttcs_thoi_luong": 30}),
    ("24121", "Phường Tân Lập", 2, {"ttcs_tin_bai": 1}),
    ("24169", "Phường Ea Kao", 0, {"ttcs_tin_bai": 9, "bc_tin_bai": 2}),
    ("24169", "Phường Ea Kao", 2, {"web_tin_bai": 5, "mxh_facebook": 7}),
]
POSTS = [(date(2025, 9, 9), "Facebook", "Bài 1", "https://www.facebook.com/ubnd/posts/1/"),
         (date(2025, 9, 10), "Zalo", "Bài 2", "https://zalo.me/p/2")]

ARGS = {
    "campaign": CAMPAIGN, "as_of": AS_OF, "unit": "24121", "units": None, "phase": 1,
    "period_start": MONDAY, "period_end": MONDAY + timedelta(days=6), "submission": 1,
    "week_start": MONDAY, "era": "2025", "province": "66",
    "since": date(2025, 9, 1), "until": AS_OF,
}
# columns written from the clock (load and audit times), not from the files
CLOCK_COLUMNS = {"loaded_at", "logged_at", "received_at", "applied_at"}


def old_runner(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """The migration runner as it was at b20721d and fe7625a (loaders/migrations.py then)."""
    con.execute(
        "create table if not exists schema_migrations "
        "(version integer primary key, name varchar not null, applied_at timestamp not null)"
    )
    done = {v for (v,) in con.execute("select version from schema_migrations").fetchall()}
    for path in sorted(folder.glob("*.sql")):
        version = int(re.match(r"(\d+)_", path.name).group(1))
        if version in done:
            continue
        con.execute("begin transaction")
        con.execute(path.read_text(encoding="utf-8"))
        con.execute("insert into schema_migrations values (?, ?, ?)", [version, path.name, datetime.now()])
        con.execute("commit")


@functools.cache
def report_files() -> list[tuple[str, date, bytes]]:
    """The report workbooks, built once: both databases ingest the same bytes."""
    out = []
    for i, (unit, name, week, values) in enumerate(REPORTS):
        start = MONDAY + timedelta(days=7 * week)
        sheets = wb.report(name, start, start + timedelta(days=6), values, unit_code=unit,
                           posts=POSTS if i == 0 else None)
        out.append((f"{unit}-{week}.xlsx", start, wb.xlsx(sheets)))
    return out


def fill(con: duckdb.DuckDBPyConnection) -> None:
    """Master data and campaigns, then the reports, through the real loaders; arrival times pinned
    (the Monday after each week, 9:00) so that two databases built at different moments agree."""
    bootstrap.ensure_ready(con)
    for file_name, start, data in report_files():
        result = ingest.ingest_bytes(con, data, file_name, CAMPAIGN)
        assert result.status == "accepted", result
        con.execute("update submissions set received_at = ? where file_name = ?",
                    [datetime.combine(start + timedelta(days=7), datetime.min.time()) + timedelta(hours=9),
                     file_name])


# the rollup: built by the app that opens the database, not copied
DERIVED = ("metric_", "weekly_", "rollup_state")


def build_released(path: Path, commit: str, source: Path) -> None:
    """The released schema of `commit`, with the rows of `source` in the tables (and columns) it has."""
    con = duckdb.connect(str(path))
    try:
        old_runner(con, RELEASED / commit)
        con.execute(f"attach {db.sql_string(source)} as src (read_only)")
        tables = [t for t in backup.base_tables(con) if t != "schema_migrations" and not t.startswith(DERIVED)]
        for t in backup._parents_first(con, tables):
            cols = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_catalog = current_database() "
                "and table_name = ? and column_name in (select column_name from information_schema.columns "
                "where table_catalog = 'src' and table_name = ?) order by ordinal_position", [t, t]).fetchall()]
            names = ", ".join(f'"{c}"' for c in cols)
            con.execute(f'insert into "{t}" ({names}) select {names} from src.main."{t}"')
        for seq, table in (("submission_id_seq", "submissions"), ("audit_id_seq", "audit_log")):
            top = con.execute(f"select coalesce(max(id), 0) from {table}").fetchone()[0]
            if top:     # as a restore does: new ids after the copied ones
                con.execute(f"select max(nextval('{seq}')) from range(?)", [int(top)])
        con.execute("detach src")
        con.execute("checkpoint")
    finally:
        con.close()


def every_query(con) -> dict[str, pd.DataFrame]:
    out = {}
    for name in queries.list_queries():
        declared = [p.lstrip("$") for p in queries.header(name)["params"]]
        out[name] = queries.run(name, con, **{p: ARGS[p] for p in declared})
    return out


@pytest.fixture(scope="module")
def current(ready_db_path, tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    """A database built by the current code (a copy of the session's ready database, filled through
    the loaders), and every query's result on it."""
    path = tmp_path_factory.mktemp("upgrade") / "current.duckdb"
    shutil.copyfile(ready_db_path, path)
    con = db.connect(path)
    try:
        fill(con)
        rollup.refresh(con)
        return path, every_query(con)
    finally:
        con.close()


def _comparable(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in df.columns if c in CLOCK_COLUMNS]).reset_index(drop=True)


@pytest.mark.parametrize("commit", ["b20721d", "fe7625a"])
def test_a_released_database_upgrades_and_every_query_keeps_its_numbers(tmp_path, current, commit):
    path = tmp_path / f"{commit}.duckdb"
    source, current = current
    build_released(path, commit, source)
    old = duckdb.connect(str(path))
    has_macro = old.execute("select count(*) from duckdb_functions() "
                            "where function_name = 'current_phase_completion'").fetchone()[0]
    old.close()
    assert has_macro == (commit == "fe7625a")   # the defect: b20721d's 020 lacks the macro

    con = db.connect(path)                       # the current code opens (and upgrades) it
    try:
        applied = dict(con.execute("select version, checksum from schema_migrations").fetchall())
        assert set(applied) == {v for v, _ in db.migration_files()}
        assert all(applied.values()), "every applied migration has its checksum recorded"
        if commit == "b20721d":
            assert applied[20] in db.KNOWN_VARIANTS[20]
        # what the app does on start with a store made before the shipped commune polygons
        # (ui/common._ensure_data; issue 13): it loads them
        from loaders.reference.boundaries import shipped

        assert not shipped.is_current(con)
        shipped.ensure_map_boundaries(con)
        rollup.refresh(con)
        got = every_query(con)
    finally:
        con.close()
    assert set(got) == set(current)
    for name in sorted(set(got) - {"data_version"}):     # the newest audit id: how many writes, not numbers
        pd.testing.assert_frame_equal(_comparable(got[name]), _comparable(current[name]),
                                      check_dtype=False, obj=name)
    # the overview's headline numbers (the query that failed on b20721d databases)
    summary = got["campaign_summary"].iloc[0]
    assert (summary["weeks_due"], summary["received"], summary["on_time"]) == (3, len(REPORTS), len(REPORTS))
    # posting indicators: Facebook, Zalo, press and web items
    assert summary["posts"] == 3 + 2 + 2 + 5 + 7 and summary["unique_posts"] == len(POSTS)

    # opening it again changes nothing and refuses nothing
    con = db.connect(path)
    try:
        assert db.migrate(con) == [] and db.apply_definitions(con) == []
    finally:
        con.close()


def test_a_tampered_migration_is_refused_with_its_name(tmp_path):
    path = tmp_path / "tampered.duckdb"
    db.connect(path).close()
    con = duckdb.connect(str(path))
    con.execute("update schema_migrations set checksum = repeat('0', 64) where version = 20")
    con.close()
    for read_only in (False, True):
        with pytest.raises(db.SchemaMismatch, match="020_metric_layer.sql") as e:
            db.connect(path, read_only=read_only)
        assert "Không mở được cơ sở dữ liệu" in str(e.value)


def test_an_edited_definition_reaches_an_existing_database(tmp_path, monkeypatch):
    path = tmp_path / "defs.duckdb"
    db.connect(path).close()
    folder = tmp_path / "definitions"
    folder.mkdir()
    for p in db.definition_files():
        (folder / p.name).write_bytes(p.read_bytes())
    target = folder / "02_parameters.sql"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "as cast(round(100 * x::double) as bigint)::varchar || '%'",
        "as cast(round(100 * x::double) as bigint)::varchar || ' %'"), encoding="utf-8")
    monkeypatch.setattr(db, "DEFINITIONS", folder)
    con = db.connect(path)
    try:
        assert con.execute("select vn_percent(0.5)").fetchone()[0] == "50 %"
        assert db.apply_definitions(con) == []          # unchanged since: nothing re-applied
    finally:
        con.close()


def test_a_new_database_is_migrated_all_or_nothing(tmp_path):
    """A new store gets every migration in one transaction (the ingest command's cold start: one commit
    instead of one per migration): when one fails, none is left behind, and the next start builds the
    whole schema on the same file."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    files = db.migration_files()
    for _, p in files:
        shutil.copyfile(p, folder / p.name)
    (folder / "999_broken.sql").write_text("create table broken (x integer);\nselect * from no_such_table;\n",
                                           encoding="utf-8")
    con = duckdb.connect(str(tmp_path / "new.duckdb"))
    with pytest.raises(duckdb.CatalogException):
        db.migrate(con, db.migration_files(folder))
    assert con.execute("select count(*) from schema_migrations").fetchone()[0] == 0
    tables = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
    assert tables <= {"schema_migrations"}, tables          # not even the first migration's tables
    assert db.migrate(con, files) == [v for v, _ in files]
    assert con.execute("select count(*) from units").fetchone()[0] == 0
    con.close()
