"""The national store: DuckLake, its catalog in PostgreSQL, its data as Parquet files in a shared
folder or S3-compatible storage (issue 14). Same DuckDB SQL as a file, so queries/ stays as it is.

Where: `CM_DB` (or `--db`) = `ducklake:postgres:<libpq DSN>`, e.g.
`ducklake:postgres:dbname=cm host=10.0.0.5 user=cm`, with the data files under `CM_LAKE_DATA` (a
folder every app instance and command sees at the same path, or an `s3://bucket/prefix/` URL with
the usual settings: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, and for a non-AWS server
CM_S3_ENDPOINT, CM_S3_URL_STYLE=path, CM_S3_USE_SSL=0). The extensions come from the pinned PyPI
wheels (duckdb-extension-*); nothing is downloaded at run time.

What DuckLake lacks, and how the store makes up for it:
- no PRIMARY KEY/UNIQUE/CHECK, indexes or sequences: `translate` drops them from the migrations;
  ids come from the table lake_sequences (`next_ids`), and the uniqueness the file's constraints
  enforce is enforced by the writers themselves, under the write lock;
- many processes may write, and DuckLake's optimistic commits would conflict (or, worse, two
  writers could both store a current version of one unit and period): every write transaction
  holds one PostgreSQL advisory lock (WriteLock), taken at `begin` and released at commit or
  rollback, so writers take turns across every machine; a single write statement outside a
  transaction takes it for that statement. Readers take no lock and see the last commit (snapshots);
- no RETURNING and no txid_current(): the few writers that used them ask the engine
  (loaders.store.engine) instead.
"""
from __future__ import annotations

import importlib
import os
import re
import threading
from pathlib import Path

import duckdb

from loaders.store import lake_read

PREFIX = "ducklake:"
ALIAS = "cm"
# the one advisory lock key of this app's writers ("CMWL"); every writer of a catalog uses it
LOCK_KEY = 0x434D574C

_WRITE = re.compile(r"^\s*(insert|update|delete|create|drop|alter|copy|truncate|merge|checkpoint|"
                    r"import|comment)\b", re.I)
_BEGIN = re.compile(r"^\s*begin(\s+transaction)?\s*;?\s*$", re.I)
_END = re.compile(r"^\s*(commit|rollback|abort|end)(\s+transaction)?\s*;?\s*$", re.I)
_COMMIT = re.compile(r"^\s*(commit|end)\b", re.I)
_TOUCHED = re.compile(r"^\s*(?:insert\s+(?:or\s+\w+\s+)?into|update)\s+\"?(\w+)\"?", re.I)


class LakeError(RuntimeError):
    """The lake cannot be reached or is not configured, with a Vietnamese message."""


def is_lake(location: str | os.PathLike | None) -> bool:
    return str(location or "").startswith(PREFIX)


def dsn(location: str) -> str:
    """The libpq DSN of a `ducklake:postgres:<DSN>` location."""
    rest = location[len(PREFIX):]
    if not rest.startswith("postgres:"):
        raise LakeError(f"Kho {location}: chỉ hỗ trợ danh mục PostgreSQL (ducklake:postgres:<chuỗi kết nối>).")
    return rest[len("postgres:"):]


def data_path(location: str) -> str:
    value = os.environ.get("CM_LAKE_DATA", "").strip()
    if not value:
        raise LakeError(f"Kho {location}: chưa đặt CM_LAKE_DATA (thư mục dùng chung hoặc địa chỉ s3://… "
                        f"chứa các tệp dữ liệu của kho).")
    if value.startswith("s3://"):
        return value.rstrip("/") + "/"
    Path(value).mkdir(parents=True, exist_ok=True)
    return str(Path(value).resolve()) + "/"


def load_extensions(con: duckdb.DuckDBPyConnection, names=("ducklake", "postgres_scanner", "httpfs")) -> None:
    """Load the extensions shipped by the pinned wheels (duckdb-extension-<name>), never a download."""
    for name in names:
        module = importlib.import_module(f"duckdb_extension_{name}")
        files = sorted(Path(module.__file__).parent.glob(f"extensions/v{duckdb.__version__}/*.duckdb_extension"))
        if not files:
            raise LakeError(f"Thiếu phần mở rộng {name} cho DuckDB {duckdb.__version__} "
                            f"(gói duckdb-extension-{name} trong requirements.txt).")
        con.execute(f"load '{files[0]}'")


def _s3_secret(con: duckdb.DuckDBPyConnection) -> None:
    env = os.environ
    parts = ["type s3", "provider config"] if env.get("AWS_ACCESS_KEY_ID") else ["type s3", "provider credential_chain"]
    for key, var in (("key_id", "AWS_ACCESS_KEY_ID"), ("secret", "AWS_SECRET_ACCESS_KEY"),
                     ("region", "AWS_REGION"), ("endpoint", "CM_S3_ENDPOINT"), ("url_style", "CM_S3_URL_STYLE")):
        if env.get(var):
            parts.append(f"{key} '{env[var]}'")
    if env.get("CM_S3_USE_SSL"):
        parts.append(f"use_ssl {'false' if env['CM_S3_USE_SSL'] in ('0', 'false') else 'true'}")
    con.execute(f"create or replace secret cm_s3 ({', '.join(parts)})")


def attach(con: duckdb.DuckDBPyConnection, location: str, alias: str = ALIAS, read_only: bool = False) -> None:
    """Attach the lake at `location` to `con` as `alias` (the extensions loaded first)."""
    con = getattr(con, "_con", con)     # the DuckDB connection under a LakeConnection: nothing here writes
    load_extensions(con)
    path = data_path(location)
    if path.startswith("s3://"):
        _s3_secret(con)
    options = [f"data_path '{path}'"] + (["read_only"] if read_only else [])
    quoted = location.replace("'", "''")
    try:
        con.execute(f"attach '{quoted}' as {alias} ({', '.join(options)})")
    except duckdb.Error as e:
        raise LakeError(f"Không kết nối được kho {location}: {str(e).splitlines()[0]}") from e


def open_lake(location: str, read_only: bool = False,
              keys: dict[str, tuple[str, ...]] | None = None) -> "LakeConnection":
    """A connection whose current database is the lake (an in-memory DuckDB with the lake attached).
    keys: table → primary key columns, checked at each commit (primary_keys)."""
    con = duckdb.connect()
    try:
        attach(con, location, ALIAS, read_only)
        con.execute(f"use {ALIAS}")
    except BaseException:
        con.close()
        raise
    return LakeConnection(con, None if read_only else WriteLock.of(dsn(location)), location, keys or {})


# -- migrations ---------------------------------------------------------------------------------------

_PK_CLAUSE = re.compile(r",\s*primary\s+key\s*\([^)]*\)", re.I)
_INLINE = re.compile(r"\s+(primary\s+key|unique)\b", re.I)
_DEFAULT_SEQ = re.compile(r"\s+default\s+nextval\('[^']*'\)", re.I)
_SEQUENCE = re.compile(r"create\s+sequence\s+(if\s+not\s+exists\s+)?(\w+)[^;]*;", re.I)
_INDEX = re.compile(r"create\s+(unique\s+)?index[^;]*;", re.I)


def translate(sql: str) -> str:
    """A migration's text for DuckLake: the constraints, sequences and indexes it cannot hold taken
    out (the writers enforce them under the write lock); a sequence becomes a row of lake_sequences."""
    sql = _PK_CLAUSE.sub("", sql)
    sql = _INLINE.sub("", sql)
    sql = _DEFAULT_SEQ.sub("", sql)
    sql = _INDEX.sub("", sql)
    return _SEQUENCE.sub(lambda m: f"insert into lake_sequences values ('{m.group(2)}', 0);", sql)


SEQUENCES_TABLE = "create table if not exists lake_sequences (name varchar not null, value bigint not null)"

_CREATE = re.compile(r"create\s+table\s+(?:if\s+not\s+exists\s+)?(\w+)\s*\((.*?)\n\);", re.I | re.S)
_INLINE_KEY = re.compile(r"^\s*(\w+)\s+[^,\n]*?\bprimary\s+key\b", re.I | re.M)
_KEY_CLAUSE = re.compile(r"primary\s+key\s*\(([^)]*)\)", re.I)
# Tables whose key the writers make unique by construction, checked nowhere else: ids drawn from
# lake_sequences under the write lock, and report_values (written only with a new submission's id,
# or by a mapping that first looks the row up); checking them at every commit would read millions
# of rows on a national store.
BY_CONSTRUCTION = {"submissions", "audit_log", "unclassified_rows", "wording_mappings", "report_values"}


_SEQ_COLUMN = re.compile(r"^\s*(\w+)\s+[^,\n]*default\s+nextval\('([^']+)'\)", re.I | re.M)


def sequence_columns(files: list[Path]) -> dict[str, tuple[str, str]]:
    """sequence → (table, column) it numbers, read from the migrations (a lake counts in
    lake_sequences instead)."""
    out = {}
    for path in files:
        text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
        for table, body in _CREATE.findall(text):
            for column, seq in _SEQ_COLUMN.findall(body):
                out[seq] = (table, column)
    return out


def primary_keys(files: list[Path]) -> dict[str, tuple[str, ...]]:
    """table → its PRIMARY KEY columns, read from the migrations (the file enforces them; on the
    lake the commit checks them, see LakeConnection)."""
    keys: dict[str, tuple[str, ...]] = {}
    for path in files:
        text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
        for table, body in _CREATE.findall(text):
            clause = _KEY_CLAUSE.search(body)
            inline = _INLINE_KEY.search(body)
            if clause:
                keys[table] = tuple(c.strip() for c in clause.group(1).split(","))
            elif inline:
                keys[table] = (inline.group(1),)
    return keys


# -- catalog statistics of empty tables ----------------------------------------------------------------

# A table that never held a row has no row in ducklake_table_stats. The DuckLake extension of
# duckdb 1.5.5 caches a table's statistics per snapshot, but not their absence: every column the
# optimizer asks about (join order, statistics propagation) is two more catalog queries, 24 to 90
# per statement on the pages that read the empty tables (boundaries, contacts, wording mappings…).
# A row of zeros is exactly what the catalog holds for a table whose rows were all deleted, so
# writers put one there (under the write lock: no DuckLake commit can write the first row at the
# same time); DuckLake updates it on the table's first insert as for any other table.
_SEED_STATS = """
with missing as (
    select t.table_id from ducklake_table t
    where t.end_snapshot is null
      and not exists (select 1 from ducklake_table_stats s where s.table_id = t.table_id)
), seeded as (
    insert into ducklake_table_stats (table_id, record_count, next_row_id, file_size_bytes)
    select table_id, 0, 0, 0 from missing
    returning table_id
), columns as (
    insert into ducklake_table_column_stats (table_id, column_id, contains_null, contains_nan, min_value, max_value)
    select c.table_id, c.column_id, null, null, null, null
    from ducklake_column c join seeded using (table_id)
    where c.end_snapshot is null
    returning table_id
)
select count(*) from seeded
"""


def seed_table_stats(con) -> int:
    """Give every lake table without catalog statistics a row of zeros (see _SEED_STATS); returns
    how many tables got one. A read-only connection does nothing."""
    lock = getattr(con, "_lock", None)
    if lock is None:
        return 0
    lock.acquire()
    try:
        return lock._connection().execute(_SEED_STATS).fetchone()[0]
    finally:
        lock.release()


# -- maintenance ---------------------------------------------------------------------------------------

def maintain(con, keep_days: float = 7, delete_threshold: float = 0.1) -> dict[str, int]:
    """Compact the lake (tools/lake_maintain.py, nightly): the rows inlined in the catalog written
    out to files, files with at least `delete_threshold` of their rows deleted rewritten without
    them, small adjacent files merged; snapshots older than `keep_days` expired and the files no kept
    snapshot uses removed once they are an hour old (a query that started before still reads them).
    Every upload adds files and deletions to the rollup's tables; readers read fewer and cleaner
    files after this. Each step commits a snapshot of its own under the write lock, like any writer.
    Returns how many tables, files and snapshots each step touched."""
    lock = getattr(con, "_lock", None)
    if lock is None:
        raise LakeError("Bảo trì kho cần kết nối ghi (không phải chỉ đọc).")
    raw = con._con
    steps = {
        "flushed": f"select count(*) from ducklake_flush_inlined_data('{ALIAS}')",
        "rewritten": f"select count(*) from ducklake_rewrite_data_files('{ALIAS}', "
                     f"delete_threshold => {float(delete_threshold)})",
        "merged": f"select count(*) from ducklake_merge_adjacent_files('{ALIAS}')",
        "expired": f"select count(*) from ducklake_expire_snapshots('{ALIAS}', "
                   f"older_than => now() - to_microseconds({int(keep_days * 86400e6)}))",
        "removed": f"select count(*) from ducklake_cleanup_old_files('{ALIAS}', "
                   f"older_than => now() - interval 1 hour)",
    }
    out = {}
    for name, sql in steps.items():
        lock.acquire()
        try:
            out[name] = raw.execute(sql).fetchone()[0]
        finally:
            lock.release()
    return out


# -- the write lock -----------------------------------------------------------------------------------

class WriteLock:
    """One PostgreSQL advisory lock for every writer of the catalog, on every machine.

    A session-level lock on a connection of its own (psycopg, autocommit), held from `begin` to commit
    or rollback. A process that dies loses its connection and so the lock: the next writer gets in and
    DuckLake never committed the dead writer's transaction. Threads of one process take turns on a
    threading lock first (the PostgreSQL lock is re-entrant within a session).
    """

    _locks: dict[str, "WriteLock"] = {}
    _guard = threading.Lock()

    def __init__(self, dsn: str):
        self.dsn = dsn
        self._thread = threading.RLock()
        self._depth = 0
        self._pg = None

    @classmethod
    def of(cls, dsn: str) -> "WriteLock":
        with cls._guard:
            if dsn not in cls._locks:
                cls._locks[dsn] = cls(dsn)
            return cls._locks[dsn]

    def _connection(self):
        import psycopg

        if self._pg is None or self._pg.closed:
            self._pg = psycopg.connect(self.dsn, autocommit=True, application_name="campaign-monitor lock")
        return self._pg

    def acquire(self) -> None:
        self._thread.acquire()
        try:
            if self._depth == 0:
                try:
                    self._connection().execute("select pg_advisory_lock(%s)", [LOCK_KEY])
                except Exception:
                    self._pg = None      # a broken connection: reconnect once
                    self._connection().execute("select pg_advisory_lock(%s)", [LOCK_KEY])
            self._depth += 1
        except BaseException:
            self._thread.release()
            raise

    def release(self) -> None:
        try:
            self._depth -= 1
            if self._depth == 0 and self._pg is not None:
                try:
                    self._pg.execute("select pg_advisory_unlock(%s)", [LOCK_KEY])
                except Exception:
                    self._pg = None      # the session is gone, and its lock with it
        finally:
            self._thread.release()


class LakeConnection:
    """A DuckDB connection to the lake that takes the write lock around every write transaction.

    At commit, the primary keys of the tables the transaction inserted into or updated are checked
    (still under the lock, so no other writer can slip a duplicate in between): a duplicate rolls the
    transaction back with duckdb.ConstraintException, as the file's constraint would have. Everything
    else passes through to the DuckDB connection; cursors are wrapped the same way (each cursor has
    transactions of its own). `in_transaction` tells whether one is open (the lake has no
    txid_current()).
    """

    is_lake = True

    def __init__(self, con: duckdb.DuckDBPyConnection, lock: WriteLock | None, location: str,
                 keys: dict[str, tuple[str, ...]]):
        self._con = con
        self._lock = lock
        self._keys = keys
        self.location = location
        self.in_transaction = False
        self._locked = False
        self._touched: set[str] = set()
        self._pool: _CursorPool | None = None    # idle cursors of the root connection, shared
        self._pooled = False                       # this is a pooled cursor: close gives it back
        self._reading = False                      # a reader on the local mirror (read_pinned)

    def execute(self, query, parameters=None):
        text = query if isinstance(query, str) else ""
        if self._lock is not None and not self.in_transaction and _BEGIN.match(text):
            self._begin()
            return self
        if self.in_transaction and _END.match(text):
            try:
                if _COMMIT.match(text):
                    self._check_keys()
                self._con.execute(query)
            finally:
                self._end()
            return self
        statement = _strip_comments(text)
        if self._lock is not None and not self.in_transaction and _WRITE.match(statement):
            # one write statement on its own: a transaction of its own, under the lock
            self._begin()
            try:
                self._run(statement, query, parameters)
                self._check_keys()
                self._con.execute("commit")
            except BaseException:
                if self.in_transaction:
                    self._con.execute("rollback")
                raise
            finally:
                self._end()
            return self
        self._run(statement, query, parameters)
        return self

    def _begin(self) -> None:
        self._lock.acquire()
        try:
            self._con.execute("begin transaction")
        except BaseException:
            self._lock.release()
            raise
        self.in_transaction = self._locked = True
        self._touched = set()

    def _run(self, statement: str, query, parameters) -> None:
        touched = _TOUCHED.match(statement)
        if touched and self.in_transaction:
            self._touched.add(touched.group(1))
        if parameters is None:
            self._con.execute(query)
        else:
            self._con.execute(query, parameters)

    def _check_keys(self) -> None:
        for table in sorted(self._touched - BY_CONSTRUCTION):
            cols = self._keys.get(table)
            if not cols:
                continue
            names = ", ".join(f'"{c}"' for c in cols)
            dup = self._con.execute(f'select {names} from "{table}" group by all having count(*) > 1 limit 1'
                                    ).fetchone()
            if dup is not None:
                self._con.execute("rollback")
                self._end()
                raise duckdb.ConstraintException(
                    f"Constraint Error: Duplicate key \"{', '.join(map(str, dup))}\" violates primary key "
                    f"constraint of table {table} (checked at commit on the lake)")

    def _end(self) -> None:
        self.in_transaction = False
        self._touched = set()
        if self._locked:
            self._locked = False
            self._lock.release()

    def executemany(self, query, parameters=None):
        if self._lock is not None and not self.in_transaction:
            self._lock.acquire()
            try:
                self._con.executemany(query, parameters)
            finally:
                self._lock.release()
        else:
            self._con.executemany(query, parameters)
        return self

    def cursor(self) -> "LakeConnection":
        pool = self._pool if self._pool is not None else self._own_pool()
        cur = LakeConnection(pool.take(), self._lock, self.location, self._keys)
        cur._pool, cur._pooled = pool, True
        return cur

    def read_pinned(self) -> None:
        """Make this cursor a reader of the newest snapshot, the small tables read from local
        copies (loaders.store.lake_read); queries.run calls it on the cursor each query takes. Until
        closed the cursor reads that one snapshot; it must not write."""
        if not self._pooled or self._reading or self.in_transaction:
            return
        reader = self._pool.take_reader()
        try:
            self._pool.mirror().pin(reader)
        except BaseException:
            self._pool.give_reader(reader)
            raise
        self._pool.give(self._con)       # the lake cursor it was, unused
        self._con, self._reading = reader, True

    def mirror(self) -> lake_read.Mirror:
        """The local copies this connection's queries read (loaders.store.lake_read)."""
        return (self._pool if self._pool is not None else self._own_pool()).mirror()

    def _own_pool(self) -> "_CursorPool":
        with _CursorPool.guard:
            if self._pool is None:
                self._pool = _CursorPool(self._con, self.location)
        return self._pool

    def close(self) -> None:
        if self._reading:
            self._reading = self._pooled = False
            self._pool.give_reader(self._con)
            return
        if self.in_transaction:
            try:
                self._con.execute("rollback")
            except duckdb.Error:
                pass
            self._end()
        if self._pooled:
            self._pooled = False
            self._pool.give(self._con)
            return
        if self._pool is not None:
            self._pool.close()
        self._con.close()

    def __getattr__(self, name):
        return getattr(self._con, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _CursorPool:
    """Idle DuckDB cursors of one lake connection, already switched to the lake.

    queries.run takes a cursor per query (so a timeout interrupts that query only). A new DuckDB
    cursor starts in the in-memory database, and its `use cm` is a DuckLake transaction of its own:
    a snapshot look-up and four more round trips to the PostgreSQL catalog per query. A cursor given
    back is reused as it is (nothing session-level is set on these cursors)."""

    guard = threading.Lock()

    def __init__(self, con: duckdb.DuckDBPyConnection, location: str, size: int = 8):
        self._con = con
        self._location = location
        self._idle: list = []
        self._readers: list = []          # cursors of the local mirror (lake_read), between queries
        self._mirror = None
        self._size = size
        self._lock = threading.Lock()
        self._closed = False

    def mirror(self) -> lake_read.Mirror:
        with self._lock:
            if self._mirror is None:
                self._mirror = lake_read.Mirror(self._con, dsn(self._location), ALIAS)
            return self._mirror

    def take_reader(self):
        with self._lock:
            if self._readers:
                return self._readers.pop()
        cur = self._con.cursor()
        cur.execute("use memory")        # the mirror's database: no DuckLake transaction to switch
        return cur

    def give_reader(self, cur) -> None:
        """A reader's read transaction ends here (pin began it); a query stopped at its time limit
        may have ended it already."""
        try:
            cur.execute("rollback")
        except duckdb.Error:
            pass
        with self._lock:
            if not self._closed and len(self._readers) < self._size:
                self._readers.append(cur)
                return
        cur.close()

    def take(self):
        with self._lock:
            if self._idle:
                return self._idle.pop()
        cur = self._con.cursor()
        cur.execute(f"use {ALIAS}")      # the default database is per connection: a new cursor starts in memory
        return cur

    def give(self, cur) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._size:
                self._idle.append(cur)
                return
        cur.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle + self._readers, []
            self._readers = []
            mirror, self._mirror = self._mirror, None
        for cur in idle:
            cur.close()
        if mirror is not None:
            mirror.close()


def _strip_comments(sql: str) -> str:
    return re.sub(r"^(\s*--[^\n]*\n)+", "", sql)
