"""Approximate boundaries: one polygon per unit derived from the packaged centroids (see the package
docstring), stored with approximate = true."""
from __future__ import annotations

import json
import math
import time
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from loaders.store.db import audit, transaction
from loaders.reference.boundaries.geometry import (ERAS, SOURCE_APPROXIMATE, _geojson, _polygonal,
                                                   _simplify_coverage, _transform, utm_crs)

# ---------------------------------------------------------------------------------------------------
# Approximate boundaries
# ---------------------------------------------------------------------------------------------------

def _check_era(era: str) -> None:
    if era not in ERAS:
        raise ValueError(f"Thời kỳ hành chính không hợp lệ: {era!r} (chỉ '2025' hoặc 'legacy').")


def _targets(con: duckdb.DuckDBPyConnection, era: str, province_code: str) -> pd.DataFrame:
    """The units to draw, with centroid and an area (estimated for legacy communes)."""
    return con.execute(
        """
        with default_share as (
            select h.new_code, count(*) as n_old
            from unit_history h
            where h.is_default
            group by h.new_code
        ),
        legacy_area as (
            select h.old_code as code, nullif(n.area_km2, 0) / s.n_old as area_km2
            from unit_history h
            join units n on n.era = '2025' and n.code = h.new_code
            join default_share s on s.new_code = h.new_code
            where h.is_default
        )
        select u.code as unit_code, u.name, u.lat, u.lon,
               coalesce(nullif(u.area_km2, 0), la.area_km2) as area_km2
        from units u
        left join legacy_area la on u.era = 'legacy' and la.code = u.code
        where u.era = $era and u.province_code = $province
        order by u.code
        """,
        {"era": era, "province": province_code},
    ).df()


def _seeds(con: duckdb.DuckDBPyConnection, era: str, province_code: str,
           targets: pd.DataFrame) -> pd.DataFrame:
    """Voronoi seeds: unit_code (the unit the seed's cell goes to), lat, lon, area_km2."""
    own = targets[["unit_code", "lat", "lon", "area_km2"]]
    if era == "legacy":
        return own.dropna(subset=["lat", "lon"]).reset_index(drop=True)
    old = con.execute(
        """
        with new_units as (
            select code, nullif(area_km2, 0) as area_km2
            from units
            where era = '2025' and province_code = $province
        ),
        mapped as (
            select h.new_code, h.old_code
            from unit_history h
            join new_units n on n.code = h.new_code
            where h.is_default
        ),
        final as (
            select m.new_code as unit_code, o.lat, o.lon,
                   n.area_km2 / count(*) over (partition by m.new_code) as area_km2
            from mapped m
            join units o on o.era = 'legacy' and o.code = m.old_code
            join new_units n on n.code = m.new_code
            where o.lat is not null and o.lon is not null
        )
        select * from final order by unit_code, lat, lon
        """,
        {"province": province_code},
    ).df()
    # Every new unit's own centroid seeds a cell too: it gives a unit no old commune maps to its place,
    # and gives a unit its share of an old commune divided between several new ones (whose default
    # mapping names only one). Measured on the 34 provinces: 100 % of units contain their centroid
    # (95.8 % without), fewer split units, areas closer to the official ones.
    return pd.concat([old, own.dropna(subset=["lat", "lon"])], ignore_index=True)


def _separate(xy: np.ndarray) -> np.ndarray:
    """Nudge coincident seeds a few metres apart so each keeps its own Voronoi cell."""
    xy = xy.copy()
    seen: dict[tuple, int] = {}
    for i, (x, y) in enumerate(np.round(xy, 1)):
        k = (x, y)
        if k in seen:
            seen[k] += 1
            angle = seen[k] * 2.399963  # golden angle: successive nudges never coincide
            xy[i] += 10.0 * math.sqrt(seen[k]) * np.array([math.cos(angle), math.sin(angle)])
        else:
            seen[k] = 0
    return xy


def _outline(points: np.ndarray, radii: np.ndarray, target_area: float):
    """An approximate province outline (metres): closed union of discs, area matched to target_area."""
    closing = float(np.median(radii))

    def shape(factor: float):
        discs = shapely.buffer(points, radii * factor, quad_segs=6)
        merged = shapely.union_all(discs).buffer(closing, quad_segs=6).buffer(-closing, quad_segs=6)
        polys = [shapely.Polygon(p.exterior) for p in shapely.get_parts(merged) if p.geom_type == "Polygon"]
        return shapely.union_all(polys)

    if not target_area or target_area <= 0:
        return shape(1.0)
    lo, hi = 0.6, 2.5
    for _ in range(8):  # bisection on the factor: area grows monotonically with it
        mid = (lo + hi) / 2
        best = shape(mid)
        if best.area < target_area:
            lo = mid
        else:
            hi = mid
        if abs(best.area - target_area) / target_area < 0.02:
            break
    return best


def derive_geometries(con: duckdb.DuckDBPyConnection, era: str, province_code: str,
                      keep_out=None) -> pd.DataFrame:
    """The approximate polygon of every unit of (era, province), in WGS 84, not stored.

    keep_out: a WGS 84 (multi)polygon the cells are cut back from (imported boundaries), where
    cutting leaves something. Returns a DataFrame [unit_code, geometry (shapely, WGS 84)].
    """
    _check_era(era)
    targets = _targets(con, era, province_code)
    if targets.empty:
        return pd.DataFrame(columns=["unit_code", "geometry"])
    seeds = _seeds(con, era, province_code, targets)
    median_area = float(targets["area_km2"].median()) if targets["area_km2"].notna().any() else 20.0
    seeds["area_km2"] = seeds["area_km2"].fillna(median_area).clip(lower=0.05)

    crs = utm_crs(float(seeds["lon"].mean()), float(seeds["lat"].mean()))
    fwd = Transformer.from_crs(4326, crs, always_xy=True)
    back = Transformer.from_crs(crs, 4326, always_xy=True)
    x, y = fwd.transform(seeds["lon"].to_numpy(), seeds["lat"].to_numpy())
    xy = _separate(np.column_stack([x, y]))
    points = shapely.points(xy)
    radii = np.sqrt(seeds["area_km2"].to_numpy() * 1e6 / math.pi)

    target_area = float(targets["area_km2"].fillna(median_area).sum()) * 1e6
    outline = _outline(points, radii, target_area)

    codes = targets["unit_code"].tolist()
    if len(points) >= 2:
        frame = shapely.box(*outline.buffer(10 * float(radii.max())).bounds)
        cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame,
                                                           ordered=True))
    else:
        cells = np.array([outline])
    seed_unit = seeds["unit_code"].to_numpy()
    polys = []
    for code in codes:
        mine = cells[seed_unit == code]
        geom = _polygonal(shapely.intersection(shapely.coverage_union_all(mine), outline)) if len(mine) else None
        polys.append(geom)

    # A unit with no seed or nothing left inside the outline: a disc of its area at its centroid,
    # carved out of its neighbours so the coverage stays free of overlaps.
    for i, code in enumerate(codes):
        if polys[i] is not None:
            continue
        t = targets.iloc[i]
        if pd.isna(t["lat"]):
            continue
        cx, cy = fwd.transform(t["lon"], t["lat"])
        r = math.sqrt((t["area_km2"] if pd.notna(t["area_km2"]) else median_area) * 1e6 / math.pi)
        disc = shapely.Point(cx, cy).buffer(r, quad_segs=8)
        polys = [p if p is None or j == i else (_polygonal(p.difference(disc)) or p)
                 for j, p in enumerate(polys)]
        polys[i] = disc

    if keep_out is not None and not keep_out.is_empty:
        cut = _transform(keep_out, fwd)
        polys = [p if p is None else (_polygonal(p.difference(cut)) or p) for p in polys]

    present = [i for i, p in enumerate(polys) if p is not None]
    simplified = _simplify_coverage(np.array([polys[i] for i in present], dtype=object))
    wgs = _transform(simplified, back)
    out = pd.DataFrame({"unit_code": [codes[i] for i in present], "geometry": list(wgs)})
    out["geometry"] = [shapely.make_valid(g) if not g.is_valid else g for g in out["geometry"]]
    return out


def _imported(con: duckdb.DuckDBPyConnection, era: str, province_code: str) -> pd.DataFrame:
    return con.execute(
        """
        select b.unit_code, b.geojson
        from boundaries b
        join units u on u.era = b.era and u.code = b.unit_code
        where b.era = $era and u.province_code = $province and not b.approximate
        """,
        {"era": era, "province": province_code},
    ).df()


def derive_approximate(con: duckdb.DuckDBPyConnection, era: str, province_code: str,
                       actor: str = "system") -> int:
    """Derive and store the approximate polygons of (era, province); return how many were stored.

    One transaction. Replaces only approximate rows: a unit with an imported polygon keeps it, and the
    approximate cells of the others are cut back from the imported ones where that leaves something.
    """
    _check_era(era)
    started = time.perf_counter()
    imported = _imported(con, era, province_code)
    keep_out = None
    if not imported.empty:
        keep_out = shapely.union_all([shapely.from_geojson(g) for g in imported["geojson"]])
    derived = derive_geometries(con, era, province_code, keep_out=keep_out)
    derived = derived[~derived["unit_code"].isin(imported["unit_code"])]
    now = datetime.now()
    rows = pd.DataFrame({
        "era": era, "unit_code": derived["unit_code"],
        "geojson": [_geojson(g) for g in derived["geometry"]],
        "source": SOURCE_APPROXIMATE, "approximate": True, "loaded_at": now,
    })
    with transaction(con):
        con.execute(
            """
            delete from boundaries
            where era = $era and approximate
              and (unit_code in (select code from units where era = $era and province_code = $province)
                   or unit_code not in (select code from units where era = $era))
            """,
            {"era": era, "province": province_code},
        )
        con.register("_boundaries", rows)
        con.execute("insert into boundaries (era, unit_code, geojson, source, approximate, loaded_at) "
                    "select era, unit_code, geojson, source, approximate, loaded_at from _boundaries")
        con.unregister("_boundaries")
        audit(con, actor, "boundaries.derive", f"{era}/{province_code}", json.dumps({
            "stored": len(rows), "kept_imported": len(imported),
            "bytes": int(rows["geojson"].str.len().sum()) if len(rows) else 0,
            "seconds": round(time.perf_counter() - started, 3),
        }))
    return len(rows)


def ensure_boundaries(con: duckdb.DuckDBPyConnection, era: str, province_code: str,
                      actor: str = "system") -> int:
    """Derive approximate polygons when a unit of (era, province) has none stored; return rows stored.

    A province whose every unit already has a polygon (imported or approximate) is left alone (0).
    """
    _check_era(era)
    missing = con.execute(
        """
        select count(*)
        from units u
        left join boundaries b on b.era = u.era and b.unit_code = u.code
        where u.era = $era and u.province_code = $province and b.unit_code is null
        """,
        {"era": era, "province": province_code},
    ).fetchone()[0]
    if not missing:
        return 0
    return derive_approximate(con, era, province_code, actor=actor)


