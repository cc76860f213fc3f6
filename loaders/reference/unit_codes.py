"""Rewrite the commune codes of a store built before the switch to official (GSO) codes (issue 11).

Stores built before carry vietnam-provinces' codes for 124 communes of 2025 (Phường Cửa Nam 00073,
officially 00082; nine codes even name another commune, e.g. 00226 was Kim Liên, officially Văn Miếu –
Quốc Tử Giám). Codes are what reports, accounts, boundaries and exports hold, so every stored
reference to a 2025 commune moves to its official code, in one transaction, once per store:

  1. data/unit_code_changes_2025.csv (built by data/build/official_units.py) → unit_code_changes;
  2. every stored reference of a 2025-era unit is rewritten through it, all pairs at once (rotations):
     reports and all their versions (submissions), account bindings (account_units), boundaries of era
     2025, any other table with a unit_code column of a 2025 campaign (or of era 2025), the rollup,
     and the audit log's references (ingest details, account creation);
  3. the master data (units, aliases, old→new history) is reloaded: official codes, and old communes
     mapped by code;
  4. what changed is recorded in unit_code_rewrites and the audit log.

Which store needs it is read from the store, not assumed: the rewrite runs when every old code of
the list still names its commune in `units`; when none does (a store built with official codes),
the batch is recorded as done with nothing changed; anything in between is refused, untouched.
Legacy-era codes (pre-2025 communes, legacy campaigns) are GSO codes already and never touched.
"""
from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import duckdb

from loaders.common.text import tone_key
from loaders.reference import masterdata
from loaders.store import rollup
from loaders.store.db import audit, transaction

BATCH = "gso-2025"
CHANGES = Path(__file__).resolve().parents[2] / "data" / "unit_code_changes_2025.csv"
# Tables whose unit codes come from the master data itself: reloaded, not rewritten.
_RELOADED = {"units", "unit_aliases", "unit_history", "unit_code_changes", "unit_code_rewrites"}


class UnitCodeError(RuntimeError):
    """The store holds some old codes and some official ones: not a state this rewrite knows."""


def read_changes(path: Path = CHANGES) -> list[tuple[str, str, str, str]]:
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    return [(r["old_code"], r["new_code"], r["province_code"], r["name"]) for r in rows]


def is_done(con: duckdb.DuckDBPyConnection, batch: str = BATCH) -> bool:
    return con.execute("select count(*) from unit_code_rewrites where batch = ?", [batch]).fetchone()[0] > 0


def state(con: duckdb.DuckDBPyConnection, changes: list[tuple[str, str, str, str]]) -> str:
    """'old' (every old code still names its commune), 'official' (none does) or 'mixed'."""
    names = dict(con.execute("select code, name from units where era = '2025' and list_contains(?, code)",
                             [[c[0] for c in changes]]).fetchall())
    old = sum(1 for o, _, _, name in changes if tone_key(names.get(o, "")) == tone_key(name))
    return "old" if old == len(changes) else "official" if old == 0 else "mixed"


def upgrade(con: duckdb.DuckDBPyConnection, actor: str = "system",
            path: Path = CHANGES) -> dict[str, int] | None:
    """Rewrite the store's codes if it still has the old ones; None when the batch was done before.
    Returns rows changed per table.column ({} when the store already had the official codes)."""
    if is_done(con):
        return None
    changes = read_changes(path)
    with transaction(con):
        now = datetime.now()
        if con.execute("select count(*) from units where era = '2025'").fetchone()[0] == 0:
            return None                      # no master data yet: it will be loaded with official codes
        st = state(con, changes)
        if st == "mixed":
            raise UnitCodeError("Cơ sở dữ liệu có lẫn mã đơn vị cũ và mã chính thức; không tự chuyển đổi được.")
        con.execute("insert into unit_code_changes select ?, unnest(?), unnest(?), unnest(?), unnest(?)",
                    [BATCH] + [list(c) for c in zip(*changes)])
        counts: dict[str, int] = {}
        if st == "old":
            counts = _rewrite(con)
            masterdata.replace(con, actor)
            codes = [c for (c,) in con.execute("select code from campaigns where era = '2025'").fetchall()]
            if codes:
                rollup.refresh(con, codes)
        rows = [(t, c, n) for (t, c), n in ((k.split(".", 1), v) for k, v in counts.items())] or [("-", "-", 0)]
        con.execute("insert into unit_code_rewrites select ?, ?, unnest(?), unnest(?), unnest(?)",
                    [BATCH, now] + [list(x) for x in zip(*rows)])
        audit(con, actor, "units.recode", BATCH, json.dumps(
            {"state": st, "pairs": len(changes), "rows": counts}, ensure_ascii=False))
    return counts


def _targets(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(table, column, scope): every base table with a unit_code column, and how to tell its 2025
    rows (by the era column, else by the campaign's era)."""
    cols: dict[str, set[str]] = {}
    for table, column in con.execute(
            "select table_name, column_name from information_schema.columns c "
            "join information_schema.tables t using (table_schema, table_name) "
            "where t.table_type = 'BASE TABLE' and t.table_schema = 'main'").fetchall():
        cols.setdefault(table, set()).add(column)
    out = []
    for table, names in sorted(cols.items()):
        if "unit_code" not in names or table in _RELOADED:
            continue
        if "era" in names:
            out.append((table, "unit_code", "era = '2025'"))
        elif "campaign_code" in names:
            out.append((table, "unit_code",
                        "campaign_code in (select code from campaigns where era = '2025')"))
    return out


def _rewrite(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = {}
    pairs = f"(select old_code, new_code from unit_code_changes where batch = '{BATCH}')"
    for table, column, scope in _targets(con):
        hit = f"{scope} and {column} in (select old_code from {pairs})"
        n = con.execute(f"select count(*) from {table} where {hit}").fetchone()[0]
        if not n:
            continue
        # copy out, delete, insert back rewritten: updating a key column in place could collide with
        # a row not yet rewritten (rotated codes) on the table's primary key
        con.execute(f"create temp table _recode as select * from {table} where {hit}")
        con.execute(f"delete from {table} where {hit}")
        con.execute(f"update _recode set {column} = p.new_code from {pairs} p where _recode.{column} = p.old_code")
        con.execute(f"insert into {table} select * from _recode")
        con.execute("drop table _recode")
        counts[f"{table}.{column}"] = n
    n = _rewrite_audit(con)
    if n:
        counts["audit_log.details"] = n
    return counts


def _rewrite_audit(con: duckdb.DuckDBPyConnection) -> int:
    """The audit log's references to 2025 units: an ingest's unit_code, an account's bound units."""
    new = dict(con.execute("select old_code, new_code from unit_code_changes where batch = ?", [BATCH]).fetchall())
    era25 = {c for (c,) in con.execute("select code from campaigns where era = '2025'").fetchall()}
    changed = []
    for id_, details in con.execute(
            "select id, details from audit_log where details is not null and "
            "(action like 'ingest.%' or action = 'account.create')").fetchall():
        d = json.loads(details) if isinstance(details, str) else details
        if not isinstance(d, dict):
            continue
        before = json.dumps(d, ensure_ascii=False, sort_keys=True)
        if d.get("campaign") in era25 and d.get("unit_code") in new:
            d["unit_code"] = new[d["unit_code"]]
        if isinstance(d.get("units"), list):
            d["units"] = [[u[0], new.get(u[1], u[1])] if isinstance(u, list) and len(u) == 2 and u[0] in era25
                          else u for u in d["units"]]
        if json.dumps(d, ensure_ascii=False, sort_keys=True) != before:
            changed.append((id_, json.dumps(d, ensure_ascii=False)))
    if changed:
        con.execute("update audit_log set details = c.d from (select unnest(?) as id, unnest(?) as d) c "
                    "where audit_log.id = c.id", [[c[0] for c in changed], [c[1] for c in changed]])
    return len(changed)
