"""The DuckDB store: where it lives, how it is opened, and its versioned migrations.

The database path comes from the CM_DB environment variable, default data/db/campaign.duckdb
(an ignored folder). Migrations are numbered .sql files in loaders/migrations/, applied in order,
each in its own transaction, and recorded in schema_migrations, so opening an older database
upgrades it in place and opening a current one changes nothing.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

import duckdb

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_DB = ROOT / "data" / "db" / "campaign.duckdb"


def db_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("CM_DB") or DEFAULT_DB)


def migration_files() -> list[tuple[int, Path]]:
    out = []
    for p in sorted(MIGRATIONS.glob("*.sql")):
        m = re.match(r"(\d+)_", p.name)
        if m:
            out.append((int(m.group(1)), p))
    return out


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = 'schema_migrations'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("select coalesce(max(version), 0) from schema_migrations").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations this database lacks; return the versions applied."""
    con.execute(
        "create table if not exists schema_migrations "
        "(version integer primary key, name varchar not null, applied_at timestamp not null)"
    )
    # Apply by set membership, not "greater than the max": migrations written on parallel branches
    # may land with numbers below one already applied.
    done = {v for (v,) in con.execute("select version from schema_migrations").fetchall()}
    applied = []
    for version, path in migration_files():
        if version in done:
            continue
        with transaction(con):
            con.execute(path.read_text(encoding="utf-8"))
            con.execute(
                "insert into schema_migrations values (?, ?, ?)", [version, path.name, datetime.now()]
            )
        applied.append(version)
    return applied


def connect(path: str | os.PathLike | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating and migrating if needed) the database at path."""
    p = db_path(path)
    if read_only:
        return duckdb.connect(str(p), read_only=True)
    p.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(p))
    migrate(con)
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a failure inside rolls everything back and re-raises."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    else:
        con.execute("commit")


def audit(con: duckdb.DuckDBPyConnection, actor: str, action: str, obj: str | None = None,
          details: str | None = None) -> None:
    """Append to the audit log (inside the caller's transaction when there is one)."""
    con.execute(
        "insert into audit_log (logged_at, actor, action, object, details) values (?, ?, ?, ?, ?)",
        [datetime.now(), actor, action, obj, details],
    )
