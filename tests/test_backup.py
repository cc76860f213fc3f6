"""Backup and restore: a consistent copy, and a restore that brings back every table exactly."""
from __future__ import annotations

import subprocess
import sys
from datetime import date

import duckdb

from loaders.store import backup
from loaders.store import db
from loaders.ingest import pipeline as ingest
from tests import workbooks as wb
from tests.browser import ROOT


def _snapshot(con) -> dict[str, list]:
    out = {}
    for t in backup.base_tables(con):
        cols = [c for (c,) in con.execute(
            "select column_name from duckdb_columns() where table_name = ? and database_name = current_database() "
            "order by column_index", [t]).fetchall()]
        out[t] = sorted(map(repr, con.execute(f'select {", ".join(chr(34) + c + chr(34) for c in cols)} from "{t}"'
                                              ).fetchall()))
    return out


def _ingest(con, value):
    r = ingest.ingest_bytes(con, wb.xlsx(wb.report("Phường Tân Lập", date(2025, 9, 8), date(2025, 9, 14),
                                                   {"ttcs_tin_bai": value}, unit_code="24121")),
                            f"tan-lap-{value}.xlsx", "daklak-2025")
    assert r.status == "accepted"


def test_backup_and_restore_compare_every_table(con, tmp_path):
    _ingest(con, 4)
    before = _snapshot(con)
    out = backup.backup(con, tmp_path / "b.duckdb")
    copy = duckdb.connect(str(out), read_only=True)
    copied = _snapshot(copy)
    copy.close()
    assert {t: v for t, v in copied.items() if t != "audit_log"} == \
        {t: v for t, v in before.items() if t != "audit_log"}
    # later work, then a restore brings back exactly the backed-up state (plus the restore's own audit rows)
    _ingest(con, 9)
    assert con.execute("select value from v_report_values where unit_code = '24121' and "
                       "indicator_code = 'ttcs_tin_bai'").fetchone()[0] == 9
    backup.restore(con, out)
    after = _snapshot(con)
    for t in before:
        if t == "audit_log":
            continue
        assert after[t] == before[t], t
    actions = [a for (a,) in con.execute("select action from audit_log order by id").fetchall()]
    assert actions[-1] == "restore"
    # new writes after a restore get fresh ids
    _ingest(con, 11)
    assert con.execute("select count(*) from submissions").fetchone()[0] == 2


def test_cli_backup_and_refused_restore(db_path, tmp_path):
    out = tmp_path / "cli.duckdb"
    r = subprocess.run([sys.executable, "-m", "loaders", "backup", "--db", str(db_path), "--out", str(out)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "Đã sao lưu" in r.stdout and out.exists()
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database")
    r = subprocess.run([sys.executable, "-m", "loaders", "restore", str(junk), "--yes", "--db", str(db_path)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and "không phải bản sao lưu" in r.stderr
    r = subprocess.run([sys.executable, "-m", "loaders", "restore", str(out), "--db", str(db_path)],
                       capture_output=True, text=True, cwd=ROOT, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "--yes" in r.stderr


def test_cli_backup_and_restore_write_into_cm_backup_dir(db_path, tmp_path):
    """An operator chooses where backups go (CM_BACKUP_DIR): `backup` without --out and the safety copy
    `restore` makes first both land there, and the restore says which folder."""
    import os
    where = tmp_path / "sao-luu"
    env = {**os.environ, "CM_BACKUP_DIR": str(where)}
    r = subprocess.run([sys.executable, "-m", "loaders", "backup", "--db", str(db_path)],
                       capture_output=True, text=True, cwd=ROOT, env=env)
    assert r.returncode == 0, r.stderr
    first = list(where.glob("*.duckdb"))
    assert len(first) == 1
    r = subprocess.run([sys.executable, "-m", "loaders", "restore", str(first[0]), "--yes", "--db", str(db_path)],
                       capture_output=True, text=True, cwd=ROOT, env=env)
    assert r.returncode == 0, r.stderr
    assert f"sao lưu tự động vào thư mục {where}" in r.stdout
    assert len(list(where.glob("*.duckdb"))) == 2
