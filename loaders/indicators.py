"""The indicator catalog (data/indicators.yaml) into the store."""
from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

from loaders.db import ROOT, audit, transaction
from loaders.text import fold

CATALOG = ROOT / "data" / "indicators.yaml"


def read_catalog(path: Path = CATALOG) -> dict:
    # libyaml's parser when PyYAML has it: the same data as yaml.safe_load, several times faster
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load(con: duckdb.DuckDBPyConnection, path: Path = CATALOG, actor: str = "system") -> int:
    cat = read_catalog(path)
    posting = set(cat["posting"])
    with transaction(con):
        con.execute("delete from indicator_aliases")
        con.execute("delete from indicators")
        con.execute("delete from indicator_groups")
        for i, g in enumerate(cat["groups"]):
            con.execute("insert into indicator_groups values (?, ?, ?)", [g["code"], g["name"], i + 1])
        for i, ind in enumerate(cat["indicators"]):
            con.execute(
                "insert into indicators values (?, ?, ?, ?, ?, ?, ?)",
                [ind["code"], ind["group"], ind["name"], ind["uom"], ind["uom"] == "flag",
                 ind["code"] in posting, i + 1],
            )
            names = {fold(ind["name"]), fold(ind["code"])} | {fold(a) for a in ind.get("aliases", [])}
            con.executemany("insert into indicator_aliases values (?, ?)",
                            [[ind["code"], n] for n in sorted(names) if n])
        audit(con, actor, "indicators.load", str(path.name), None)
    return len(cat["indicators"])
