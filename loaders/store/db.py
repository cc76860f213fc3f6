"""The DuckDB store: where it lives, how it is opened, and its versioned migrations.

The database path comes from the CM_DB environment variable, default data/db/campaign.duckdb
(an ignored folder). Migrations are numbered .sql files in loaders/store/migrations/, applied in order,
each in its own transaction, and recorded in schema_migrations, so opening an older database
upgrades it in place and opening a current one changes nothing.
"""
from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

import duckdb

ROOT = Path(__file__).resolve().parents[2]
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


class DatabaseBusy(RuntimeError):
    """Another process holds the database file (DuckDB allows one writing process at a time)."""


def _open(p: Path, read_only: bool, wait_s: float | None) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, waiting while another process holds the file's lock.

    The app releases the file whenever it has been idle for a few seconds (ui/common.py), so a
    command-line ingest or backup usually gets in after a short wait; if not, say why and what to do.
    """
    wait = float(os.environ.get("CM_LOCK_WAIT", "60")) if wait_s is None else wait_s
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(p), read_only=read_only)
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise
            if time.monotonic() >= deadline:
                holder = re.search(r"\(PID (\d+)\)", str(e))
                pid = f" (tiến trình {holder.group(1)})" if holder else ""
                raise DatabaseBusy(
                    f"Cơ sở dữ liệu {p} đang được một chương trình khác sử dụng{pid}, thường là ứng dụng "
                    f"web đang phục vụ. Đã chờ {wait:.0f} giây. Hãy thử lại sau ít phút, nộp tệp qua "
                    f"trang “Nộp báo cáo”, hoặc dừng ứng dụng rồi chạy lại lệnh."
                ) from e
            time.sleep(0.2)


def connect(path: str | os.PathLike | None = None, read_only: bool = False,
            wait_s: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating and migrating if needed) the database at path."""
    p = db_path(path)
    if read_only:
        return _open(p, True, wait_s)
    p.parent.mkdir(parents=True, exist_ok=True)
    con = _open(p, False, wait_s)
    migrate(con)
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a failure inside rolls everything back and re-raises."""
    owner = getattr(con, "_owner", None)  # a SharedConnection stays open for the whole transaction
    if owner is not None:
        owner._enter()
    try:
        con.execute("begin transaction")
        try:
            yield con
        except BaseException:
            con.execute("rollback")
            raise
        else:
            con.execute("commit")
    finally:
        if owner is not None:
            owner._exit()


def audit(con: duckdb.DuckDBPyConnection, actor: str, action: str, obj: str | None = None,
          details: str | None = None) -> None:
    """Append to the audit log (inside the caller's transaction when there is one)."""
    con.execute(
        "insert into audit_log (logged_at, actor, action, object, details) values (?, ?, ?, ?, ?)",
        [datetime.now(), actor, action, obj, details],
    )


class SharedConnection:
    """The web app's connection: shared by its sessions, released when idle.

    DuckDB lets one process write a database file at a time. The app would otherwise hold the file
    for as long as it runs, and a command-line ingest or backup could never get in. So this holder
    opens the file on first use and closes it after `idle_s` seconds without any call or open
    cursor; the next use opens it again (a few milliseconds). Calls go through a thin proxy that
    counts them, so the file is never closed under a running statement.
    """

    def __init__(self, path: str | os.PathLike, idle_s: float = 10.0, on_open=None):
        import threading

        self.path = Path(path)
        self.idle_s = idle_s
        self._on_open = on_open
        self._con: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._active = 0
        self._last = time.monotonic()
        self._reaper = threading.Thread(target=self._reap, daemon=True, name=f"db-reaper:{self.path.name}")
        self._reaper.start()

    # -- used by callers ------------------------------------------------------------------------
    def get(self) -> "_Tracked":
        return _Tracked(self)

    @contextmanager
    def writer(self, timeout_s: float = 120):
        """A connection of its own for one writer at a time: sessions uploading at once take turns
        (each file is a short transaction) instead of interleaving statements on one connection."""
        if not self._write_lock.acquire(timeout=timeout_s):
            raise DatabaseBusy("Hệ thống đang lưu báo cáo của người khác; vui lòng bấm “Nộp báo cáo” lại "
                               "sau ít giây.")
        try:
            cur = self.get().cursor()
            try:
                yield cur
            finally:
                cur.close()
        finally:
            self._write_lock.release()

    @property
    def is_open(self) -> bool:
        return self._con is not None

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    # -- internals ------------------------------------------------------------------------------
    def _enter(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._con is None:
                self._con = connect(self.path)
                if self._on_open:
                    self._on_open(self._con)
            self._active += 1
            return self._con

    def _exit(self) -> None:
        with self._lock:
            self._active -= 1
            self._last = time.monotonic()

    def _reap(self) -> None:
        while True:
            time.sleep(max(self.idle_s / 4, 0.05))
            with self._lock:
                if self._con is not None and self._active == 0 and \
                        time.monotonic() - self._last > self.idle_s:
                    self._con.close()
                    self._con = None


class _Tracked:
    """Proxy of the shared connection: every call, and every cursor until closed, counts as use."""

    def __init__(self, owner: SharedConnection):
        self._owner = owner

    def cursor(self):
        con = self._owner._enter()
        try:
            return _TrackedCursor(con.cursor(), self._owner)
        except BaseException:
            self._owner._exit()
            raise

    def __getattr__(self, name):
        con = self._owner._enter()
        try:
            attr = getattr(con, name)
        finally:
            self._owner._exit()
        if not callable(attr):
            return attr  # a property such as .description

        def call(*args, **kwargs):
            con = self._owner._enter()
            try:
                result = getattr(con, name)(*args, **kwargs)
            finally:
                self._owner._exit()
            # chained calls (con.execute(...).fetchall()) return the connection itself: keep it tracked
            return self if result is con else result
        return call


class _TrackedCursor:
    def __init__(self, cur, owner: SharedConnection):
        self._cur, self._owner, self._open = cur, owner, True

    def close(self) -> None:
        if self._open:
            self._open = False
            self._cur.close()
            self._owner._exit()

    def __getattr__(self, name):
        return getattr(self._cur, name)

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
