"""The 2025 commune polygons the product ships with (data/boundaries_2025.parquet).

Built by data/build/build_boundaries.py from the MIT-licensed thanglequoc/vietnamese-provinces-database,
whose geometry derives from the national administrative map service (ATTRIBUTION). Loaded at setup
(loaders/setup.py), never from a page:

- each polygon is matched to our 2025 units by province and folded name first, then by code (the same
  rule as the build), so the file serves whether our unit codes are the packages' or the official ones;
- stored in shipped_boundaries (one row per unit), apart from `boundaries` (file imports and approximate
  cells): the map takes an imported file's polygon first, then the shipped one, then the approximate cell
  (queries/map_boundaries.sql), and CM_MAP_BOUNDARIES=approximate switches back to the cells;
- each matched unit's centre (a point inside its polygon) and area replace the packaged ones.
"""
from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import shapely

from loaders.common.text import fold_key
from loaders.store.db import audit, transaction

SHIPPED_FILE = Path(__file__).resolve().parents[3] / "data" / "boundaries_2025.parquet"
MODES = ("official", "approximate")
ATTRIBUTION = ("Ranh giới xã, phường: vietnamese-provinces-database (Thang Le Quoc, giấy phép MIT), dẫn xuất "
               "từ Bản đồ đơn vị hành chính sau sắp xếp (sapnhap.bando.com.vn, NXB Tài nguyên – Môi trường "
               "và Bản đồ Việt Nam); đơn giản hóa ~50 m.")


def mode() -> str:
    """The map's boundary setting (CM_MAP_BOUNDARIES): 'official' (default) or 'approximate'."""
    value = os.environ.get("CM_MAP_BOUNDARIES", "official").strip().lower()
    return value if value in MODES else "official"


def _meta(path: Path) -> dict:
    meta = path.with_suffix(".json")
    return json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}


def source_tag(path: Path = SHIPPED_FILE) -> str:
    """'shipped:<source commit>:<input digest>': a rebuilt file (new source or new rules) reloads."""
    m = _meta(path)
    return f"shipped:{str(m.get('commit', ''))[:12]}:{str(m.get('digest', ''))[:12]}:{m.get('build', 1)}"


def match_units(rows: list[dict], units: list[tuple[str, str, str]]) -> None:
    """Set rows[i]['unit_code'] and ['matched_by'] ('name'|'code') for the rows that match a unit.

    rows: dicts with province_code, name (full name, "Phường Tuy Hoà") and source_code; units: (code,
    name, province_code). By province and folded name first, then by code within the province; a unit is
    taken once.
    """
    by_name: dict[tuple[str, str], list[str]] = {}
    for code, name, prov in units:
        by_name.setdefault((prov, fold_key(name)), []).append(code)
    province_of = {code: prov for code, _, prov in units}
    taken: set[str] = set()
    for r in rows:
        hits = by_name.get((r["province_code"], fold_key(r["name"])), [])
        if len(hits) == 1 and hits[0] not in taken:
            r["unit_code"], r["matched_by"] = hits[0], "name"
            taken.add(hits[0])
    for r in rows:
        code = str(r["source_code"]).zfill(5)
        if "unit_code" not in r and province_of.get(code) == r["province_code"] and code not in taken:
            r["unit_code"], r["matched_by"] = code, "code"
            taken.add(code)


def read_shipped(path: Path = SHIPPED_FILE) -> list[dict]:
    """The file's rows: province_code, source_code, name, lat, lon, area_km2, geojson (text)."""
    table = pq.read_table(path, columns=["province_code", "source_code", "name", "lat", "lon", "area_km2",
                                         "geometry"])
    geoms = shapely.from_wkb(np.asarray(table.column("geometry").to_pylist(), dtype=object))
    texts = shapely.to_geojson(geoms)
    cols = {c: table.column(c).to_pylist() for c in ("province_code", "source_code", "name", "lat", "lon",
                                                      "area_km2")}
    return [dict({c: cols[c][i] for c in cols}, geojson=texts[i]) for i in range(len(texts))]


def load_shipped(con: duckdb.DuckDBPyConnection, path: Path = SHIPPED_FILE, actor: str = "system") -> int:
    """Store the shipped polygons of 2025 and take each matched unit's centre and area from them.

    One transaction, audited; returns the number of units stored. A missing file stores nothing (the
    map then draws the approximate cells).
    """
    if not path.exists():
        return 0
    started = time.perf_counter()
    rows = read_shipped(path)
    units = con.execute("select code, name, province_code from units where era = '2025'").fetchall()
    match_units(rows, units)
    rows = [r for r in rows if "unit_code" in r]
    tag = source_tag(path)
    cols = {c: [r[c] for r in rows] for c in ("unit_code", "geojson", "matched_by", "lat", "lon", "area_km2")}
    with transaction(con):
        con.execute("delete from shipped_boundaries where era = '2025'")
        con.execute(
            """
            insert into shipped_boundaries (era, unit_code, geojson, source, matched_by, loaded_at)
            select '2025', unnest($unit_code), unnest($geojson), $source, unnest($matched_by), $now
            """,
            {"unit_code": cols["unit_code"], "geojson": cols["geojson"], "matched_by": cols["matched_by"],
             "source": tag, "now": datetime.now()},
        )
        # centres and areas of the real polygons (a packaged centre can lie kilometres outside its unit)
        con.execute(
            """
            update units u set lat = s.lat, lon = s.lon, area_km2 = s.area_km2
            from (select unnest($unit_code) as code, unnest($lat) as lat, unnest($lon) as lon,
                         unnest($area_km2) as area_km2) s
            where u.era = '2025' and u.code = s.code
            """,
            {"unit_code": cols["unit_code"], "lat": cols["lat"], "lon": cols["lon"], "area_km2": cols["area_km2"]},
        )
        audit(con, actor, "boundaries.shipped", path.name, json.dumps({
            "stored": len(rows), "source": tag, "seconds": round(time.perf_counter() - started, 2),
            "matched_by": {k: cols["matched_by"].count(k) for k in ("name", "code")},
        }))
    return len(rows)


def is_current(con: duckdb.DuckDBPyConnection, path: Path = SHIPPED_FILE) -> bool:
    """True when the shipped polygons stored are those of the file (or there is no file)."""
    if not path.exists():
        return True
    stored = con.execute("select any_value(source), count(*) from shipped_boundaries where era = '2025'").fetchone()
    return bool(stored[1]) and stored[0] == source_tag(path)


def ensure_map_boundaries(con: duckdb.DuckDBPyConnection, reload: bool = False,
                          actor: str = "system") -> dict[str, int]:
    """At setup: the shipped polygons (when stale, or reload after master data changed), then the
    approximate cells of every campaign's province that lacks them (the fallback where a unit has no
    polygon, and what CM_MAP_BOUNDARIES=approximate draws)."""
    from loaders.reference.boundaries.approximate import ensure_boundaries

    done: dict[str, int] = {}
    if reload or not is_current(con):
        done["shipped"] = load_shipped(con, actor=actor)
    cells = 0
    for era, province in con.execute("select distinct era, province_code from campaigns order by 1, 2").fetchall():
        cells += ensure_boundaries(con, era, province, actor=actor)
    if cells:
        done["approximate"] = cells
    return done
