"""The indicator catalog (data/indicators.yaml) into the store."""
from __future__ import annotations

from pathlib import Path

import duckdb

from loaders.store.db import ROOT, audit, transaction
from loaders.common.text import fold

CATALOG = ROOT / "data" / "indicators.yaml"


_READ: dict[tuple, dict] = {}


def read_catalog(path: Path = CATALOG) -> dict:
    """The catalog's data (shared: callers read it, never change it). Parsed once per file version: a
    new database's setup asks for it once per campaign and again for the ceilings."""
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _READ:
        import yaml     # here: the ingest command on a copied store reads no catalog (its index is cached)

        if len(_READ) > 8:
            _READ.clear()
        # libyaml's parser when PyYAML has it: the same data as yaml.safe_load, several times faster
        _READ[key] = yaml.load(path.read_text(encoding="utf-8"),
                               Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return _READ[key]


def load(con: duckdb.DuckDBPyConnection, path: Path = CATALOG, actor: str = "system") -> int:
    cat = read_catalog(path)
    posting = set(cat["posting"])
    with transaction(con):
        con.execute("delete from indicator_aliases")
        con.execute("delete from indicators")
        con.execute("delete from indicator_groups")
        groups = [[g["code"], g["name"], i + 1] for i, g in enumerate(cat["groups"])]
        inds, aliases = [], []
        for i, ind in enumerate(cat["indicators"]):
            inds.append([ind["code"], ind["group"], ind["name"], ind["uom"], ind["uom"] == "flag",
                         ind["code"] in posting, i + 1])
            names = {fold(ind["name"]), fold(ind["code"])} | {fold(a) for a in ind.get("aliases", [])}
            aliases += [[ind["code"], n] for n in sorted(names) if n]
        # one statement per table (a statement per row costs about a millisecond each)
        for table, rows in (("indicator_groups", groups), ("indicators", inds), ("indicator_aliases", aliases)):
            if rows:
                one = "(" + ", ".join(["?"] * len(rows[0])) + ")"
                con.execute(f"insert into {table} values {', '.join([one] * len(rows))}",
                            [v for r in rows for v in r])
        audit(con, actor, "indicators.load", str(path.name), None)
    return len(cat["indicators"])
