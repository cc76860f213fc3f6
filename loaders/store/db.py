"""The DuckDB store: where it lives, how it is opened, its versioned migrations and its definitions.

The database path comes from the CM_DB environment variable, default data/db/campaign.duckdb
(an ignored folder).

Migrations (tables only) are numbered .sql files in loaders/store/migrations/, applied in order,
each in its own transaction (all in one on a new database), and recorded in schema_migrations with
the file's checksum, so opening an older database upgrades it in place and opening a current one
changes nothing. A migration that
has been released is never edited: a database whose applied migration differs from the shipped file
is refused (SchemaMismatch) instead of running with a schema nobody tested.

Definitions (views and macros) are .sql files in loaders/store/definitions/, applied after the
migrations with create or replace, in file-name order, in one transaction. Each file's checksum is
recorded in schema_definitions, so a start re-applies only what changed, and a changed definition
reaches every existing database. Opening for writing then rebuilds whatever part of the weekly rollup
is stale (loaders/store/rollup.py): reads never write.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

import duckdb

from loaders.store import lake, rollup

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFINITIONS = Path(__file__).resolve().parent / "definitions"

log = logging.getLogger(__name__)

# Released variants of a migration other than the file shipped now, by version: checksum → what it
# is. A database that applied one of them opens normally; anything else different is refused.
KNOWN_VARIANTS: dict[int, dict[str, str]] = {
    # 020_metric_layer.sql as released up to b20721d, before dd629bf added the macro
    # current_phase_completion to it in place. Databases built then lack the macro; the definitions
    # (loaders/store/definitions/30_metric_macros.sql) now create it on every database.
    20: {"c9b0476e352cb554026881094f07bad79f94c3cd83eefb6dff2001d8b67aff7e":
         "020 before dd629bf (without current_phase_completion)"},
}
DEFAULT_DB = ROOT / "data" / "db" / "campaign.duckdb"


def location(path: str | os.PathLike | None = None) -> str:
    """Where the store is: a DuckDB file's path, or a lake (`ducklake:postgres:<DSN>`,
    loaders/store/lake.py); `path`, else CM_DB, else data/db/campaign.duckdb."""
    return str(path or os.environ.get("CM_DB") or DEFAULT_DB)


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The store's file (for a lake: a folder of files that belong to this machine, such as backups,
    under data/db/)."""
    where = location(path)
    return DEFAULT_DB.parent / "lake" if lake.is_lake(where) else Path(where)


def is_lake(con) -> bool:
    """True when `con` is a connection to a lake (loaders.store.lake.LakeConnection, maybe wrapped)."""
    return bool(getattr(con, "is_lake", False))


def next_ids(con, sequence: str, n: int = 1) -> list[int]:
    """n new ids of `sequence`. A file has real sequences; a lake counts in lake_sequences, under the
    write lock (inside the caller's write transaction, or in one of its own)."""
    if n <= 0:
        return []
    if not is_lake(con):
        return [r[0] for r in con.execute(f"select nextval('{sequence}') from range(?)", [n]).fetchall()]
    with transaction(con, join=True):
        con.execute("update lake_sequences set value = value + ? where name = ?", [n, sequence])
        top = con.execute("select value from lake_sequences where name = ?", [sequence]).fetchone()[0]
    return list(range(top - n + 1, top + 1))


def migration_files(folder: Path | None = None) -> list[tuple[int, Path]]:
    out = []
    for p in sorted((folder or MIGRATIONS).glob("*.sql")):
        m = re.match(r"(\d+)_", p.name)
        if m:
            out.append((int(m.group(1)), p))
    return out


def definition_files() -> list[Path]:
    return sorted(DEFINITIONS.glob("*.sql"))


def checksum(path: Path) -> str:
    """sha256 of a .sql file; line endings normalized, so a checkout that turns them into CRLF
    does not make a released migration look edited."""
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


class SchemaMismatch(RuntimeError):
    """The database applied a migration that differs from the file this app ships."""


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = 'schema_migrations'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("select coalesce(max(version), 0) from schema_migrations").fetchone()[0]


def _has_checksums(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute(
        "select count(*) from information_schema.columns "
        "where table_name = 'schema_migrations' and column_name = 'checksum'"
    ).fetchone()[0] > 0


def check_migrations(con: duckdb.DuckDBPyConnection, files: list[tuple[int, Path]] | None = None) -> None:
    """Refuse a database whose applied migrations differ from the shipped files (SchemaMismatch)."""
    if not schema_version(con) or not _has_checksums(con):
        return
    shipped = dict(files if files is not None else migration_files())
    for version, name, recorded in con.execute(
            "select version, name, checksum from schema_migrations "
            "where checksum is not null order by version").fetchall():
        path = shipped.get(version)
        if path is None:
            continue   # a migration this app does not know (a newer app made the database)
        expected = checksum(path)
        if recorded != expected and recorded not in KNOWN_VARIANTS.get(version, {}):
            raise SchemaMismatch(
                f"Không mở được cơ sở dữ liệu: bản nâng cấp lược đồ {name} đã áp dụng cho nó khác với "
                f"tệp {path.name} của phiên bản ứng dụng này (mã kiểm tra {recorded[:12]}… thay vì "
                f"{expected[:12]}…). Một bản nâng cấp đã phát hành không bao giờ được sửa; hãy dùng "
                f"đúng phiên bản ứng dụng đã tạo cơ sở dữ liệu này, hoặc khôi phục từ một bản sao lưu.")


def migrate(con: duckdb.DuckDBPyConnection, files: list[tuple[int, Path]] | None = None) -> list[int]:
    """Apply the migrations this database lacks; return the versions applied.

    Refuses (SchemaMismatch) a database whose applied migrations differ from the files. A database
    made before checksums were recorded gets them recorded (see _record_checksums)."""
    files = migration_files() if files is None else files
    on_lake = is_lake(con)
    table = ("create table if not exists schema_migrations (version integer primary key, "
             "name varchar not null, applied_at timestamp not null, checksum varchar)")
    if not on_lake:
        con.execute(table)
    elif not schema_version(con):     # on a lake even a no-op create is a write (the lock, a commit)
        con.execute(lake.translate(table))
        con.execute(lake.SEQUENCES_TABLE)
    check_migrations(con, files)
    # Apply by set membership, not "greater than the max": migrations written on parallel branches
    # may land with numbers below one already applied.
    done = {v for (v,) in con.execute("select version from schema_migrations").fetchall()}
    todo = [(v, p) for v, p in files if v not in done]
    if not done and todo:
        # a new database: every migration in one transaction (half the CPU of one commit each, and
        # all or nothing: a start stopped half way leaves an empty file that the next start builds)
        with transaction(con):
            for version, path in todo:
                _apply(con, version, path)
    else:
        for version, path in todo:
            with transaction(con):
                _apply(con, version, path)
    _record_checksums(con, files)
    return [v for v, _ in todo]


def _apply(con: duckdb.DuckDBPyConnection, version: int, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    con.execute(lake.translate(text) if is_lake(con) else text)
    # a database older than migration 050 lacks the column until 050 adds it
    if _has_checksums(con):
        con.execute("insert into schema_migrations (version, name, applied_at, checksum) "
                    "values (?, ?, ?, ?)", [version, path.name, datetime.now(), checksum(path)])
    else:
        con.execute("insert into schema_migrations (version, name, applied_at) values (?, ?, ?)",
                    [version, path.name, datetime.now()])


def _record_checksums(con: duckdb.DuckDBPyConnection, files: list[tuple[int, Path]]) -> None:
    """Migrations applied before checksums were recorded: record what was applied.

    The file shipped now, except for 020 on a database without the macro current_phase_completion:
    that database applied 020 as released before dd629bf (KNOWN_VARIANTS)."""
    if not _has_checksums(con):
        return
    missing = [v for (v,) in con.execute(
        "select version from schema_migrations where checksum is null").fetchall()]
    shipped = dict(files)
    for version in missing:
        if version not in shipped:
            continue
        value = checksum(shipped[version])
        if version == 20 and not con.execute(
                "select count(*) from duckdb_functions() where function_name = 'current_phase_completion'"
        ).fetchone()[0]:
            value = next(iter(KNOWN_VARIANTS[20]))
        con.execute("update schema_migrations set checksum = ? where version = ?", [value, version])


def apply_definitions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the definition files that changed since they were last applied (all of them on a new
    database), in file-name order, in one transaction; return their names."""
    recorded = dict(con.execute("select name, checksum from schema_definitions").fetchall())
    files = [(p, checksum(p)) for p in definition_files()]
    changed = [(p, s) for p, s in files if recorded.get(p.name) != s]
    gone = set(recorded) - {p.name for p, _ in files}
    if not changed and not gone:
        return []
    with transaction(con):
        for p, s in changed:
            con.execute(p.read_text(encoding="utf-8"))
            # delete + insert, not "insert or replace": a lake has no primary key to replace on
            con.execute("delete from schema_definitions where name = ?", [p.name])
            con.execute("insert into schema_definitions values (?, ?, ?)", [p.name, s, datetime.now()])
        for name in gone:       # a file no longer shipped: its objects stay until a migration drops them
            con.execute("delete from schema_definitions where name = ?", [name])
    log.info("definitions applied: %s", ", ".join(p.name for p, _ in changed))
    return [p.name for p, _ in changed]


class DatabaseBusy(RuntimeError):
    """Another process holds the database file (DuckDB allows one writing process at a time)."""


class NewerEngineFile(RuntimeError):
    """The database file was written by a newer DuckDB than the one pinned here (requirements.txt).

    DuckDB reads only the storage versions it knows; a file written by duckdb 2.0 carries "version
    number 999", which the pinned 1.5.5 (the one with DuckLake extensions) refuses. The data is
    carried over once: exported to Parquet with the engine that wrote it, then `copy` (README,
    "Chuyển dữ liệu từ DuckDB 2.0")."""


def sql_string(value: str | os.PathLike) -> str:
    """A SQL string literal: ATTACH takes no prepared parameter on every engine (duckdb 1.5 refuses
    `attach ? as x`), so paths are quoted here."""
    return "'" + str(value).replace("'", "''") + "'"


def file_engine(p: str | os.PathLike) -> str | None:
    """The DuckDB version that wrote a database file, from its header ("v2.0.0"), if it says."""
    try:
        with open(p, "rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    found = re.search(rb"v(\d+\.\d+\.\d+)", head)
    return found.group(1).decode() if found else None


def newer_engine_message(p: str | os.PathLike) -> str:
    """What happened and how to carry the data over, in Vietnamese (README: "Chuyển dữ liệu từ DuckDB
    2.0" says the same)."""
    wrote = file_engine(p)
    engine = f"DuckDB {wrote}" if wrote else "một phiên bản DuckDB mới hơn"
    pin = wrote or "<phiên bản đã ghi tệp>"
    return (
        f"Không mở được cơ sở dữ liệu {p}: tệp được ghi bởi {engine}, mới hơn DuckDB {duckdb.__version__} "
        f"mà ứng dụng này dùng (bản có DuckLake), nên không đọc được. Dữ liệu trong tệp vẫn còn nguyên. "
        f"Chuyển dữ liệu sang một lần: (1) xuất ra Parquet bằng đúng phiên bản đã ghi tệp: "
        f"`python3 -m venv /tmp/duckdb-cu && /tmp/duckdb-cu/bin/pip install duckdb=={pin} && "
        f"/tmp/duckdb-cu/bin/python tools/export_parquet.py {p} /tmp/cm-xuat`; (2) nạp vào cơ sở "
        f"dữ liệu mới: `python -m loaders copy --from /tmp/cm-xuat --to <tệp mới>`, rồi đặt CM_DB (hoặc "
        f"--db) là tệp mới. Xem README, mục “Chuyển dữ liệu từ DuckDB 2.0”.")


def skip_pandas_probe() -> None:
    """For a process that never hands DuckDB a pandas object (the ingest command): spare it the
    import of pandas (half a second of CPU, a tenth of a new store's whole setup).

    DuckDB 1.5 imports pandas on the first statement with parameters, only to compare each parameter
    with pandas.NaT and pandas.NA (duckdb-python, python_conversion.cpp: GetPythonObjectType), and
    keeps what it found for the life of the process. Here it finds, once, a placeholder whose NaT and
    NA are objects no caller holds; the placeholder leaves sys.modules at once, so a later
    `import pandas` gets the real one, and DuckDB asking the placeholder for anything else
    (DataFrame, for .df()) gets the real pandas' too. What the process loses: pandas.NaT or pandas.NA
    passed as a parameter is no longer read as NULL. Does nothing when pandas is already imported."""
    import sys
    import types

    if "pandas" in sys.modules:
        return

    class _Placeholder(types.ModuleType):
        def __getattr__(self, name: str):
            if name.startswith("__"):
                raise AttributeError(name)
            import importlib

            if sys.modules.get("pandas") is self:
                del sys.modules["pandas"]
            return getattr(importlib.import_module("pandas"), name)

    placeholder = _Placeholder("pandas")
    placeholder.NaT, placeholder.NA = object(), object()
    sys.modules["pandas"] = placeholder
    try:
        probe = duckdb.connect()
        probe.execute("select ?", [0]).fetchall()
        probe.close()
    finally:
        if sys.modules.get("pandas") is placeholder:
            del sys.modules["pandas"]


def _open(p: Path, read_only: bool, wait_s: float | None, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, waiting while another process holds the file's lock.

    The app releases the file whenever it has been idle for a few seconds (ui/common.py), so a
    command-line ingest or backup usually gets in after a short wait; if not, say why and what to do.
    """
    wait = float(os.environ.get("CM_LOCK_WAIT", "60")) if wait_s is None else wait_s
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(p), read_only=read_only, config={"threads": threads} if threads else {})
        except duckdb.IOException as e:
            if "version number" in str(e) and "newer" in str(e).lower():
                raise NewerEngineFile(newer_engine_message(p)) from None
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
            wait_s: float | None = None, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating and migrating if needed) the store at path (a file or a lake).

    threads: DuckDB's worker threads for a file (default: one per core). The ingest command asks for
    one while it sets up a new store or while its worker processes use the cores: its statements
    are small, and a second thread costs more CPU in hand-overs than it saves."""
    where = location(path)
    if lake.is_lake(where):
        return _connect_lake(where, read_only)
    p = Path(where)
    if read_only:
        return _checked(_open(p, True, wait_s, threads))
    p.parent.mkdir(parents=True, exist_ok=True)
    return _prepare(_open(p, False, wait_s, threads))


def _checked(con):
    """A store opened read-only: refused (and closed) when its migrations differ from the files."""
    try:
        check_migrations(con)
    except BaseException:
        con.close()
        raise
    return con


def _prepare(con):
    """Migrations, definitions, and the rollup of a store opened for writing."""
    try:
        changed = bool(migrate(con)) | bool(apply_definitions(con))
        # the safety net of "writers refresh the rollup": after a schema change, or when the data
        # version moved since the rollup was last found whole (a writer stopped between its commit
        # and its refresh), the stale campaigns are rebuilt here, on opening for writing, not on a read
        if changed or not rollup.is_fresh(con):
            rollup.refresh(con)
    except BaseException:
        con.close()
        raise
    return con


def _connect_lake(where: str, read_only: bool):
    keys = lake.primary_keys([p for _, p in migration_files()])
    keys["schema_migrations"] = ("version",)
    if read_only:
        return _checked(lake.open_lake(where, True, keys))
    con = _prepare(lake.open_lake(where, False, keys))
    lake.seed_table_stats(con)      # tables a migration just made, or that no writer filled yet
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, join: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a failure inside rolls everything back and re-raises. On a lake, the write
    lock is held from begin to commit (loaders.store.lake). join: inside an open transaction (a lake
    knows), take part in it instead of starting one."""
    if join and getattr(con, "in_transaction", False):
        yield con
        return
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
    if is_lake(con):    # no sequence on a lake: the id is drawn under the write lock
        con.execute("insert into audit_log (id, logged_at, actor, action, object, details) values (?, ?, ?, ?, ?, ?)",
                    [next_ids(con, "audit_id_seq")[0], datetime.now(), actor, action, obj, details])
        return
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

        self.path = path if isinstance(path, Path) else str(path)   # a lake's location is no file path
        # a lake is not held like a file (many processes use it at once): no need to let go soon
        self.idle_s = max(idle_s, 600.0) if lake.is_lake(self.path) else idle_s
        self._on_open = on_open
        self._con: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._active = 0
        self._last = time.monotonic()
        self._reaper = threading.Thread(target=self._reap, daemon=True, name=f"db-reaper:{Path(str(self.path)).name}")
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
