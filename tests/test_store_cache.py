"""A new store made by the ingest command is a copy of a set-up store built once per checkout state
(loaders/setup.py: new_store, like a .pyc): the copy holds what building the store in place holds, a
changed migration or definition builds a new one, and CM_STORE_CACHE=off builds in place."""
from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from loaders import setup as bootstrap
from loaders.store import db, rollup
from tests.workbooks import build, report

ROOT = Path(__file__).resolve().parent.parent


def _contents(path: Path, arrivals: bool = False) -> dict:
    """Every table's rows (timestamps of when they were written left out), the names of the views
    and macros (their text is in schema_definitions: DuckDB renders an EXCLUDE list in any order).
    arrivals: reports were stored, so the rollup's fingerprints (which count their arrival times)
    are left out too."""
    con = db.connect(path, read_only=True)
    try:
        out = {}
        tables = [t for (t,) in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
        for t in tables:
            stamps = [c for (c,) in con.execute(
                "select column_name from duckdb_columns() where table_name = ? and data_type like 'TIMESTAMP%'",
                [t]).fetchall()]
            exclude = f" exclude ({', '.join(stamps)})" if stamps else ""
            if len(stamps) == len(con.execute(f"select * from {t} limit 0").description):
                out[t] = con.execute(f"select count(*) from {t}").fetchone()
                continue
            if arrivals and t == "rollup_state":
                exclude = " exclude (fingerprint, refreshed_at)"
            # floats to 9 places: a sum's last bits depend on which campaigns one refresh statement
            # took together (a copied store refreshes the reports' campaign alone, as any existing
            # store does; one built in place refreshes every campaign at once)
            out[t] = [tuple(round(v, 9) if isinstance(v, float) else v for v in row)
                      for row in con.execute(f"select *{exclude} from {t} order by all").fetchall()]
        out["views"] = con.execute("select view_name from duckdb_views() where not internal order by 1").fetchall()
        out["macros"] = con.execute("select distinct function_name from duckdb_functions() "
                                    "where not internal and macro_definition is not null order by all").fetchall()
        out["fresh"] = rollup.is_fresh(con) and rollup.stale(con) == []
        return out
    finally:
        con.close()


def _cached(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("store-*.duckdb"))


def test_a_copied_new_store_holds_what_building_it_in_place_holds(tmp_path, monkeypatch):
    monkeypatch.setenv("CM_STORE_CACHE", str(tmp_path / "cache"))
    assert bootstrap.new_store(tmp_path / "a.duckdb") == "built"
    assert bootstrap.new_store(tmp_path / "sub" / "b.duckdb") == "copied"
    assert len(_cached(tmp_path / "cache")) == 1
    in_place = tmp_path / "in-place.duckdb"
    con = db.connect(in_place)
    bootstrap.ensure_ready(con, map_boundaries=False)
    con.close()
    expected = _contents(in_place)
    assert expected["fresh"] and len(expected["units"]) > 13000 and len(expected["metric_unit_weeks"]) > 10000
    assert _contents(tmp_path / "sub" / "b.duckdb") == expected
    assert _contents(tmp_path / "a.duckdb") == expected
    monkeypatch.setenv("CM_STORE_CACHE", "off")
    assert bootstrap.new_store(tmp_path / "c.duckdb") == "off" and not (tmp_path / "c.duckdb").exists()


def test_a_changed_migration_or_definition_builds_a_new_cached_store(tmp_path, monkeypatch):
    migrations, definitions = tmp_path / "migrations", tmp_path / "definitions"
    shutil.copytree(db.MIGRATIONS, migrations)
    shutil.copytree(db.DEFINITIONS, definitions)
    monkeypatch.setattr(db, "MIGRATIONS", migrations)
    monkeypatch.setattr(db, "DEFINITIONS", definitions)
    cache = tmp_path / "cache"
    monkeypatch.setenv("CM_STORE_CACHE", str(cache))
    assert bootstrap.new_store(tmp_path / "a.duckdb") == "built"
    first = _cached(cache)
    assert bootstrap.new_store(tmp_path / "b.duckdb") == "copied" and _cached(cache) == first

    # a changed definition: the next new store is built again, with it
    (definitions / "99_probe.sql").write_text("create or replace view cache_probe as select 1 as x;\n")
    assert bootstrap.new_store(tmp_path / "c.duckdb") == "built"
    second = _cached(cache)
    assert len(second) == 1 and second != first         # the older copy is gone
    con = db.connect(tmp_path / "c.duckdb", read_only=True)
    assert con.execute("select x from cache_probe").fetchall() == [(1,)]
    con.close()
    (definitions / "99_probe.sql").write_text("create or replace view cache_probe as select 2 as x;\n")
    assert bootstrap.new_store(tmp_path / "d.duckdb") == "built"
    con = db.connect(tmp_path / "d.duckdb", read_only=True)
    assert con.execute("select x from cache_probe").fetchall() == [(2,)]
    con.close()

    # a new migration: built again, with its table
    (migrations / "999_probe.sql").write_text("create table cache_probe_t (x integer);\n")
    assert bootstrap.new_store(tmp_path / "e.duckdb") == "built"
    con = db.connect(tmp_path / "e.duckdb", read_only=True)
    assert con.execute("select count(*) from cache_probe_t").fetchone() == (0,)
    assert con.execute("select max(version) from schema_migrations").fetchone() == (999,)
    con.close()
    assert bootstrap.new_store(tmp_path / "f.duckdb") == "copied"


def test_the_ingest_command_stores_the_same_with_and_without_the_cache(tmp_path):
    f = tmp_path / "a.xlsx"
    f.write_bytes(build("xlsx", report("Phường Tân Lập", date(2025, 9, 8), date(2025, 9, 14), {"mxh_facebook": 3},
                                       unit_code="24121")))
    cache = tmp_path / "cache"
    out = {}
    for run, setting in (("off", "off"), ("built", str(cache)), ("copied", str(cache)), ("damaged", str(cache))):
        if run == "damaged":    # an index file cut short: built again, rewritten whole
            index.write_bytes(index.read_bytes()[:100])
        env = dict(os.environ, PYTHONPATH=str(ROOT), CM_STORE_CACHE=setting)
        env.pop("CM_DB", None)
        store = tmp_path / f"{run}.duckdb"
        r = subprocess.run([sys.executable, "-m", "loaders", "ingest", str(f), "--campaign", "daklak-2025",
                            "--db", str(store), "--json"], capture_output=True, text=True, cwd=ROOT, env=env,
                           timeout=120)
        assert r.returncode == 0, r.stderr
        assert [json.loads(x)["status"] for x in r.stdout.splitlines()] == ["accepted"]
        assert len(_cached(cache)) == (0 if run == "off" else 1)
        if run == "built":
            stamp = (cache / _cached(cache)[0]).stat().st_mtime_ns
        # the campaign's index, kept beside the cached store by the first copy (read by the next ones)
        indexes = sorted(cache.glob("store-*.duckdb.index-daklak-2025-*.pickle"))
        assert len(indexes) == (0 if run == "off" else 1)
        if indexes:
            index = indexes[0]
            key, ix, caps = pickle.loads(index.read_bytes())
            assert key[0].code == ix.campaign.code == "daklak-2025" and len(ix.units.units) > 100 and caps
            if run == "built":
                index_stamp = index.stat().st_mtime_ns
            elif run == "copied":       # read, not built and written again
                assert index.stat().st_mtime_ns == index_stamp
        out[run] = _contents(store, arrivals=True)
    assert (cache / _cached(cache)[0]).stat().st_mtime_ns == stamp    # the second new store copied it
    assert out["off"]["fresh"] and out["off"]["report_values"]
    for run in ("built", "copied", "damaged"):     # table by table (a failing == of the whole would diff for minutes)
        assert out[run].keys() == out["off"].keys()
        assert [t for t in out["off"] if out[run][t] != out["off"][t]] == []


def test_a_second_copied_store_parses_no_catalog(tmp_path):
    """The ingest command on a store copied from the cache reads its campaign's index and the
    catalog's ceilings from the file the first copy wrote: the YAML parser is not even imported."""
    f = tmp_path / "a.xlsx"
    f.write_bytes(build("xlsx", report("Phường Tân Lập", date(2025, 9, 8), date(2025, 9, 14), {"mxh_facebook": 3},
                                       unit_code="24121")))
    probe = ("import sys; from loaders import __main__ as m; rc = m.main(sys.argv[1:], own_process=True); "
             "print('yaml imported:', 'yaml' in sys.modules, file=sys.stderr); sys.exit(rc)")
    env = dict(os.environ, PYTHONPATH=str(ROOT), CM_STORE_CACHE=str(tmp_path / "cache"))
    env.pop("CM_DB", None)
    seen = []
    for name in ("first", "second"):
        r = subprocess.run([sys.executable, "-c", probe, "ingest", str(f), "--campaign", "daklak-2025",
                            "--db", str(tmp_path / f"{name}.duckdb"), "--json"], capture_output=True, text=True,
                           cwd=ROOT, env=env, timeout=300)
        assert r.returncode == 0, r.stderr
        assert [json.loads(x)["status"] for x in r.stdout.splitlines()] == ["accepted"], r.stdout + r.stderr
        seen += [x.split(": ")[1] for x in r.stderr.splitlines() if x.startswith("yaml imported: ")]
    assert seen == ["True", "False"]      # the first built the cache (and read the catalog), the second not
