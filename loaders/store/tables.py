"""The tables of a store, moved as a whole: restore and copy load every table of an attached store
into the current one (load_tables), parents before children, and move the id counters past what they
loaded (advance_sequences: a file's sequences, a lake's lake_sequences)."""
from __future__ import annotations

import re

from loaders.store import db, lake


def base_tables(con, catalog: str | None = None) -> list[str]:
    where = "and database_name = ?" if catalog else "and database_name = current_database()"
    args = [catalog] if catalog else []
    return [t for (t,) in con.execute(
        f"select table_name from duckdb_tables() where schema_name = 'main' {where} order by table_name",
        args).fetchall()]



# the store's own bookkeeping, never copied: each store keeps its own (lake_sequences is moved by
# advance_sequences)
SCHEMA_TABLES = ("schema_migrations", "schema_definitions", "lake_sequences")


def load_tables(con, alias: str) -> dict[str, int]:
    """Replace every table's rows by those of the attached store `alias` (same schema), inside the
    caller's transaction; returns rows per table. Used by restore and copy."""
    tables = parents_first(con, [t for t in base_tables(con) if t not in SCHEMA_TABLES])
    present = set(base_tables(con, alias))
    counts = {}
    for t in reversed(tables):      # children before the tables they reference
        con.execute(f'delete from "{t}"')
    for t in tables:                # parents before their children
        if t in present:
            con.execute(f'insert into "{t}" by name select * from {alias}.main."{t}"')
        counts[t] = con.execute(f'select count(*) from "{t}"').fetchone()[0]
    advance_sequences(con)
    return counts


def advance_sequences(con) -> None:
    """Ids come from sequences, which DuckDB cannot reset: advancing each by the highest stored id
    guarantees new ids land past every loaded row (gaps are harmless). A lake counts in lake_sequences."""
    if db.is_lake(con):
        for seq, (table, column) in lake.sequence_columns([p for _, p in db.migration_files()]).items():
            top = con.execute(f'select coalesce(max("{column}"), 0) from "{table}"').fetchone()[0]
            now = con.execute("select value from lake_sequences where name = ?", [seq]).fetchone()
            con.execute("delete from lake_sequences where name = ?", [seq])
            con.execute("insert into lake_sequences values (?, ?)", [seq, max(int(top), now[0] if now else 0)])
        return
    for table, column, default in con.execute(
            "select table_name, column_name, column_default from duckdb_columns() "
            "where database_name = current_database() and column_default like 'nextval(%'").fetchall():
        seq = re.search(r"nextval\('([^']+)'", default).group(1)
        top = con.execute(f'select coalesce(max("{column}"), 0) from "{table}"').fetchone()[0]
        if top:
            con.execute(f"select max(nextval('{seq}')) from range(?)", [int(top)])


def parents_first(con, tables: list[str]) -> list[str]:
    """Tables ordered so that a table comes after every table its foreign keys reference."""
    refs: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in con.execute("select table_name, referenced_table from duckdb_constraints() "
                                     "where constraint_type = 'FOREIGN KEY' and database_name = current_database()"
                                     ).fetchall():
        if child in refs and parent in refs:
            refs[child].add(parent)
    ordered: list[str] = []
    while refs:
        ready = sorted(t for t, parents in refs.items() if parents <= set(ordered))
        ordered += ready
        for t in ready:
            del refs[t]
    return ordered


_parents_first = parents_first      # the name tests and older callers use
