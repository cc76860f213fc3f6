"""The lake's round trips to its PostgreSQL catalog (issue 14, national queries ≤ 2× the file).

A page's query on the lake pays catalog queries before it reads a byte of data: a snapshot look-up
per transaction and a few look-ups per table it reads. Two costs came on top and are gone:
a new cursor per query switched to the lake with a transaction of its own (the cursors are reused
now), and a table that never held a row had its missing statistics asked for again for every
column the optimizer looked at (writers give such tables a row of zeros). Counted in the server's
own statement log, as a reader of the lake would cause them.
"""
from __future__ import annotations

import threading
from datetime import datetime

import duckdb
import psycopg
import pytest

import queries
from loaders.store import db, lake


def _log_statements(postgres, where: str) -> None:
    name = lake.dsn(where).split("dbname=")[1].split()[0]
    with psycopg.connect(postgres.dsn(), autocommit=True) as pg:
        pg.execute(f'alter database "{name}" set log_statement = \'all\'')


def _statements_since(postgres, mark: int) -> list[str]:
    text = (postgres.root / "log").read_text(errors="replace")[mark:]
    return [line.split("statement: ", 1)[1] for line in text.splitlines() if "statement: " in line]


def _mark(postgres) -> int:
    return len((postgres.root / "log").read_text(errors="replace"))


def test_a_query_on_empty_tables_asks_the_catalog_once_per_table(new_lake, postgres):
    where = new_lake()
    db.connect(where).close()          # a writer: migrations, and the empty tables' statistics
    _log_statements(postgres, where)
    reader = db.connect(where, read_only=True)
    try:
        args = {"era": "2025", "province": "66"}
        assert queries.run("map_boundaries", reader, **args).empty     # boundaries: no row yet
        mark = _mark(postgres)
        assert queries.run("map_boundaries", reader, **args).empty
        again = _statements_since(postgres, mark)
    finally:
        reader.close()
    # nothing was committed in between: the query read the local copies of the small tables, and
    # asked the catalog only for its newest snapshot (loaders.store.lake_read)
    assert len(again) == 1 and "ducklake_snapshot" in again[0], again


def test_a_table_seeded_empty_takes_rows_and_filters_on_them(new_lake):
    where = new_lake()
    con = db.connect(where)
    try:
        assert lake.seed_table_stats(con) == 0          # done on opening for writing: nothing left
        con.execute("insert into app_secrets values ('a', 'one', now()), ('b', 'two', now())")
        con.execute("insert into app_secrets values ('c', 'three', ?)", [datetime(2030, 1, 1)])
    finally:
        con.close()
    reader = db.connect(where, read_only=True)
    try:
        assert reader.execute("select count(*) from app_secrets").fetchone()[0] == 3
        assert reader.execute("select value from app_secrets where name = 'b'").fetchall() == [("two",)]
        assert reader.execute("select name from app_secrets where created_at > '2029-01-01'").fetchall() == [("c",)]
    finally:
        reader.close()


def test_a_query_stopped_at_its_time_limit_leaves_the_reused_cursor_working(new_lake):
    where = new_lake()
    db.connect(where).close()
    reader = db.connect(where, read_only=True)
    try:
        slow = "select count(*) from range(1000000000) a, range(1000) b"
        cur = reader.cursor()
        timer = threading.Timer(0.5, cur.interrupt)
        timer.start()
        with pytest.raises(duckdb.InterruptException):
            cur.execute(slow).fetchall()
        timer.cancel()
        cur.close()                       # back to the pool, and handed out again below
        for _ in range(3):
            assert queries.run("data_version", reader)["version"].iloc[0] >= 0
            again = reader.cursor()
            assert again.execute("select count(*) from campaigns").fetchone() == (0,)
            again.close()
    finally:
        reader.close()
