"""`python -m loaders backup` and `restore`: consistent copies of the store, safe while the app runs.

Backup copies the whole database (tables, views, macros, sequences) into a new DuckDB file with
COPY FROM DATABASE inside one read transaction, so the copy is a consistent snapshot. It needs the
file's lock for that moment; the app releases the file when idle (loaders.store.db.SharedConnection), so
the command waits briefly if the app is busy.

Restore first migrates a copy of the backup to the current schema, saves the current database as a
backup of its own (nothing is ever lost by a restore), then replaces every table's rows in one
transaction and records the restore in the audit log.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import duckdb

from loaders.store import db
from loaders.store.tables import (SCHEMA_TABLES, _parents_first, advance_sequences,  # noqa: F401
                                  base_tables, load_tables, parents_first)


class BackupError(Exception):
    """A backup file that cannot be used, with a Vietnamese message."""


def backup_dir(db_file: Path) -> Path:
    """Where backups go unless told: CM_BACKUP_DIR, else backups/ beside the store's file (for a lake,
    data/db/backups/ of the machine that runs the command — a lake has no file of its own)."""
    return Path(os.environ.get("CM_BACKUP_DIR") or db_file.parent / "backups")


def default_backup_path(db_file: Path) -> Path:
    return backup_dir(db_file) / f"{db_file.stem}-{datetime.now():%Y%m%d-%H%M%S-%f}.duckdb"


def _alias(con) -> str:
    return con.execute("select current_database()").fetchone()[0]


def backup(con: duckdb.DuckDBPyConnection, out: Path, actor: str = "cli") -> Path:
    out = Path(out)
    if out.exists():
        raise BackupError(f"Tệp {out} đã có; chọn tên khác để không ghi đè bản sao lưu cũ.")
    out.parent.mkdir(parents=True, exist_ok=True)
    if db.is_lake(con):
        # a lake is backed up into a store file of its own (constraints and sequences included), so
        # the backup restores anywhere: a file or a lake, with `restore` or `copy`
        from loaders.store import copy as copying

        rows = copying.copy(con.location, out, actor=actor)
        db.audit(con, actor, "backup", str(out), json.dumps({"bytes": out.stat().st_size, "rows": sum(rows.values())}))
        return out
    src = _alias(con)
    con.execute(f"attach {db.sql_string(out)} as cm_backup")
    try:
        con.execute(f'copy from database "{src}" to cm_backup')
    finally:
        con.execute("detach cm_backup")
    db.audit(con, actor, "backup", str(out), json.dumps({"bytes": out.stat().st_size}))
    return out


def restore(con: duckdb.DuckDBPyConnection, source: Path, actor: str = "cli") -> dict:
    """Replace the current contents with those of a backup file; returns rows per table."""
    source = Path(source)
    if not source.exists():
        raise BackupError(f"Không tìm thấy tệp sao lưu {source}.")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "restore.duckdb"
        shutil.copyfile(source, work)
        try:
            # an older backup is brought to the current schema, and its rollup up to date (opening
            # for writing rebuilds what is stale), so the rollup is restored along with the data
            migrated = db.connect(work, wait_s=0)
        except db.NewerEngineFile:
            raise BackupError(db.newer_engine_message(source)) from None
        except duckdb.Error as e:
            raise BackupError(f"Tệp {source.name} không phải bản sao lưu DuckDB dùng được: {e}") from e
        except db.SchemaMismatch as e:
            raise BackupError(f"Tệp sao lưu {source.name}: {e}") from e
        try:
            if "submissions" not in base_tables(migrated):
                raise BackupError(f"Tệp {source.name} không phải bản sao lưu của ứng dụng này.")
        finally:
            migrated.close()
        here = db.db_path(con.location) if db.is_lake(con) else db.db_path(_db_file(con))
        safety = backup(con, default_backup_path(here), actor=actor)
        con.execute(f"attach {db.sql_string(work)} as cm_restore (read_only)")
        try:
            with db.transaction(con):
                counts = load_tables(con, "cm_restore")
                db.audit(con, actor, "restore", str(source),
                         json.dumps({"safety_backup": str(safety), "rows": counts}, ensure_ascii=False))
        finally:
            con.execute("detach cm_restore")
    return counts


def _db_file(con) -> str:
    return con.execute("select path from duckdb_databases() where database_name = current_database()"
                       ).fetchone()[0]
