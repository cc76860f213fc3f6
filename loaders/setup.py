"""First start and upgrades: migrate the schema, then load whatever master data is missing.

Idempotent: running it on a ready database changes nothing but the schema version when a new
migration ships.
"""
from __future__ import annotations

import duckdb

from loaders.store import db
from loaders.store import rollup
from loaders.reference import indicators
from loaders.reference import masterdata
from loaders.reference import unit_codes


def ensure_ready(con: duckdb.DuckDBPyConnection, reload: bool = False,
                 map_boundaries: bool = True, refresh: bool = True) -> dict[str, object]:
    """Bring a migrated database to a usable state: units, indicators, campaigns, map polygons.

    map_boundaries=False leaves the polygons and approximate cells out (the ingest command: storing
    reports reads none of them, and they are a third of a new database's setup); the app's start
    (loaders/api.py: prepare) loads them when the store has none. refresh=False: the caller refreshes
    the rollup itself right after (the ingest command, once for the setup and its reports)."""
    from loaders.reference import campaigns

    done: dict[str, object] = {}
    # a store built before official commune codes is rewritten once, before any reload (its units
    # table tells which codes it holds); a new store records, after its load, that it has them
    recoded = unit_codes.upgrade(con)
    if recoded:
        done["unit_codes"] = recoded
    if reload or not masterdata.is_loaded(con):
        done["masterdata"] = masterdata.load(con)
    unit_codes.upgrade(con)
    if reload or con.execute("select count(*) from indicators").fetchone()[0] == 0:
        done["indicators"] = indicators.load(con)
    done["campaigns"] = campaigns.load_all(con)
    # after the units (a master-data reload or a code rewrite resets their centres) and the campaigns
    # (whose provinces get approximate cells): the map never writes
    if map_boundaries:
        from loaders.reference.boundaries import shipped   # shapely and pyarrow: only when needed

        done["boundaries"] = shipped.ensure_map_boundaries(con, reload="masterdata" in done or "unit_codes" in done)
    if refresh:
        rollup.refresh(con)   # what was just loaded or changed: the writer refreshes, reads never write
    return done
