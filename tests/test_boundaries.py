"""Boundaries: approximate polygons from centroids, import from real files, the unit_boundaries query."""
from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from loaders.reference import boundaries
from loaders.store import db
from loaders.reference import masterdata
from loaders.reference.boundaries import (BoundaryFileError, derive_approximate, ensure_boundaries, feature_collection,
                                import_boundaries, match_features, read_boundary_file)

SQL = Path(__file__).resolve().parent.parent / "queries" / "unit_boundaries.sql"
DAK_LAK = "66"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return tmp_path_factory.mktemp("boundaries") / "b.duckdb"


@pytest.fixture(scope="module")
def store(store_path):
    con = db.connect(store_path)
    masterdata.load(con)
    yield con
    con.close()


def _stored(con, era: str, province: str):
    """The stored rows through the query file (the runner when it exists, else the file itself)."""
    try:
        from queries import run
    except ImportError:
        return con.execute(SQL.read_text(encoding="utf-8"), {"era": era, "province": province}).df()
    return run("unit_boundaries", con=con, era=era, province=province)


def _units(con, era: str, province: str):
    return con.execute("select code, name, short_name, kind, lat, lon, area_km2 from units "
                       "where era = ? and province_code = ? order by code", [era, province]).df()


def _metric(geoms):
    fwd = Transformer.from_crs(4326, 32649, always_xy=True)
    return shapely.transform(np.asarray(geoms, dtype=object),
                             lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))


def _overlap_share(geoms) -> float:
    g = _metric(geoms)
    a, b = shapely.STRtree(g).query(g, predicate="intersects")
    keep = a < b
    overlap = shapely.area(shapely.intersection(g[a[keep]], g[b[keep]])).sum()
    return float(overlap / shapely.area(g).sum())


# --- approximate ---------------------------------------------------------------------------------

def test_dak_lak_gets_102_valid_non_overlapping_polygons(store):
    started = time.perf_counter()
    assert derive_approximate(store, "2025", DAK_LAK) == 102
    seconds = time.perf_counter() - started
    assert seconds < 10, seconds

    rows = _stored(store, "2025", DAK_LAK)
    units = _units(store, "2025", DAK_LAK)
    assert sorted(rows["unit_code"]) == sorted(units["code"]) and rows["unit_code"].is_unique
    assert rows["approximate"].all() and set(rows["source"]) == {"approximate:voronoi"}

    geoms = [shapely.from_geojson(g) for g in rows["geojson"]]
    assert all(g.geom_type in ("Polygon", "MultiPolygon") and g.is_valid and not g.is_empty for g in geoms)
    assert _overlap_share(geoms) < 1e-6

    # Each polygon holds its unit's own centroid (or lies within 500 m of it): measured share.
    by_code = dict(zip(rows["unit_code"], geoms))
    metric = dict(zip(rows["unit_code"], _metric(geoms)))
    fwd = Transformer.from_crs(4326, 32649, always_xy=True)
    near = [metric[u.code].distance(shapely.Point(fwd.transform(u.lon, u.lat))) <= 500
            for u in units.itertuples()]
    inside = [by_code[u.code].contains(shapely.Point(u.lon, u.lat)) for u in units.itertuples()]
    assert np.mean(near) >= 0.95 and np.mean(inside) >= 0.90, (np.mean(near), np.mean(inside))

    # Sizes follow the official areas: the whole close to the province, most units within a factor 2.
    areas = np.array([g.area for g in _metric([by_code[c] for c in units["code"]])]) / 1e6
    official = units["area_km2"].to_numpy()
    assert abs(areas.sum() / official.sum() - 1) < 0.15
    assert np.mean(np.abs(np.log(areas / official)) < np.log(2)) >= 0.8

    # Small payload: a province map must render fast.
    sizes = rows["geojson"].str.len()
    assert sizes.sum() < 150_000, sizes.sum()
    assert max(boundaries.n_points(g) for g in geoms) <= boundaries.MAX_POINTS

    # Inside Đắk Lắk, not a rectangle: the outline fills well under its bounding box.
    outline = shapely.union_all(_metric(geoms))
    assert outline.area < 0.8 * shapely.envelope(outline).area
    lon_min, lat_min, lon_max, lat_max = shapely.union_all(geoms).bounds
    assert 107.3 < lon_min and lon_max < 109.7 and 11.9 < lat_min and lat_max < 13.8


def test_derive_again_replaces_and_is_audited(store):
    derive_approximate(store, "2025", DAK_LAK, actor="tester")
    assert derive_approximate(store, "2025", DAK_LAK, actor="tester") == 102
    n = store.execute("select count(*) from boundaries b join units u on u.era = b.era and u.code = b.unit_code "
                      "where b.era = '2025' and u.province_code = ?", [DAK_LAK]).fetchone()[0]
    assert n == 102
    actor, obj, details = store.execute(
        "select actor, object, details from audit_log where action = 'boundaries.derive' "
        "order by id desc limit 1").fetchone()
    assert (actor, obj) == ("tester", "2025/66") and json.loads(details)["stored"] == 102


def test_legacy_province_tessellates_its_own_communes(store):
    units = _units(store, "legacy", "67")  # Đắk Nông before 2025
    assert derive_approximate(store, "legacy", "67") == len(units) > 50
    rows = _stored(store, "legacy", "67")
    geoms = [shapely.from_geojson(g) for g in rows["geojson"]]
    assert sorted(rows["unit_code"]) == sorted(units["code"])
    assert all(g.is_valid and not g.is_empty for g in geoms)
    assert _overlap_share(geoms) < 1e-6
    by_code = dict(zip(rows["unit_code"], geoms))
    inside = [by_code[u.code].contains(shapely.Point(u.lon, u.lat)) for u in units.itertuples()]
    assert np.mean(inside) >= 0.95


def test_ensure_boundaries_derives_only_what_is_missing(store):
    assert ensure_boundaries(store, "2025", "68") == 124  # Lâm Đồng: nothing stored yet
    assert ensure_boundaries(store, "2025", "68") == 0
    store.execute("delete from boundaries where era = '2025' and unit_code = "
                  "(select min(code) from units where era = '2025' and province_code = '68')")
    assert ensure_boundaries(store, "2025", "68") == 124


def test_every_unit_gets_a_polygon_even_without_old_communes(store):
    """A new unit no old commune maps to is seeded by its own centroid."""
    lonely = store.execute(
        "select province_code, count(*) from units n where era = '2025' and not exists "
        "(select 1 from unit_history h where h.new_code = n.code and h.is_default) group by 1 "
        "order by 2 desc limit 1").fetchone()
    assert lonely, "the packages map an old commune to every new unit: nothing to test"
    province = lonely[0]
    total = len(_units(store, "2025", province))
    assert derive_approximate(store, "2025", province) == total


def test_feature_collection_for_plotly(store):
    rows = _stored(store, "2025", DAK_LAK)
    fc = feature_collection(rows)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 102
    f = fc["features"][0]
    assert f["id"] == f["properties"]["unit_code"] == rows["unit_code"].iloc[0]
    assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert f["properties"]["approximate"] is True
    json.dumps(fc)  # plain JSON, nothing numpy left
    assert feature_collection(rows.to_dict("records")) == fc


# --- import --------------------------------------------------------------------------------------

def _discs(units, radius_deg=0.01, points=64):
    return [shapely.Point(u.lon, u.lat).buffer(radius_deg, quad_segs=points // 4) for u in units.itertuples()]


@pytest.fixture(scope="module")
def some_units(store):
    return _units(store, "2025", DAK_LAK).iloc[::10].reset_index(drop=True)  # 11 units, spread out


def test_geojson_by_code_and_imported_rows_survive_derivation(store, some_units, tmp_path):
    gdf = gpd.GeoDataFrame({
        "ma_xa": list(some_units["code"]) + ["99999"],
        "ten_xa": list(some_units["name"]) + ["Xã Không Có"],
    }, geometry=_discs(some_units) + [shapely.box(108.0, 12.0, 108.01, 12.01)], crs=4326)
    path = tmp_path / "ranh_gioi.geojson"
    gdf.to_file(path, driver="GeoJSON")

    read = read_boundary_file(path.read_bytes(), path.name)
    assert len(read) == 12 and read.crs.to_epsg() == 4326
    matched, unmatched, without = match_features(store, read, "2025", DAK_LAK)
    assert sorted(matched["unit_code"]) == sorted(some_units["code"])
    assert set(matched["matched_by"]) == {"code"}
    assert unmatched == ["Xã Không Có (99999)"]
    assert len(without) == 102 - len(some_units) and not set(without) & set(some_units["code"])

    derive_approximate(store, "2025", DAK_LAK)
    assert import_boundaries(store, matched, path.name, actor="tester") == len(some_units)
    imported = store.execute(
        "select unit_code, geojson, source from boundaries where era = '2025' and not approximate "
        "and unit_code in (select code from units where era = '2025' and province_code = '66') "
        "order by unit_code").df()
    assert list(imported["unit_code"]) == sorted(some_units["code"])
    assert set(imported["source"]) == {"file:ranh_gioi.geojson"}
    assert store.execute("select count(*) from audit_log where action = 'boundaries.import' "
                         "and object = 'file:ranh_gioi.geojson'").fetchone()[0] == 1

    # A later derivation replaces only the approximate rows, and cuts them back from the imported ones.
    assert derive_approximate(store, "2025", DAK_LAK) == 102 - len(some_units)
    after = store.execute(
        "select unit_code, geojson, source from boundaries where era = '2025' and not approximate "
        "and unit_code in (select code from units where era = '2025' and province_code = '66') "
        "order by unit_code").df()
    assert after.equals(imported)
    rows = _stored(store, "2025", DAK_LAK)
    assert len(rows) == 102 and (~rows["approximate"]).sum() == len(some_units)
    assert _overlap_share([shapely.from_geojson(g) for g in rows["geojson"]]) < 1e-3
    assert ensure_boundaries(store, "2025", DAK_LAK) == 0


def test_geopackage_by_folded_name(store, some_units, tmp_path):
    """Names without diacritics, in capitals, with and without the kind word, decomposed Unicode."""
    import unicodedata

    names = []
    for i, u in enumerate(some_units.itertuples()):
        if i % 3 == 0:
            names.append(boundaries.fold_key(u.short_name).upper())            # "HOAPHU"
        elif i % 3 == 1:
            names.append(unicodedata.normalize("NFD", u.name))                 # "Xã Hòa Phú", NFD
        else:
            names.append(u.short_name.upper().replace(" ", "  "))              # "HÒA  PHÚ"
    gdf = gpd.GeoDataFrame({"TEN": names + ["Phường Ở Đâu"], "dien_tich": 1.0},
                           geometry=_discs(some_units) + [shapely.box(108.0, 12.0, 108.01, 12.01)], crs=4326)
    path = tmp_path / "xa.gpkg"
    gdf.to_file(path, driver="GPKG", layer="xa")

    read = read_boundary_file(path.read_bytes(), path.name)
    matched, unmatched, without = match_features(store, read, "2025", DAK_LAK)
    # A short name two units share ("Ea Kar" xã and phường …) may stay unmatched: never guessed.
    ambiguous = {u.code for u in some_units.itertuples()
                 if (_units(store, "2025", DAK_LAK)["short_name"] == u.short_name).sum() > 1}
    assert set(matched["unit_code"]) >= set(some_units["code"]) - ambiguous
    assert len(matched) >= 0.8 * len(some_units)
    assert set(matched["matched_by"]) == {"name"}
    assert "Phường Ở Đâu" in unmatched
    assert import_boundaries(store, matched, path.name) == len(matched)


def test_zipped_shapefile_in_vn2000_is_reprojected_and_matched(store, some_units, tmp_path):
    gdf = gpd.GeoDataFrame({"MA_XA": [int(c) for c in some_units["code"]]},
                           geometry=_discs(some_units, points=4000), crs=4326).to_crs(3405)
    folder = tmp_path / "shp"
    folder.mkdir()
    gdf.to_file(folder / "xa_daklak.shp", driver="ESRI Shapefile")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, f"ranh_gioi/{p.name}")
    read = read_boundary_file(buf.getvalue(), "xa_daklak.zip")
    assert read.crs.to_epsg() == 4326
    lon_min, lat_min, lon_max, lat_max = read.total_bounds
    assert 107 < lon_min < lon_max < 110 and 11 < lat_min < lat_max < 14
    matched, unmatched, without = match_features(store, read, "2025", DAK_LAK)
    assert sorted(matched["unit_code"]) == sorted(some_units["code"]) and unmatched == []
    assert import_boundaries(store, matched, "xa_daklak.zip") == len(some_units)
    rows = _stored(store, "2025", DAK_LAK).set_index("unit_code")
    for code in some_units["code"]:
        g = shapely.from_geojson(rows.loc[code, "geojson"])
        assert boundaries.n_points(g) <= boundaries.MAX_POINTS  # 4,000-point discs simplified
        assert rows.loc[code, "source"] == "file:xa_daklak.zip" and not rows.loc[code, "approximate"]


def test_national_file_never_borrows_a_namesake_from_another_province(store):
    """A country-wide file: a same-named commune elsewhere, or a code of another province, is no match."""
    units = _units(store, "2025", DAK_LAK)
    others = store.execute(
        "select o.code, o.name, o.lat, o.lon from units o join units d on d.era = o.era and d.name = o.name "
        "where o.era = '2025' and o.province_code <> ? and d.province_code = ? order by o.code limit 3",
        [DAK_LAK, DAK_LAK]).df()
    assert len(others) == 3, "no namesakes across provinces: nothing to test"
    assert all((units["name"] == n).sum() == 1 for n in others["name"])  # a name match were it not far
    here = units.iloc[:5]
    gdf = gpd.GeoDataFrame({
        "OBJECTID": range(1, 9),                                             # 1…n: never taken for codes
        "ma": list(here["code"]) + list(others["code"]),
        "ten": list(here["name"]) + list(others["name"]),
    }, geometry=_discs(here) + _discs(others), crs=4326)
    matched, unmatched, without = match_features(store, gdf, "2025", DAK_LAK)
    assert sorted(matched["unit_code"]) == sorted(here["code"])
    assert len(unmatched) == 3 and all(n in " ".join(unmatched) for n in others["name"])

    # Without codes, the name alone: the namesake lies far from the Đắk Lắk unit, so it stays unmatched.
    by_name = gdf.drop(columns=["ma"])
    matched, unmatched, without = match_features(store, by_name, "2025", DAK_LAK)
    assert sorted(matched["unit_code"]) == sorted(here["code"]) and set(matched["matched_by"]) == {"name"}
    assert len(unmatched) == 3


def test_all_34_provinces_derive(store):
    """Every 2025 unit of the country gets a valid polygon; time and payload measured."""
    started = time.perf_counter()
    provinces = [p for (p,) in store.execute(
        "select code from provinces where era = '2025' order by code").fetchall()]
    assert len(provinces) == 34
    for p in provinces:
        derive_approximate(store, "2025", p)
    seconds = time.perf_counter() - started
    counts = store.execute(
        "select count(*), sum(length(geojson)), count(*) filter (where approximate) from boundaries "
        "where era = '2025'").fetchone()
    assert counts[0] == 3321, counts
    assert counts[1] < 3_000_000, counts  # ≈ 1.8 MB for the whole country
    assert seconds < 60, seconds


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_shapefile_without_prj_is_refused(tmp_path):
    gdf = gpd.GeoDataFrame({"ma_xa": ["24121"]}, geometry=[shapely.box(108, 12, 108.1, 12.1)], crs=4326)
    gdf.to_file(tmp_path / "x.shp", driver="ESRI Shapefile")
    data = _zip({p.name: p.read_bytes() for p in tmp_path.iterdir() if p.suffix != ".prj"})
    with pytest.raises(BoundaryFileError, match=r"'khong_prj\.zip'.*hệ tọa độ"):
        read_boundary_file(data, "khong_prj.zip")


@pytest.mark.parametrize("data, name, words", [
    (b"{ this is not json", "hong.geojson", "Không đọc được"),
    (b"", "rong.geojson", "rỗng"),
    (json.dumps({"type": "FeatureCollection", "features": []}).encode(), "trong.geojson", "không có đối tượng"),
    (b"PK\x03\x04 broken", "hong.zip", "zip"),
    (None, "chi_co_csv.zip", "không chứa Shapefile"),
    (b"SQLite format 3\x00" + b"\x00" * 200, "hong.gpkg", "Không đọc được"),
    (b"\x00\x01\x02", "ranh_gioi.xlsx", "Không nhận ra định dạng"),
    (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ma": "24121"},
         "geometry": {"type": "Point", "coordinates": [108, 12]}}]}).encode(), "diem.geojson", "không có vùng"),
])
def test_broken_file_gets_a_vietnamese_error_naming_it(data, name, words):
    if data is None:
        data = _zip({"ds.csv": b"ma_xa,ten\n24121,Tan Lap\n"})
    with pytest.raises(BoundaryFileError) as e:
        read_boundary_file(data, name)
    assert f"'{name}'" in str(e.value) and words in str(e.value), str(e.value)


# --- the query and the command line ---------------------------------------------------------------

def test_query_file_returns_the_stored_rows(store):
    header = SQL.read_text(encoding="utf-8").splitlines()[:5]
    assert header == ["-- name: unit_boundaries", "-- grain: one row per unit", "-- key: unit_code",
                      "-- params: $era, $province", "-- columns: unit_code, geojson, source, approximate"]
    derive_approximate(store, "legacy", "67")
    got = _stored(store, "legacy", "67")
    want = store.execute(
        "select b.unit_code, b.geojson, b.source, b.approximate from boundaries b "
        "join units u on u.era = b.era and u.code = b.unit_code "
        "where b.era = 'legacy' and u.province_code = '67' order by b.unit_code").df()
    assert list(got.columns) == ["unit_code", "geojson", "source", "approximate"]
    assert got.reset_index(drop=True).equals(want) and got["unit_code"].is_unique
    assert _stored(store, "2025", "67").empty  # no 2025 province 67: nothing from the legacy one


def test_cli_derives_and_imports(store, store_path, some_units, tmp_path, capsys):
    from loaders.__main__ import main

    path = str(store_path)
    assert main(["boundaries", "--db", path, "--era", "2025", "--province", "46"]) == 0
    out = capsys.readouterr().out
    assert "ranh giới gần đúng cho 40/40 đơn vị" in out

    gdf = gpd.GeoDataFrame({"wardCode": list(some_units["code"][:3]) + ["00001"],
                            "name": list(some_units["name"][:3]) + ["Xã Lạ"]},
                           geometry=_discs(some_units.iloc[:3]) + [shapely.box(108, 12, 108.01, 12.01)],
                           crs=4326)
    f = tmp_path / "ba_xa.geojson"
    gdf.to_file(f, driver="GeoJSON")
    assert main(["boundaries", "--db", path, "--era", "2025", "--province", "66", "--file", str(f)]) == 0
    out = capsys.readouterr().out
    assert "khớp 3/102 đơn vị (theo mã: 3, theo tên: 0)" in out
    assert "Xã Lạ (00001)" in out and "99 đơn vị không có trong tệp" in out

    bad = tmp_path / "hong.geojson"
    bad.write_text("not json")
    assert main(["boundaries", "--db", path, "--province", "66", "--file", str(bad)]) == 2
    assert "hong.geojson" in capsys.readouterr().out


# --- the shipped 2025 polygons (data/boundaries_2025.parquet, loaded at setup) ----------------------

def test_setup_loads_a_real_polygon_for_every_2025_unit(ready_con):
    from loaders.reference.boundaries import shipped

    assert shipped.SHIPPED_FILE.exists()
    assert shipped.SHIPPED_FILE.stat().st_size < 9_000_000  # the whole country, simplified to ~50 m
    rows = ready_con.execute(
        "select u.code, u.province_code, s.geojson, s.source, s.matched_by from units u "
        "left join shipped_boundaries s on s.era = u.era and s.unit_code = u.code where u.era = '2025'").df()
    assert len(rows) == 3321 and rows["geojson"].notna().all()
    assert rows["source"].str.startswith("shipped:").all()
    assert (rows["matched_by"] == "name").mean() > 0.95  # name first: works whichever code list we use
    geoms = shapely.from_geojson(rows["geojson"].to_numpy())
    assert shapely.is_valid(geoms).all()
    assert set(shapely.get_type_id(geoms)) <= {3, 6}  # Polygon, MultiPolygon
    # neighbours stay aligned after simplification: within a province, no overlaps
    dak_lak = geoms[(rows["province_code"] == DAK_LAK).to_numpy()]
    assert len(dak_lak) == 102 and _overlap_share(dak_lak) < 1e-4
    # real outlines are detailed, not a handful of points
    assert np.median(shapely.get_num_coordinates(dak_lak)) > 60
    assert ready_con.execute("select count(*) from audit_log where action = 'boundaries.shipped'").fetchone()[0] >= 1


def test_every_unit_centre_lies_within_its_polygon(ready_con):
    """Centres and areas come from the real polygons (a packaged centre of 04714 Yên Bình lay more than
    5 km outside its commune)."""
    rows = ready_con.execute(
        "select u.code, u.name, u.lat, u.lon, u.area_km2, s.geojson from units u "
        "join shipped_boundaries s on s.era = u.era and s.unit_code = u.code where u.era = '2025'").df()
    geoms = shapely.from_geojson(rows["geojson"].to_numpy())
    points = shapely.points(rows["lon"].to_numpy(), rows["lat"].to_numpy())
    inside = shapely.contains(geoms, points)
    assert inside.all(), rows.loc[~inside, ["code", "name"]].to_dict("records")[:10]
    yen_binh = rows[rows["name"].str.contains("Yên Bình")]
    assert len(yen_binh) and shapely.contains(shapely.from_geojson(yen_binh["geojson"].iloc[0]),
                                              shapely.Point(yen_binh["lon"].iloc[0], yen_binh["lat"].iloc[0]))
    # areas of the polygons: the country's ~331,000 km², every unit a positive area
    assert (rows["area_km2"] > 0).all() and 300_000 < rows["area_km2"].sum() < 360_000


def test_shipped_rows_match_by_province_and_name_before_code():
    """The official code list may replace ours: a unit whose code changed still gets its polygon, by
    name; a namesake in another province never does; a unit matched by name is not taken twice."""
    from loaders.reference.boundaries.shipped import match_units

    units = [("99001", "Phường Tân Lập", "66"), ("24121", "Xã Hòa Phú", "66"), ("30001", "Phường Tân Lập", "12"),
             ("24200", "Xã Ea Kao", "66")]
    rows = [{"province_code": "66", "name": "Phường Tân Lập", "source_code": "24133"},
            {"province_code": "66", "name": "Xã Hoà Phú", "source_code": "24999"},   # other tone placement
            {"province_code": "66", "name": "Xã Ea Kao Mới", "source_code": "24200"},  # renamed: by code
            {"province_code": "12", "name": "Xã Không Có", "source_code": "24121"}]    # code of another province
    match_units(rows, units)
    assert [(r.get("unit_code"), r.get("matched_by")) for r in rows] == [
        ("99001", "name"), ("24121", "name"), ("24200", "code"), (None, None)]


def test_map_takes_a_file_then_the_shipped_polygon_then_the_cell(con):
    """queries/map_boundaries + ui.geo.choose_polygons; CM_MAP_BOUNDARIES=approximate skips shipped."""
    import queries
    from ui import geo

    codes = [c for (c,) in con.execute("select code from units where era = '2025' and province_code = ? "
                                       "order by code limit 3", [DAK_LAK]).fetchall()]
    derive_approximate(con, "2025", DAK_LAK)                       # cells for every unit
    con.execute("delete from shipped_boundaries where era = '2025' and unit_code = ?", [codes[1]])
    gdf = gpd.GeoDataFrame({"ma_xa": [codes[0]]}, geometry=[shapely.box(108, 12.5, 108.1, 12.6)], crs=4326)
    matched, _, _ = match_features(con, gdf, "2025", DAK_LAK)
    import_boundaries(con, matched, "mot_xa.geojson")
    rows = queries.run("map_boundaries", con, era="2025", province=DAK_LAK)
    official = geo.choose_polygons(rows, "official").set_index("unit_code")
    assert len(official) == 102
    assert official.loc[codes[0], "source"] == "file:mot_xa.geojson" and not official.loc[codes[0], "approximate"]
    assert official.loc[codes[1], "source"] == "approximate:voronoi" and official.loc[codes[1], "approximate"]
    assert official.loc[codes[2], "source"].startswith("shipped:")
    assert official["approximate"].sum() == 1                      # only the unit without a polygon
    cells = geo.choose_polygons(rows, "approximate").set_index("unit_code")
    assert cells.loc[codes[0], "source"] == "file:mot_xa.geojson"  # an administrator's file still wins
    assert cells["approximate"].sum() == 101


def test_hatching_stays_inside_its_polygon():
    from ui import geo

    cell = shapely.Point(108.0, 12.5).buffer(0.05)
    lons, lats = geo.hatch_lines([shapely.to_geojson(cell)])
    pts = [shapely.Point(x, y) for x, y in zip(lons, lats) if x is not None]
    assert len(pts) >= 10 and all(cell.buffer(1e-9).contains(p) for p in pts)
