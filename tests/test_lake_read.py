"""Reads of the lake at one snapshot with local copies of its small tables (loaders/store/lake_read.py).

A query run by queries.run on the lake reads the small tables from copies in the process's memory
and the large ones from the lake, all at one snapshot: what another process commits shows at the
next query (only the tables it changed are copied again), never half-way through one, and a query
stopped at its time limit leaves the reader working.
"""
from __future__ import annotations

import threading

import duckdb
import pytest

import queries
from loaders.store import db, lake_read


def _reader(where):
    reader = db.connect(where, read_only=True)
    return reader, reader.mirror()


def test_a_commit_shows_at_the_next_query_and_only_what_it_changed_is_copied_again(new_lake):
    where = new_lake()
    writer = db.connect(where)
    reader, mirror = _reader(where)
    try:
        before = queries.run("data_version", reader)["version"].iloc[0]
        assert queries.run("data_version", reader)["version"].iloc[0] == before
        assert mirror.refreshes == 1                     # nothing committed between the two
        db.audit(writer, "test", "campaign.create", "x", "{}")
        assert queries.run("data_version", reader)["version"].iloc[0] > before
        assert mirror.refreshes == 2
        # the tables the commit wrote: its entry, and the counter its id came from
        assert sorted(mirror.copied) == ["audit_log", "lake_sequences"]
        writer.execute("insert into app_secrets values ('k', 'v', now())")
        cur = reader.cursor()
        cur.read_pinned()
        assert cur.execute("select value from app_secrets").fetchall() == [("v",)]
        cur.close()
        assert mirror.copied == ["app_secrets"]
        # a new table and a view over it: a change of schema, everything is made again
        writer.execute("create table lake_read_probe (x integer)")
        writer.execute("insert into lake_read_probe values (41), (42)")
        writer.execute("create view lake_read_top as select max(x) as x from lake_read_probe")
        cur = reader.cursor()
        cur.read_pinned()
        assert cur.execute("select x from lake_read_top").fetchall() == [(42,)]
        cur.close()
        assert "lake_read_probe" in mirror.local_tables() and "audit_log" in mirror.copied
        # a reader stopped at its time limit goes back to the pool in working order
        cur = reader.cursor()
        cur.read_pinned()
        timer = threading.Timer(0.5, cur.interrupt)
        timer.start()
        with pytest.raises(duckdb.InterruptException):
            cur.execute("select count(*) from range(1000000000) a, range(1000) b").fetchall()
        timer.cancel()
        cur.close()
        for _ in range(3):
            assert queries.run("data_version", reader)["version"].iloc[0] > before
            assert queries.run("campaign_list", reader).empty
    finally:
        reader.close()
        writer.close()


def test_a_query_reads_one_snapshot_while_others_commit_and_refresh(new_lake, monkeypatch):
    # tables of more than one row are read from the lake, the others are local copies
    monkeypatch.setattr(lake_read, "SMALL_ROWS", 1)
    where = new_lake()
    writer = db.connect(where)
    writer.execute("insert into app_secrets values ('a', '1', now()), ('b', '2', now())")
    reader, mirror = _reader(where)
    try:
        old = reader.cursor()
        old.read_pinned()
        counts = "select (select count(*) from app_secrets), (select count(*) from reminders)"
        assert old.execute(counts).fetchone() == (2, 0)
        assert "app_secrets" not in mirror.local_tables() and "reminders" in mirror.local_tables()
        with db.transaction(writer):
            writer.execute("insert into app_secrets values ('c', '3', now())")
            writer.execute("insert into reminders values ('x', 'u', current_date, 'email', 'a@b.vn', now(), 'test')")
        new = reader.cursor()
        new.read_pinned()                                # refreshes the copies
        assert new.execute(counts).fetchone() == (3, 1)
        assert old.execute(counts).fetchone() == (2, 0)  # still the snapshot it began with
        old.close()
        new.close()
        assert queries.run("wording_mappings", reader, campaign=["x"]).empty
    finally:
        reader.close()
        writer.close()


def test_large_tables_read_from_their_files_give_what_the_lake_gives(new_lake, monkeypatch):
    """A table over SMALL_ROWS is read from its Parquet files: rows deleted by a delete file or by
    deletions kept in the catalog are left out, rows kept in the catalog (small inserts) are in."""
    monkeypatch.setattr(lake_read, "SMALL_ROWS", 1)
    where = new_lake()
    writer = db.connect(where)
    reader, mirror = _reader(where)
    names = "select name from app_secrets order by name"
    try:
        writer.execute("insert into app_secrets select 'n' || i, 'v' || i, now() from range(60) t(i)")
        steps = ["delete from app_secrets where name in ('n1', 'n2')",                  # a few rows
                 "delete from app_secrets where name like 'n3%' or name like 'n4%'",   # more rows
                 "insert into app_secrets values ('x', 'kept in the catalog', now())",
                 "update app_secrets set value = 'changed' where name = 'n5'"]
        for step in [None] + steps:
            if step:
                writer.execute(step)
            cur = reader.cursor()
            cur.read_pinned()
            assert "app_secrets" in mirror.direct
            expected = reader.execute(names).fetchall()          # through DuckLake itself
            assert cur.execute(names).fetchall() == expected, step
            assert cur.execute("select value from app_secrets where name = 'n5'").fetchall() == \
                reader.execute("select value from app_secrets where name = 'n5'").fetchall()
            cur.close()
        assert ("x",) in expected and ("n1",) not in expected and len(expected) == 60 - 2 - 22 + 1
    finally:
        reader.close()
        writer.close()


def test_maintenance_compacts_the_files_and_readers_read_the_same_rows(new_lake, monkeypatch):
    monkeypatch.setattr(lake_read, "SMALL_ROWS", 1)
    from loaders.store import lake

    where = new_lake()
    writer = db.connect(where)
    reader, mirror = _reader(where)
    names = "select name, value from app_secrets order by name"
    try:
        writer.execute("insert into app_secrets select 'n' || i, 'v' || i, now() from range(60) t(i)")
        writer.execute("delete from app_secrets where name like 'n1%' or name like 'n2%'")
        writer.execute("insert into app_secrets values ('x', 'kept in the catalog', now())")
        cur = reader.cursor()
        cur.read_pinned()
        before = cur.execute(names).fetchall()
        cur.close()
        done = lake.maintain(writer, keep_days=0)          # every older snapshot expires, the reader's too
        assert done["flushed"] >= 1 and done["rewritten"] >= 1 and done["expired"] >= 1
        cur = reader.cursor()
        cur.read_pinned()
        assert cur.execute(names).fetchall() == before == reader.execute(names).fetchall()
        cur.close()
        assert "app_secrets" in mirror.direct and len(before) == 60 - 22 + 1
        with pytest.raises(lake.LakeError):
            lake.maintain(reader)                            # a reader never writes
    finally:
        reader.close()
        writer.close()
