"""Commune polygons for the map: imported from a boundary file, or derived (approximate) from centroids.

Official boundary polygons ship in no package. A deployment that has a file (GeoJSON, a zipped
Shapefile, a GeoPackage) loads it with `read_boundary_file` → `match_features` → `import_boundaries`;
those rows are stored with approximate = false and are never overwritten by a derivation.

Without a file the map still works: `derive_approximate` builds one polygon per unit from the
packaged centroids and stores it with approximate = true, source 'approximate:voronoi':

- seeds: for the 2025 era, the centroids of the legacy communes that became part of the province's new
  units (unit_history, each old commune to its default new unit), plus every new unit's own centroid
  (the only seed of a unit no old commune maps to); for the legacy era, the legacy communes' own
  centroids;
- a Voronoi tessellation of the seeds (shapely.voronoi_polygons), in a metric projection (the WGS 84
  UTM zone of the province), dissolved into the units;
- clipped to an approximate province outline: the union of a disc around every seed whose radius is
  the seed's equivalent radius sqrt(area/π) times a factor, closed (buffer out then in) and without
  holes; the factor is chosen so that the outline's area matches the province's known area. Legacy
  communes carry no area: each gets an equal share of the new unit it became part of;
- simplified as a coverage (neighbours keep a shared edge, no gaps or overlaps appear) to at most
  MAX_POINTS points per unit, stored as WGS 84 GeoJSON with coordinates rounded to 1e-5° (≈1 m).

`feature_collection(rows)` turns stored rows into the FeatureCollection dict plotly's choropleth takes.
"""
from __future__ import annotations

import io
import json
import math
import re
import tempfile
import time
import warnings
import zipfile
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Mapping

import duckdb
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from loaders.store.db import audit, transaction
from loaders.common.text import clean, fold_key

SOURCE_APPROXIMATE = "approximate:voronoi"
SOURCE_FILE_PREFIX = "file:"
MAX_POINTS = 250            # at most this many vertices per stored unit polygon
PRECISION = 5               # decimals of a stored degree (1e-5° ≈ 1.1 m)
ERAS = ("2025", "legacy")


class BoundaryFileError(ValueError):
    """A boundary file that cannot be used; the message is Vietnamese and names the file."""


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


# ---------------------------------------------------------------------------------------------------
# Import from a file
# ---------------------------------------------------------------------------------------------------

_VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")


def _kind_of(data: bytes, file_name: str) -> str:
    suffix = Path(file_name).suffix.lower()
    if data[:4] == b"PK\x03\x04" or suffix == ".zip":
        return "zip"
    if data[:16] == b"SQLite format 3\x00" or suffix == ".gpkg":
        return "gpkg"
    if data.lstrip()[:1] in (b"{", b"[") or suffix in (".geojson", ".json"):
        return "geojson"
    return "unknown"


def _extract_zip(data: bytes, file_name: str, folder: Path) -> Path:
    """Extract a zip safely (member base names only) and return the vector file inside."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise BoundaryFileError(f"Tệp '{file_name}' không phải tệp nén zip hợp lệ.") from e
    found: dict[str, list[Path]] = {}
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if name.name.startswith(".") or "__MACOSX" in name.parts:
                continue
            target = folder / "_".join(name.parts)  # flatten, never leave the folder
            target.write_bytes(zf.read(info))
            found.setdefault(target.suffix.lower(), []).append(target)
    for suffix in _VECTOR_SUFFIXES[::-1]:  # .shp first, then .gpkg, then GeoJSON
        if found.get(suffix):
            if len(found[suffix]) > 1:
                names = ", ".join(p.name for p in found[suffix])
                raise BoundaryFileError(
                    f"Tệp '{file_name}' chứa nhiều lớp ranh giới ({names}); hãy nén riêng một lớp.")
            return found[suffix][0]
    raise BoundaryFileError(
        f"Tệp nén '{file_name}' không chứa Shapefile (.shp), GeoPackage (.gpkg) hay GeoJSON.")


def read_boundary_file(data: bytes, file_name: str):
    """Read a boundary file (GeoJSON, zipped Shapefile, GeoPackage) into a WGS 84 GeoDataFrame.

    Raises BoundaryFileError, in Vietnamese and naming the file, for an unreadable or empty file,
    a file without polygons, or a file without a coordinate reference system.
    """
    import geopandas as gpd
    import pyogrio

    if not data:
        raise BoundaryFileError(f"Tệp '{file_name}' rỗng.")
    kind = _kind_of(data, file_name)
    if kind == "unknown":
        raise BoundaryFileError(
            f"Không nhận ra định dạng tệp '{file_name}': cần GeoJSON (.geojson), Shapefile nén (.zip) "
            f"hoặc GeoPackage (.gpkg).")
    with tempfile.TemporaryDirectory(prefix="cm-boundaries-") as tmp:
        folder = Path(tmp)
        if kind == "zip":
            path = _extract_zip(data, file_name, folder)
        else:
            stem = re.sub(r"[^\w.-]", "_", Path(file_name).stem) or "ranh_gioi"
            path = folder / (stem + (".gpkg" if kind == "gpkg" else ".geojson"))
            path.write_bytes(data)
        if path.suffix.lower() == ".shp" and not path.with_suffix(".dbf").exists() \
                and not path.with_suffix(".DBF").exists():
            raise BoundaryFileError(f"Shapefile trong '{file_name}' thiếu tệp thuộc tính .dbf.")
        fmt = {".gpkg": "GeoPackage", ".shp": "Shapefile"}.get(path.suffix.lower(), "GeoJSON")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # GDAL's notes on odd but readable files
                if path.suffix.lower() == ".gpkg":
                    layers = pyogrio.list_layers(path)
                    polygonal = [str(n) for n, t in layers if t and "polygon" in str(t).lower()]
                    layer = polygonal[0] if polygonal else (str(layers[0][0]) if len(layers) else None)
                    gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
                else:
                    gdf = gpd.read_file(path, engine="pyogrio")
        except Exception as e:  # pyogrio/GDAL: DataSourceError, FieldError, …
            detail = clean(e).replace(str(path), path.name).replace(str(folder) + "/", "")
            raise BoundaryFileError(
                f"Không đọc được tệp ranh giới '{file_name}': tệp hỏng hoặc không phải {fmt} hợp lệ "
                f"(chi tiết kỹ thuật: {detail[:300]}).") from e

    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty] if len(gdf) else gdf
    if gdf.empty:
        raise BoundaryFileError(f"Tệp '{file_name}' không có đối tượng nào có hình học.")
    if gdf.crs is None:
        raise BoundaryFileError(
            f"Tệp '{file_name}' không khai báo hệ tọa độ (CRS; với Shapefile là tệp .prj). "
            f"Hãy xuất lại tệp kèm hệ tọa độ, ví dụ WGS 84 (EPSG:4326) hoặc VN-2000.")
    geoms = np.array([_polygonal(shapely.make_valid(g)) if not g.is_valid else _polygonal(g)
                      for g in gdf.geometry], dtype=object)
    keep = np.array([g is not None for g in geoms])
    if not keep.any():
        raise BoundaryFileError(f"Tệp '{file_name}' không có vùng (Polygon/MultiPolygon) nào.")
    gdf = gdf[keep].copy()
    gdf = gdf.set_geometry(gpd.GeoSeries(list(geoms[keep]), index=gdf.index, crs=gdf.crs))
    try:
        gdf = gdf.to_crs(4326)
    except Exception as e:
        raise BoundaryFileError(
            f"Không chuyển được tệp '{file_name}' về WGS 84 từ hệ tọa độ {gdf.crs}: {clean(e)}") from e
    return gdf.reset_index(drop=True)


CODE_COLUMNS = ("ma_xa", "maxa", "ma_px", "ma_dvhc", "madvhc", "ma", "code", "ward_code", "wardcode",
                "commune_code", "communecode", "ma_phuong_xa", "id_xa")
NAME_COLUMNS = ("ten_xa", "tenxa", "ten_dvhc", "tendvhc", "ten", "name", "ward", "ward_name", "wardname",
                "ten_phuong_xa", "commune", "commune_name", "name_3", "name_vi", "varname_3")
KIND_WORDS = ("xa", "phuong", "thitran", "dackhu", "tt", "p", "x")


def _code_value(v) -> str | None:
    """A cell as a 5-digit unit code ('24121', 24121, 24121.0, 'VN24121'), else None."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, (int, np.integer)) or (isinstance(v, float) and v.is_integer()):
        s = str(int(v))
    else:
        s = clean(v)
        if re.fullmatch(r"\d+\.0+", s):
            s = s.split(".")[0]
    m = re.fullmatch(r"\D{0,4}0*(\d{1,5})", s)
    return m.group(1).zfill(5) if m else None


def _name_keys(v) -> list[str]:
    """Folded keys under which a feature's name may be a unit alias, kind word kept and dropped."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return []
    k = fold_key(v)
    if not k:
        return []
    keys = [k]
    words = clean(v).replace(".", ". ").split()
    if len(words) > 1 and fold_key(words[0]) in KIND_WORDS:
        keys.append(fold_key(" ".join(words[1:])))
    if len(words) > 2 and fold_key(" ".join(words[:2])) in KIND_WORDS:
        keys.append(fold_key(" ".join(words[2:])))
    return [x for x in keys if x]


def _is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _pick_column(gdf, preferred: tuple[str, ...], score) -> str | None:
    """The column whose values match units most often.

    A column named like a code/name column (preferred) qualifies with any match; another column only
    when at least half its filled values match (an OBJECTID 1…n must not pass for Hà Nội's codes
    00001…). A preferred name wins a tie.
    """
    wanted = {p.replace("_", "") for p in preferred}
    best, best_score = None, 0.0
    for col in gdf.columns:
        if col == gdf.geometry.name:
            continue
        values = [v for v in gdf[col] if not _is_missing(v)]
        hits = score(values)
        named = fold_key(col) in wanted
        if not hits or (not named and hits < 0.5 * len(values)):
            continue
        if hits + (0.5 if named else 0) > best_score:
            best, best_score = col, hits + (0.5 if named else 0)
    return best


def match_features(con: duckdb.DuckDBPyConnection, gdf, era: str, province_code: str):
    """Match a boundary file's features to the units of (era, province).

    By code first: the column, whatever its name, whose values are most often 5-digit codes of the
    province's units (ma_xa, ma, code, wardCode, MA_XA …). Else by folded name, with or without the
    kind word ("Xã", "Phường", "P.", …): the column whose values are most often unit names or aliases;
    a name shared by two units of the province, or a feature lying far from the named unit's packaged
    centroid (a namesake in another province of a national file), is not matched. A feature whose
    code belongs to another province is not matched by name either. Features matching the same unit
    are merged (a unit drawn in several parts).

    Returns (matched, unmatched, units_without_feature):
    - matched: GeoDataFrame [unit_code, name_in_file, matched_by ('code'|'name'), era, geometry], WGS 84;
    - unmatched: labels "name (code)" of the features matching no unit of the province;
    - units_without_feature: codes of the province's units no feature matched, sorted.
    """
    import geopandas as gpd

    _check_era(era)
    everywhere = con.execute("select code, province_code, lat, lon, area_km2 from units where era = $era",
                             {"era": era}).df()
    here = everywhere[everywhere["province_code"] == province_code].set_index("code")
    codes = set(here.index)
    elsewhere = set(everywhere["code"]) - codes
    aliases = con.execute(
        """
        select a.alias, a.unit_code
        from unit_aliases a
        join units u on u.era = a.era and u.code = a.unit_code
        where a.era = $era and u.province_code = $province
        """,
        {"era": era, "province": province_code},
    ).fetchall()
    by_alias: dict[str, set[str]] = {}
    for alias, code in aliases:
        by_alias.setdefault(alias, set()).add(code)
    for code, name in con.execute("select code, name from units where era = $era and province_code = $province",
                                  {"era": era, "province": province_code}).fetchall():
        by_alias.setdefault(fold_key(name), set()).add(code)

    def unit_named(value) -> str | None:
        for k in _name_keys(value):
            hit = by_alias.get(k, set())
            if len(hit) == 1:
                return next(iter(hit))
        return None

    code_col = _pick_column(gdf, CODE_COLUMNS, lambda vs: sum(_code_value(v) in codes for v in vs))
    name_col = _pick_column(gdf, NAME_COLUMNS,
                            lambda vs: sum(isinstance(v, str) and unit_named(v) is not None for v in vs))

    # How far a name match may lie from the unit's packaged centroid: a few times the unit's size.
    fwd = Transformer.from_crs(4326, utm_crs(float(here["lon"].mean()), float(here["lat"].mean())),
                               always_xy=True)

    def near_enough(code: str, geom) -> bool:
        u = here.loc[code]
        if _is_missing(u["lat"]) or _is_missing(u["lon"]):
            return True
        x, y = fwd.transform(u["lon"], u["lat"])
        size = math.sqrt(u["area_km2"] * 1e6 / math.pi) if not _is_missing(u["area_km2"]) else 3000.0
        return _transform(geom, fwd).distance(shapely.Point(x, y)) <= max(15_000.0, 4 * size)

    rows, unmatched = [], []
    for i, (raw_code, raw_name, geom) in enumerate(zip(
            gdf[code_col] if code_col else [None] * len(gdf),
            gdf[name_col] if name_col else [None] * len(gdf), gdf.geometry)):
        code = _code_value(raw_code)
        name_text = "" if _is_missing(raw_name) else clean(raw_name)
        if code in codes:
            rows.append((code, name_text or code, "code", geom))
            continue
        named = unit_named(raw_name) if name_text and code not in elsewhere else None
        if named and near_enough(named, geom):
            rows.append((named, name_text, "name", geom))
            continue
        code_text = "" if _is_missing(raw_code) else clean(raw_code)
        label = " ".join(x for x in (name_text, f"({code_text})" if code_text else "") if x)
        unmatched.append(label or f"đối tượng thứ {i + 1}")

    matched = pd.DataFrame(rows, columns=["unit_code", "name_in_file", "matched_by", "geometry"])
    if not matched.empty:
        matched = (matched.groupby("unit_code", sort=True)
                   .agg(name_in_file=("name_in_file", lambda s: "; ".join(dict.fromkeys(s))),
                        matched_by=("matched_by", "first"),
                        geometry=("geometry", lambda s: shapely.union_all(list(s))))
                   .reset_index())
    matched["era"] = era
    matched = gpd.GeoDataFrame(matched[["unit_code", "name_in_file", "matched_by", "era", "geometry"]],
                               geometry="geometry", crs=4326)
    without = sorted(codes - set(matched["unit_code"]))
    return matched, unmatched, without


def _simplify_imported(geoms: list, max_points: int = MAX_POINTS) -> list:
    """Simplify imported polygons (metres) to at most max_points each, as a coverage when it is one."""
    if not geoms:
        return geoms
    c = shapely.centroid(shapely.union_all(geoms))
    crs = utm_crs(c.x, c.y)
    fwd = Transformer.from_crs(4326, crs, always_xy=True)
    back = Transformer.from_crs(crs, 4326, always_xy=True)
    metric = _transform(np.array(geoms, dtype=object), fwd)
    if all(n_points(g) <= max_points for g in metric):
        return list(geoms)
    if shapely.coverage_is_valid(metric):
        out = _simplify_coverage(metric, max_points, start=5.0)
    else:
        out = metric.copy()
        for i, g in enumerate(metric):
            tol = 5.0
            while n_points(out[i]) > max_points and tol < 5000:
                out[i] = shapely.simplify(g, tol, preserve_topology=True)
                tol *= 2
    return [shapely.make_valid(g) if not g.is_valid else g for g in _transform(out, back)]


def import_boundaries(con: duckdb.DuckDBPyConnection, matched, source_name: str,
                      actor: str = "system", era: str | None = None) -> int:
    """Store matched polygons (approximate = false) in one transaction with an audit row.

    matched: match_features' first result (its era column says the era, or pass era). Each unit's
    row, imported or approximate, is replaced. Returns the number of rows stored.
    """
    if matched is None or len(matched) == 0:
        return 0
    era = era or str(matched["era"].iloc[0])
    _check_era(era)
    geoms = _simplify_imported([_polygonal(g) for g in matched.geometry])
    now = datetime.now()
    source = SOURCE_FILE_PREFIX + Path(source_name).name
    rows = pd.DataFrame({
        "era": era, "unit_code": list(matched["unit_code"]),
        "geojson": [_geojson(g) for g in geoms],
        "source": source, "approximate": False, "loaded_at": now,
    })
    with transaction(con):
        con.register("_boundaries", rows)
        con.execute("delete from boundaries b using _boundaries n "
                    "where b.era = n.era and b.unit_code = n.unit_code")
        con.execute("insert into boundaries (era, unit_code, geojson, source, approximate, loaded_at) "
                    "select era, unit_code, geojson, source, approximate, loaded_at from _boundaries")
        con.unregister("_boundaries")
        by = matched["matched_by"].value_counts().to_dict() if "matched_by" in matched else {}
        audit(con, actor, "boundaries.import", source, json.dumps({
            "era": era, "stored": len(rows), "matched_by": {k: int(v) for k, v in by.items()},
        }))
    return len(rows)
