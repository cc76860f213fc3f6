"""Geometry helpers shared by every boundary source: projections, coverage simplification, stored
GeoJSON text, and the FeatureCollection plotly draws."""
from __future__ import annotations

import json
import math
from typing import Mapping

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

SOURCE_APPROXIMATE = "approximate:voronoi"
SOURCE_FILE_PREFIX = "file:"
MAX_POINTS = 250            # at most this many vertices per stored unit polygon
PRECISION = 5               # decimals of a stored degree (1e-5° ≈ 1.1 m)
ERAS = ("2025", "legacy")

# ---------------------------------------------------------------------------------------------------
# Geometry helpers
# ---------------------------------------------------------------------------------------------------

def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS 84 UTM zone containing (lon, lat): Vietnam spans zones 48 and 49."""
    zone = int((lon + 180) // 6) + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _transform(geoms, transformer: Transformer):
    return shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def _polygonal(geom):
    """Only the polygon parts of a geometry (a clip or make_valid may leave lines or points)."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    return shapely.union_all(parts)


def n_points(geom) -> int:
    return 0 if geom is None else int(shapely.get_num_coordinates(geom))


def _simplify_coverage(geoms: np.ndarray, max_points: int = MAX_POINTS, start: float = 20.0) -> np.ndarray:
    """Simplify a polygon coverage (metres), doubling the tolerance until every unit fits max_points.

    coverage_simplify keeps shared edges shared, so simplified neighbours neither overlap nor gap.
    """
    tol = start
    out = geoms
    for _ in range(12):
        out = shapely.coverage_simplify(geoms, tol)
        if max(n_points(g) for g in out) <= max_points:
            break
        tol *= 2
    return out


def _geojson(geom) -> str:
    """Compact WGS 84 GeoJSON geometry, coordinates rounded to PRECISION decimals."""
    geom = shapely.set_precision(geom, 10 ** -PRECISION)  # snaps to the grid, keeps it valid
    rounded = shapely.transform(geom, lambda xy: np.round(xy, PRECISION))
    return json.dumps(shapely.geometry.mapping(rounded), separators=(",", ":"))


def feature_collection(rows) -> dict:
    """Stored boundary rows → a GeoJSON FeatureCollection dict for plotly.

    rows: a DataFrame or an iterable of mappings with unit_code and geojson (a geometry as text or as
    a dict), optionally source, approximate and any other columns (name …), which become properties.
    Each feature's id is its unit_code, so `px.choropleth(..., geojson=fc, locations="unit_code")`
    works without a featureidkey (or use featureidkey="properties.unit_code").
    """
    if isinstance(rows, pd.DataFrame):
        rows = rows.to_dict("records")
    features = []
    for r in rows:
        r = dict(r) if isinstance(r, Mapping) else dict(r._asdict())
        geometry = r.pop("geojson")
        if isinstance(geometry, str):
            geometry = json.loads(geometry)
        props = {k: (None if isinstance(v, float) and math.isnan(v) else
                     bool(v) if isinstance(v, np.bool_) else v) for k, v in r.items()}
        features.append({"type": "Feature", "id": r["unit_code"], "properties": props,
                         "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


