"""The store: migrations, real administrative units, indicator catalog."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import pytest
import vietnamadminunits
from vietnam_provinces import Province, Ward

from loaders.store import db
from loaders.reference import indicators
from loaders.reference import masterdata
from loaders.common.text import fold


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "t.duckdb"
    con = db.connect(path)
    masterdata.load(con)
    indicators.load(con)
    yield con
    con.close()


def _tables(con) -> dict[str, int]:
    names = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_type = 'BASE TABLE'").fetchall()]
    return {n: con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in sorted(names)}


def test_migrations_from_empty_and_rerun(tmp_path):
    path = tmp_path / "m.duckdb"
    con = db.connect(path)
    versions = [v for v, _ in db.migration_files()]
    assert db.schema_version(con) == max(versions)
    before = _tables(con)
    con.close()
    con = db.connect(path)  # re-run: nothing applied twice, nothing lost
    assert db.migrate(con) == []
    assert _tables(con) == before
    assert con.execute("select count(*) from schema_migrations").fetchone()[0] == len(versions)


def test_older_database_upgrades_in_place(tmp_path):
    """A database made by an older app (only the first migration) gets the rest on open."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table schema_migrations (version integer primary key, name varchar not null, "
                "applied_at timestamp not null)")
    first_version, first = db.migration_files()[0]
    con.execute(first.read_text(encoding="utf-8"))
    con.execute("insert into schema_migrations values (?, ?, now())", [first_version, first.name])
    con.execute("insert into audit_log (logged_at, actor, action) values (now(), 'old-app', 'kept')")
    con.close()
    con = db.connect(path)
    assert {v for (v,) in con.execute("select version from schema_migrations").fetchall()} == {
        v for v, _ in db.migration_files()}
    assert con.execute("select actor from audit_log where action = 'kept'").fetchone()[0] == "old-app"


def test_failed_write_leaves_nothing(tmp_path):
    con = db.connect(tmp_path / "tx.duckdb")
    with pytest.raises(duckdb.Error):
        with db.transaction(con):
            db.audit(con, "t", "first")
            con.execute("insert into no_such_table values (1)")
    assert con.execute("select count(*) from audit_log").fetchone()[0] == 0


def test_unit_counts_match_the_packages(store):
    assert store.execute("select count(*) from provinces where era = '2025'").fetchone()[0] == 34
    assert store.execute("select count(*) from units where era = '2025'").fetchone()[0] == 3321
    assert len(list(Province.iter_all())) == 34 and len(list(Ward.iter_all())) == 3321
    per_province = dict(store.execute(
        "select province_code, count(*) from units where era = '2025' group by 1").fetchall())
    expected = {}
    for w in Ward.iter_all():
        key = str(int(w.province_code)).zfill(2)
        expected[key] = expected.get(key, 0) + 1
    assert per_province == expected
    name = dict(store.execute("select code, name from provinces where era = '2025'").fetchall())
    assert name["66"] == "Đắk Lắk" and per_province["66"] == 102
    assert name["20"] == "Lạng Sơn" and per_province["20"] == 65
    kinds = dict(store.execute("select kind, count(*) from units where era = '2025' group by 1").fetchall())
    assert set(kinds) == {"xa", "phuong", "dac_khu"} and kinds["dac_khu"] == 13
    # every new unit has the package's centroid; the area too, except where the package has none
    assert store.execute("select count(*) from units where era = '2025' and lat is null").fetchone()[0] == 0
    with sqlite3.connect(Path(vietnamadminunits.__file__).parent / "data" / "dataset.db") as c:
        no_area = c.execute("select count(*) from admin_units where wardAreaKm2 is null").fetchone()[0]
    assert store.execute("select count(*) from units where era = '2025' and area_km2 is null"
                         ).fetchone()[0] == no_area


def test_legacy_units_and_districts(store):
    with sqlite3.connect(Path(vietnamadminunits.__file__).parent / "data" / "dataset.db") as c:
        legacy_wards = c.execute("select count(distinct wardCode) from admin_units_legacy "
                                 "where wardCode is not null").fetchone()[0]
    assert store.execute("select count(*) from units where era = 'legacy'").fetchone()[0] == legacy_wards
    assert store.execute("select count(*) from provinces where era = 'legacy'").fetchone()[0] == 63
    lang_son = store.execute(
        "select count(*) from districts where province_code = '20'").fetchone()[0]
    assert lang_son == 11  # 10 huyện + TP Lạng Sơn before 2025


def test_old_unit_resolves_to_new_unit(store):
    row = store.execute("""
        select n.code, n.name
        from units o
        join districts d on d.code = o.district_code
        join unit_history h on h.old_code = o.code and h.is_default
        join units n on n.era = '2025' and n.code = h.new_code
        where o.era = 'legacy' and o.name = 'Xã Hòa Thắng' and d.name = 'Thành phố Buôn Ma Thuột'
    """).fetchall()
    assert row == [("24121", "Phường Tân Lập")]
    # every old commune has exactly one default new unit
    assert store.execute("""
        select count(*) from (select old_code from unit_history where is_default
                              group by old_code having count(*) <> 1)""").fetchone()[0] == 0
    assert store.execute("select count(distinct old_code) from unit_history").fetchone()[0] == \
        store.execute("select count(*) from units where era = 'legacy'").fetchone()[0]


def test_unit_aliases_fold_names(store):
    codes = {r[0] for r in store.execute(
        "select unit_code from unit_aliases where era = '2025' and alias = 'phuongeakao'").fetchall()}
    names = {r[0] for r in store.execute(
        f"select name from units where era = '2025' and code in ({','.join(repr(c) for c in codes)})").fetchall()}
    assert names == {"Phường Ea Kao"}  # Xã Ea Kao became a phường in 2025


def test_indicator_catalog_matches_the_contract(store):
    doc = (Path(__file__).resolve().parents[2] / "shared" / "docs" / "indicators.md")
    doc = doc if doc.exists() else Path("/work/shared/docs/indicators.md")
    rows = [line.split("|")[1:5] for line in doc.read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and not line.startswith("| code") and "---" not in line]
    contract = {c.strip(): (g.strip(), n.strip()) for c, g, n, _ in rows}
    stored = {c: (g, n) for c, g, n in store.execute("select code, group_code, name from indicators").fetchall()}
    assert stored == contract
    posting = {r[0] for r in store.execute("select code from indicators where is_posting").fetchall()}
    assert posting == {"bc_tin_bai", "web_tin_bai", "mxh_facebook", "mxh_zalo", "mxh_youtube",
                       "mxh_tiktok", "mxh_khac"}
    flags = {r[0] for r in store.execute("select code from indicators where is_flag").fetchall()}
    assert flags == {"web_banner", "web_chuyen_muc"}
    # aliases are stored folded, so matching never depends on diacritics or case
    assert store.execute("select count(*) from indicator_aliases where alias <> lower(alias)").fetchone()[0] == 0
    assert store.execute("select indicator_code from indicator_aliases where alias = ?",
                         [fold("Tin bài trên đài TT xã")]).fetchone()[0] == "ttcs_tin_bai"
