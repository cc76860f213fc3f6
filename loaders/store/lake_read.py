"""Reads of the lake at one snapshot, with local copies of its small tables and the large ones
read straight from their Parquet files (issue 14: the national queries on the lake within 2× the
file).

A query on the lake pays DuckLake's catalog before it reads a byte: for every table it reads, the
DuckLake extension of duckdb 1.5.5 runs its metadata SQL through DuckDB against PostgreSQL (file
lists, delete files, inlined rows, schema versions: 7-8 scans of catalog tables per table, plus a
snapshot look-up per transaction), 8-20 ms of this process's CPU per query even when the table holds
ten rows; a page's query reads up to 35 tables (views and macros included). Yet the lake changes
only when someone writes.

So every read-only query (queries.run) runs on a cursor of the connection's in-memory database,
which mirrors the lake at its latest snapshot S:
- a table of at most SMALL_ROWS rows is a local copy made at S (`... at (version => S)`);
- a larger one is a view over its Parquet files at S, as the catalog lists them: the files whole,
  minus the positions their delete files and the catalog's inlined deletions name, plus the rows
  inlined in the catalog (copied locally). Where that would not be exactly what DuckLake reads (a
  file written before a change of the table's columns, an encrypted one, one holding rows of several
  snapshots), the view reads the lake's table through DuckLake at the cursor's snapshot instead
  (`at (version => getvariable('cm_snapshot'))`);
- the lake's own views and macros are made again locally, so they bind to the local names.
Before each query one indexed look-up of the newest snapshot in PostgreSQL (a psycopg connection,
~0.2 ms) tells whether anything was committed since; if so, only the tables the commits touched
(ducklake_snapshot_changes) are copied or listed again, or everything is rebuilt after a change of
schema. The cursor then starts its transaction on the local database under the mirror's lock, so a
later refresh never shows it half of a newer snapshot: every table a query reads is at the same S.
DuckLake never rewrites a file and removes one only when it is no longer in any kept snapshot
(expire + cleanup), so the files a view names stay readable. Nothing here writes to the lake; the
copies live in this process's memory only.
"""
from __future__ import annotations

import re
import threading

import duckdb

# Tables of at most this many rows (the catalog's record count) are copied into memory. The bench's
# national store has 30 of its 54 tables under it (~330 k rows, ~1 s to copy all at once, once per
# process); what an upload changes among them is copied again on the next read (~0.1-0.3 s).
SMALL_ROWS = 50_000

LOCAL = "memory"      # the in-memory database of the connection DuckDB opened the lake in
_VARIABLE = "cm_snapshot"
_INLINED = "lake_inlined__"     # local table of a large table's rows inlined in the catalog
# the snapshot changes that only touch table data; any other (a table created, altered, dropped, a
# view or macro replaced) rebuilds the whole mirror
_DATA_CHANGE = re.compile(r"^(inserted_into_table|deleted_from_table|inlined_insert|inlined_delete|"
                          r"inline_flush|rewrite_delete|merge_adjacent):(\d+)$")


class Mirror:
    """The local side of one lake connection (see the module's docstring); shared by its cursors."""

    def __init__(self, con, dsn: str, alias: str, small_rows: int | None = None):
        self._con = con                  # the root DuckDB connection, the lake attached as `alias`
        self._dsn = dsn                  # its catalog's libpq DSN
        self._alias = alias
        self._small = SMALL_ROWS if small_rows is None else small_rows
        self._lock = threading.Lock()
        self._pg = None
        self._root: str | None = None          # the lake's data path, from its catalog
        self._paths_ok: bool | None = None
        self._table_columns: dict | None = None
        self.snapshot: int | None = None
        self._schema: int | None = None
        self._local: dict[int, str] = {}     # table id → name, copied into memory
        self._remote: dict[int, str] = {}    # table id → name, a view (its files, or DuckLake)
        self.refreshes = 0                   # how often the copies were made again, and
        self.copied: list[str] = []          # the tables copied the last time, and
        self.direct: list[str] = []          # those read from their files (for the tests)

    # -- used by LakeConnection --------------------------------------------------------------------
    def pin(self, cur) -> None:
        """Start `cur`'s read transaction on the newest snapshot (refreshing the copies first)."""
        with self._lock:
            snapshot, schema = self._latest()
            if snapshot != self.snapshot:
                self._refresh(snapshot, schema)
            # the local database's transaction starts here, under the lock: its tables stay at S
            cur.execute(f"set variable {_VARIABLE} = {int(self.snapshot)}; begin transaction; "
                        f"select 1 from {LOCAL}.main.lake_sequences limit 0").fetchall()

    def local_tables(self) -> set[str]:
        return set(self._local.values())

    def close(self) -> None:
        if self._pg is not None:
            try:
                self._pg.close()
            except Exception:
                pass
            self._pg = None

    # -- internals -----------------------------------------------------------------------------------
    def _catalog(self):
        import psycopg

        if self._pg is None or self._pg.closed:
            self._pg = psycopg.connect(self._dsn, autocommit=True, application_name="campaign-monitor reader")
        return self._pg

    def _ask(self, sql: str, args=()):
        try:
            return self._catalog().execute(sql, args).fetchall()
        except Exception:
            self._pg = None          # a broken connection (server restarted): once more on a new one
            return self._catalog().execute(sql, args).fetchall()

    def _latest(self) -> tuple[int, int]:
        return tuple(self._ask("select snapshot_id, schema_version from ducklake_snapshot "
                               "order by snapshot_id desc limit 1")[0])

    def _tables(self, snapshot: int) -> dict[int, tuple[str, int]]:
        """table id → (name, rows) of the lake's tables in schema main at `snapshot`."""
        rows = self._ask(
            "select t.table_id, t.table_name, coalesce(s.record_count, 0) from ducklake_table t "
            "join ducklake_schema sc on sc.schema_id = t.schema_id and sc.schema_name = 'main' "
            "  and sc.begin_snapshot <= %s and (sc.end_snapshot is null or sc.end_snapshot > %s) "
            "left join ducklake_table_stats s on s.table_id = t.table_id "
            "where t.begin_snapshot <= %s and (t.end_snapshot is null or t.end_snapshot > %s)",
            [snapshot] * 4)
        return {tid: (name, rows) for tid, name, rows in rows}

    def _changed(self, snapshot: int) -> set[int] | None:
        """Ids of the tables whose data the commits after our snapshot changed; None when one of
        them did more than change data (the whole mirror is rebuilt)."""
        ids: set[int] = set()
        rows = self._ask("select coalesce(changes_made, '') from ducklake_snapshot_changes "
                         "where snapshot_id > %s and snapshot_id <= %s", [self.snapshot, snapshot])
        if len(rows) != snapshot - self.snapshot:
            return None          # snapshots expired meanwhile (lake.maintain): their changes are gone
        for (changes,) in rows:
            for item in filter(None, (c.strip() for c in changes.split(","))):
                m = _DATA_CHANGE.match(item)
                if m is None:
                    return None
                ids.add(int(m.group(2)))
        return ids

    def _refresh(self, snapshot: int, schema: int) -> None:
        changed = None if self.snapshot is None or schema != self._schema else self._changed(snapshot)
        cur = self._con.cursor()
        self.copied, self.direct = [], []
        self._table_columns = None
        try:
            cur.execute(f"use {LOCAL}")
            cur.execute(f"set variable {_VARIABLE} = {int(snapshot)}")
            # statement by statement, no transaction around: the readers that run meanwhile keep the
            # local tables of their own transaction, and none starts before this is done (the lock)
            if changed is None:
                self._build(cur, snapshot)
            else:
                self._update(cur, snapshot, changed)
        except BaseException:
            self.snapshot = None         # whatever happened, the next read builds everything again
            raise
        finally:
            cur.close()
        self.snapshot, self._schema = snapshot, schema
        self.refreshes += 1

    def _build(self, cur, snapshot: int) -> None:
        # the lake's Parquet files never change once written (a change writes new ones): their
        # footers can be kept between queries
        cur.execute("set parquet_metadata_cache = true")
        for (name, kind) in cur.execute(
                f"select view_name, 'view' from duckdb_views() where database_name = '{LOCAL}' and not internal "
                f"union all select table_name, 'table' from duckdb_tables() where database_name = '{LOCAL}'"
                ).fetchall():
            cur.execute(f'drop {kind} if exists {LOCAL}.main."{name}" cascade')
        for (name, kind) in cur.execute(
                f"select distinct function_name, function_type from duckdb_functions() "
                f"where database_name = '{LOCAL}' and function_type in ('macro', 'table_macro')").fetchall():
            cur.execute(f'drop {"macro table" if kind == "table_macro" else "macro"} if exists '
                        f'{LOCAL}.main."{name}"')
        self._local, self._remote = {}, {}
        for tid, (name, rows) in sorted(self._tables(snapshot).items()):
            self._place(cur, tid, name, rows, snapshot)
        self._copy_definitions(cur)

    def _update(self, cur, snapshot: int, changed: set[int]) -> None:
        tables = self._tables(snapshot)
        for tid in sorted(changed):
            if tid not in tables:
                continue
            name, rows = tables[tid]
            self._drop(cur, tid)
            self._place(cur, tid, name, rows, snapshot)

    def _drop(self, cur, tid: int) -> None:
        if tid in self._local:
            cur.execute(f'drop table if exists {LOCAL}.main."{self._local.pop(tid)}"')
        elif tid in self._remote:
            name = self._remote.pop(tid)
            cur.execute(f'drop view if exists {LOCAL}.main."{name}"')
            cur.execute(f'drop table if exists {LOCAL}.main."{_INLINED}{name}"')

    def _place(self, cur, tid: int, name: str, rows: int, snapshot: int) -> None:
        source = f'{self._alias}.main."{name}"'
        if rows <= self._small:
            cur.execute(f'create or replace table {LOCAL}.main."{name}" as select * from {source} '
                        f'at (version => {int(snapshot)})')
            self._local[tid] = name
            self.copied.append(name)
        else:
            direct = self._files_view(cur, tid, name, snapshot)
            if direct is None:
                direct = f"select * from {source} at (version => getvariable('{_VARIABLE}'))"
            else:
                self.direct.append(name)
            cur.execute(f'create or replace view {LOCAL}.main."{name}" as {direct}')
            self._remote[tid] = name

    def _files_view(self, cur, tid: int, name: str, snapshot: int) -> str | None:
        """The table's rows at `snapshot` read straight from its Parquet files (no catalog look-up
        per query), or None where that would not be exactly what DuckLake reads: a file whose
        columns differ from the table's (written before a change of schema), a file of mixed
        snapshots or encrypted, deletions in another format than positional Parquet."""
        files = self._files(tid, snapshot)
        if not files or not self._paths_agree(cur, name, snapshot, files):
            return None
        columns = self._columns(cur).get(name)
        inlined: list[int] = []      # row ids of the rows kept in the catalog (small inserts)
        for (table,) in self._ask("select table_name from ducklake_inlined_data_tables where table_id = %s", [tid]):
            inlined += [r for (r,) in self._ask(f'select row_id from "{table}" where begin_snapshot <= %s and '
                                                f'(end_snapshot is null or end_snapshot > %s)', [snapshot, snapshot])]
        gone: dict[int, list[int]] = {}       # deletions kept in the catalog: file id → positions
        if self._ask("select to_regclass(%s) is not null", [f"ducklake_inlined_delete_{int(tid)}"])[0][0]:
            for file_id, position in self._ask(f"select file_id, row_id from ducklake_inlined_delete_{int(tid)} "
                                               f"where begin_snapshot <= %s", [snapshot]):
                gone.setdefault(file_id, []).append(int(position))
        if not columns or sum(map(len, gone.values())) > 10_000 or len(inlined) > 10_000:
            return None
        for _, file, deletes in files:
            if cur.execute(f"select column_name, column_type from (describe select * from read_parquet({_q(file)}))"
                           ).fetchall() != columns:
                return None
            if deletes is not None and cur.execute(
                    f"select column_name, column_type from (describe select * from read_parquet({_q(deletes)}))"
                    ).fetchall() != [("file_path", "VARCHAR"), ("pos", "BIGINT")]:
                return None
        select = ", ".join(f'"{c}"' for c, _ in columns)
        whole = [f for i, f, d in files if d is None and i not in gone]
        parts = [f"select {select} from read_parquet([{', '.join(map(_q, whole))}])"] if whole else []
        for file_id, file, deletes in files:
            if file in whole:
                continue
            keep = []
            if deletes is not None:
                keep.append(f"file_row_number not in (select pos from read_parquet({_q(deletes)}))")
            if file_id in gone:
                keep.append(f"file_row_number not in ({', '.join(map(str, sorted(gone[file_id])))})")
            parts.append(f"select {select} from read_parquet({_q(file)}, file_row_number = true) "
                         f"where {' and '.join(keep)}")
        if inlined:
            # read through DuckLake once, here, into a local table beside the files
            local = f'{LOCAL}.main."{_INLINED}{name}"'
            cur.execute(f'create or replace table {local} as select {select} from {self._alias}.main."{name}" '
                        f'at (version => {int(snapshot)}) where rowid in ({", ".join(map(str, sorted(inlined)))})')
            parts.append(f"select {select} from {local}")
        return " union all ".join(parts)

    def _files(self, tid: int, snapshot: int) -> list[tuple[int, str, str | None]] | None:
        """(data file id, path, its delete file's path or None) of a table at `snapshot`, from the
        catalog; None when one of them is not a plain Parquet file of one snapshot."""
        rows = self._ask(
            "select f.data_file_id, f.path, f.path_is_relative, d.path, d.path_is_relative, "
            "  f.partial_max is null and f.encryption_key is null and coalesce(d.format, 'parquet') = 'parquet' "
            "  and d.partial_max is null and d.encryption_key is null, "
            "  t.path, t.path_is_relative, sc.path, sc.path_is_relative "
            "from ducklake_data_file f join ducklake_table t on t.table_id = f.table_id "
            "  and t.begin_snapshot <= %(s)s and (t.end_snapshot is null or t.end_snapshot > %(s)s) "
            "join ducklake_schema sc on sc.schema_id = t.schema_id "
            "  and sc.begin_snapshot <= %(s)s and (sc.end_snapshot is null or sc.end_snapshot > %(s)s) "
            "left join ducklake_delete_file d on d.data_file_id = f.data_file_id "
            "  and d.begin_snapshot <= %(s)s and (d.end_snapshot is null or d.end_snapshot > %(s)s) "
            "where f.table_id = %(t)s and f.begin_snapshot <= %(s)s "
            "  and (f.end_snapshot is null or f.end_snapshot > %(s)s) order by f.data_file_id",
            {"s": snapshot, "t": tid})
        out = []
        for fid, path, rel, dpath, drel, plain, tpath, trel, spath, srel in rows:
            if not plain or len([r for r in rows if r[0] == fid]) > 1:
                return None
            base = _join(_join(self._data_path(), spath, srel), tpath, trel)
            out.append((fid, _join(base, path, rel), None if dpath is None else _join(base, dpath, drel)))
        return out

    def _paths_agree(self, cur, name: str, snapshot: int, files) -> bool:
        """Once per mirror: the paths made from the catalog are those DuckLake itself lists (else
        every table is read through DuckLake)."""
        if self._paths_ok is None:
            listed = cur.execute(f"select data_file, delete_file from ducklake_list_files('{self._alias}', ?, "
                                 f"snapshot_version => {int(snapshot)})", [name]).fetchall()
            self._paths_ok = sorted(listed, key=str) == sorted(((f, d) for _, f, d in files), key=str)
        return self._paths_ok

    def _data_path(self) -> str:
        if self._root is None:
            self._root = self._ask("select value from ducklake_metadata where key = 'data_path' "
                                   "and scope is null")[0][0]
        return self._root

    def _columns(self, cur) -> dict[str, list[tuple[str, str]]]:
        """table → its (column, type), read once per refresh."""
        if self._table_columns is None:
            self._table_columns = {}
            for table, column, kind in cur.execute(
                    "select table_name, column_name, data_type from duckdb_columns() where database_name = ? "
                    "and schema_name = 'main' order by table_name, column_index", [self._alias]).fetchall():
                self._table_columns.setdefault(table, []).append((column, kind))
        return self._table_columns

    def _copy_definitions(self, cur) -> None:
        """The lake's macros and views, made again in memory so that they read the local names."""
        macros: dict[tuple[str, str], list[str]] = {}
        for name, kind, params, types, body in cur.execute(
                f"select function_name, function_type, parameters, parameter_types, macro_definition "
                f"from duckdb_functions() where database_name = '{self._alias}' and schema_name = 'main' "
                f"and function_type in ('macro', 'table_macro') order by function_name").fetchall():
            args = ", ".join(p + (f" {t}" if t else "") for p, t in zip(params, types or [None] * len(params)))
            macros.setdefault((name, kind), []).append(f"({args}) as {'table ' if kind == 'table_macro' else ''}{body}")
        pending = {("macro", name): f'create or replace macro {LOCAL}.main."{name}" {", ".join(overloads)}'
                   for (name, _), overloads in macros.items()}
        pending.update({("view", name): _or_replace(sql) for name, sql in cur.execute(
            f"select view_name, sql from duckdb_views() where database_name = '{self._alias}' "
            f"and schema_name = 'main' and not internal").fetchall()})
        # a view (and a table macro) binds when it is made: make those whose parts exist first, again
        # and again until none is left
        while pending:
            failed: dict[tuple[str, str], tuple[str, Exception]] = {}
            for key, sql in pending.items():
                try:
                    cur.execute(sql)
                except duckdb.CatalogException as e:      # something it reads is not made yet
                    failed[key] = (sql, e)
            if len(failed) == len(pending):
                first = next(iter(failed.values()))[1]
                raise RuntimeError(f"definitions of the lake that cannot be made in memory: "
                                   f"{sorted(n for _, n in failed)}: {first}")
            pending = {k: sql for k, (sql, _) in failed.items()}

def _join(base: str, path: str, relative: bool) -> str:
    return (base.rstrip("/") + "/" + path) if relative else path


def _q(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def _or_replace(sql: str) -> str:
    return re.sub(r"^\s*create\s+(or\s+replace\s+)?view\b", "create or replace view", sql, count=1, flags=re.I)
