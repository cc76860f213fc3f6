"""Import from a boundary file (GeoJSON, zipped Shapefile, GeoPackage): read, match to units, store."""
from __future__ import annotations

import io
import json
import math
import re
import tempfile
import warnings
import zipfile
from datetime import datetime
from pathlib import Path, PurePosixPath

import duckdb
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from loaders.store.db import audit, transaction
from loaders.common.text import clean, fold_key
from loaders.reference.boundaries.approximate import _check_era
from loaders.reference.boundaries.geometry import (MAX_POINTS, SOURCE_FILE_PREFIX, _geojson, _polygonal,
                                                   _simplify_coverage, _transform, n_points, utm_crs)

class BoundaryFileError(ValueError):
    """A boundary file that cannot be used; the message is Vietnamese and names the file."""


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


def _unit_lookup(con: duckdb.DuckDBPyConnection, era: str, province_code: str):
    """(the province's units indexed by code, codes of other provinces' units, folded alias → codes)."""
    everywhere = con.execute("select code, province_code, lat, lon, area_km2 from units where era = $era",
                             {"era": era}).df()
    here = everywhere[everywhere["province_code"] == province_code].set_index("code")
    elsewhere = set(everywhere["code"]) - set(here.index)
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
    return here, elsewhere, by_alias


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
    here, elsewhere, by_alias = _unit_lookup(con, era, province_code)
    codes = set(here.index)

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


