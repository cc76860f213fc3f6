"""The pinned engine (duckdb 1.5.5, the one with DuckLake extensions) and carrying data over.

A store written by duckdb 2.0 ("version number 999") cannot be opened by 1.5.5: every command and
the app say so in Vietnamese, with the way to carry the data over (export to Parquet with the engine
that wrote it, then `copy`), never a traceback. tests/data/store_duckdb_2_0.duckdb.gz is such a file,
written by duckdb 2.0.0 (a schema_migrations and a submissions table, one row each).
"""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import duckdb
import pytest

from loaders.__main__ import COMMANDS, main
from loaders.store import backup, copy, db

DATA = Path(__file__).resolve().parent / "data"
SKIP_COMPARE = ("audit_log", "schema_migrations", "schema_definitions", "rollup_state")


@pytest.fixture
def newer_file(tmp_path) -> Path:
    path = tmp_path / "campaign.duckdb"
    path.write_bytes(gzip.decompress((DATA / "store_duckdb_2_0.duckdb.gz").read_bytes()))
    return path


def _arguments(name: str, f: Path, tmp: Path) -> list[str]:
    report = tmp / "bao_cao.xlsx"
    report.write_bytes(b"PK")
    return {
        "ingest": [str(report), "--campaign", "daklak-2025"],
        "template": ["--campaign", "daklak-2025", "--unit", "24121", "--week", "2025-09-08",
                     "--out", str(tmp / "mau.xlsx")],
        "backup": ["--out", str(tmp / "b.duckdb")],
        "restore": [str(tmp / "b.duckdb"), "--yes"],
        "user": ["list"],
        "boundaries": ["--province", "66"],
        "briefing": ["--campaign", "daklak-2025", "--week", "2025-11-12", "--out", str(tmp / "b.docx")],
        "remind": ["--campaign", "daklak-2025"],
        "copy": ["--from", str(f), "--to", str(tmp / "moi.duckdb")],
        "sql": ["select 1"],
    }.get(name, [])


def test_engine_is_the_pinned_one():
    # requirements.txt pins it; the DuckLake extensions exist for this version only
    pinned = next(line.split("==")[1].strip() for line in (DATA.parent.parent / "requirements.txt").read_text()
                  .splitlines() if line.startswith("duckdb=="))
    assert duckdb.__version__ == pinned == "1.5.5"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_explains_a_file_of_a_newer_engine(name, newer_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CM_LOCK_WAIT", "0")
    args = [name, *_arguments(name, newer_file, tmp_path)]
    if name != "copy":
        args += ["--db", str(newer_file)]
    try:
        rc = main(args)
    except SystemExit as e:        # argparse: an option this test does not give
        pytest.fail(f"{name}: arguments refused ({e})")
    err = capsys.readouterr().err
    assert rc != 0, name
    assert "Traceback" not in err
    assert "DuckDB 2.0.0" in err and "tools/export_parquet.py" in err and "python -m loaders copy" in err, err
    assert "Không mở được cơ sở dữ liệu" in err
    # the file is left as it was
    assert newer_file.read_bytes() == gzip.decompress((DATA / "store_duckdb_2_0.duckdb.gz").read_bytes())


def test_the_app_explains_a_file_of_a_newer_engine(newer_file, monkeypatch):
    from tests.apptest import open_app

    monkeypatch.setenv("CM_DB", str(newer_file))
    at = open_app()
    at.run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "DuckDB 2.0.0" in shown and "python -m loaders copy" in shown


def _rows(con, table: str) -> list:
    return sorted(map(repr, con.execute(f'select * from "{table}"').fetchall()))


def _compare(a, b) -> None:
    tables = [t for t in backup.base_tables(a) if t not in SKIP_COMPARE]
    assert tables == [t for t in backup.base_tables(b) if t not in SKIP_COMPARE]
    for t in tables:
        assert _rows(a, t) == _rows(b, t), t


def test_copy_from_an_export_folder(demo_path, tmp_path):
    # the carry-over route: an export to Parquet (what tools/export_parquet.py does), then copy
    folder = tmp_path / "xuat"
    src = duckdb.connect(str(demo_path), read_only=True)
    src.execute(f"export database {db.sql_string(folder)} (format parquet)")
    moved = tmp_path / "moved"
    shutil.move(folder, moved)       # the folder may be moved after the export
    assert main(["copy", "--from", str(moved), "--to", str(tmp_path / "from_export.duckdb")]) == 0
    for target in ("from_export.duckdb",):
        out = db.connect(tmp_path / target, read_only=True)
        try:
            _compare(src, out)
            assert out.execute("select action from audit_log order by id desc limit 1").fetchone()[0] == "copy"
            # new ids land past the copied ones
            top = out.execute("select max(id) from submissions").fetchone()[0]
        finally:
            out.close()
        w = db.connect(tmp_path / target)
        assert w.execute("select nextval('submission_id_seq')").fetchone()[0] > top
        w.close()
    src.close()


def test_copy_refuses_a_target_that_has_data(demo_path, tmp_path, capsys):
    used = tmp_path / "used.duckdb"
    shutil.copyfile(demo_path, used)
    assert main(["copy", "--from", str(demo_path), "--to", str(used)]) == 1
    err = capsys.readouterr().err
    assert "đã có dữ liệu" in err and "Traceback" not in err


def test_sql_reads_and_never_writes(demo_path, capsys):
    import json

    assert main(["sql", "select unit_code, count(*) as n, min(received_at) as first from submissions "
                 "group by 1 order by 2 desc, 1 limit 3", "--db", str(demo_path), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 3 and set(rows[0]) == {"unit_code", "n", "first"}
    assert rows[0]["n"] >= rows[1]["n"] and "T" in rows[0]["first"]      # ISO time
    assert main(["sql", "select count(*) as n from submissions", "--db", str(demo_path)]) == 0
    header, value = capsys.readouterr().out.splitlines()
    assert header == "n" and int(value) > 100
    before = demo_path.read_bytes()
    assert main(["sql", "delete from submissions", "--db", str(demo_path)]) == 1
    err = capsys.readouterr().err
    assert "chỉ đọc" in err and "Traceback" not in err
    assert demo_path.read_bytes() == before
