"""Reads of the lake at one snapshot, with local copies of its small tables (issue 14: the national
queries on the lake within 2× the file).

A query on the lake pays DuckLake's catalog before it reads a byte: for every table it reads, the
DuckLake extension of duckdb 1.5.5 runs its metadata SQL through DuckDB against PostgreSQL (file
lists, delete files, inlined rows, schema versions: 7-8 scans of catalog tables per table, plus a
snapshot look-up per transaction), 8-20 ms of this process's CPU per query even when the table holds
ten rows. Most tables a page reads are small (campaigns, units, phases, the per-unit rollups), and
they change only when someone writes.

So every read-only query (queries.run) runs on a cursor of the connection's in-memory database,
which mirrors the lake at its latest snapshot S:
- a table of at most SMALL_ROWS rows is a local copy made at S (`... at (version => S)`);
- a larger one is a view over the lake's table at the snapshot the cursor was given
  (`at (version => getvariable('cm_snapshot'))`), read through DuckLake as before;
- the lake's own views and macros are recreated locally, so they bind to the local names.
Before each query one indexed look-up of the newest snapshot in PostgreSQL (a psycopg connection,
~0.2 ms) tells whether anything was committed since; if so, only the small tables the commits touched
(ducklake_snapshot_changes) are copied again, or everything is rebuilt after a schema change. The
cursor then starts its transaction on the local database under the mirror's lock, so a later
refresh never shows it half of a newer snapshot: every table a query reads is at the same S.
Nothing here writes to the lake; the copies live in this process's memory only.
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
# the snapshot changes that only touch table data; any other (a table created, altered, dropped, a
# view or macro replaced) rebuilds the whole mirror
_DATA_CHANGE = re.compile(r"^(inserted_into_table|deleted_from_table|inlined_insert|inlined_delete|"
                          r"compacted_table|merge_adjacent|flushed_inlined|rewrote_table)\w*:(\d+)$")


class Mirror:
    """The local side of one lake connection (see the module's docstring); shared by its cursors."""

    def __init__(self, con, dsn: str, alias: str, small_rows: int | None = None):
        self._con = con                  # the root DuckDB connection, the lake attached as `alias`
        self._dsn = dsn                  # its catalog's libpq DSN
        self._alias = alias
        self._small = SMALL_ROWS if small_rows is None else small_rows
        self._lock = threading.Lock()
        self._pg = None
        self.snapshot: int | None = None
        self._schema: int | None = None
        self._local: dict[int, str] = {}     # table id → name, copied into memory
        self._remote: dict[int, str] = {}    # table id → name, a view over the lake
        self.refreshes = 0                   # how often the copies were made again, and
        self.copied: list[str] = []          # the tables copied the last time (for the tests)

    # -- used by LakeConnection --------------------------------------------------------------------
    def pin(self, cur) -> None:
        """Start `cur`'s read transaction on the newest snapshot (refreshing the copies first)."""
        with self._lock:
            snapshot, schema = self._latest()
            if snapshot != self.snapshot:
                self._refresh(snapshot, schema)
            cur.execute(f"set variable {_VARIABLE} = {int(self.snapshot)}")
            cur.execute("begin transaction")
            # the local database's transaction starts here, under the lock: its tables stay at S
            cur.execute(f"select 1 from {LOCAL}.main.lake_sequences limit 0").fetchall()

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
        for (changes,) in self._ask("select coalesce(changes_made, '') from ducklake_snapshot_changes "
                                    "where snapshot_id > %s and snapshot_id <= %s", [self.snapshot, snapshot]):
            for item in filter(None, (c.strip() for c in changes.split(","))):
                m = _DATA_CHANGE.match(item)
                if m is None:
                    return None
                ids.add(int(m.group(2)))
        return ids

    def _refresh(self, snapshot: int, schema: int) -> None:
        changed = None if self.snapshot is None or schema != self._schema else self._changed(snapshot)
        cur = self._con.cursor()
        self.copied = []
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
            if tid in self._remote and rows > self._small:
                continue                 # a view over the lake: it reads the new snapshot already
            self._drop(cur, tid)
            self._place(cur, tid, name, rows, snapshot)

    def _drop(self, cur, tid: int) -> None:
        if tid in self._local:
            cur.execute(f'drop table if exists {LOCAL}.main."{self._local.pop(tid)}"')
        elif tid in self._remote:
            cur.execute(f'drop view if exists {LOCAL}.main."{self._remote.pop(tid)}"')

    def _place(self, cur, tid: int, name: str, rows: int, snapshot: int) -> None:
        source = f'{self._alias}.main."{name}"'
        if rows <= self._small:
            cur.execute(f'create or replace table {LOCAL}.main."{name}" as select * from {source} '
                        f'at (version => {int(snapshot)})')
            self._local[tid] = name
            self.copied.append(name)
        else:
            cur.execute(f'create or replace view {LOCAL}.main."{name}" as select * from {source} '
                        f"at (version => getvariable('{_VARIABLE}'))")
            self._remote[tid] = name

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

def _or_replace(sql: str) -> str:
    return re.sub(r"^\s*create\s+(or\s+replace\s+)?view\b", "create or replace view", sql, count=1, flags=re.I)
