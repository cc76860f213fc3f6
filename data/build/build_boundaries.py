"""Build data/boundaries_2025.parquet: the 2025 commune polygons the map ships with.

Source: the public repository thanglequoc/vietnamese-provinces-database (MIT licence), folder
json/geojson/<province>/wards/<code>_<slug>.geojson, one FeatureCollection per commune-level unit
(3,321 units). Its geometry is derived from the national administrative map service
(https://sapnhap.bando.com.vn, Nhà xuất bản Tài nguyên – Môi trường và Bản đồ Việt Nam, Bộ Nông nghiệp
và Môi trường), whose own reuse terms are not stated: keep the attribution (ATTRIBUTION below, the map's
caption, the README).

Usage (the product never fetches anything; this script reads a local checkout):

    git clone https://github.com/thanglequoc/vietnamese-provinces-database /tmp/vpd
    git -C /tmp/vpd checkout cd58063299585146ded3981f2272946ef19ced54
    python data/build/build_boundaries.py /tmp/vpd [--out data/boundaries_2025.parquet]

The checkout is verified against the pinned commit (when it is a git checkout) and against a digest of
the input files (always), so a rebuild from the same source gives the same file.

Steps:
1. match every source unit to our units of 2025 (loaders.reference.masterdata): by province and folded
   name first, then by code (the source's codes differ from ours for ~115 units; helper code lists may
   switch to the official GSO codes, so name first works with either);
2. clean the shared edges of the whole country's coverage (shapely.coverage_clean: overlaps go to one
   neighbour, slivers narrower than GAP_M are closed) in one metric projection;
3. simplify the coverage to ~SIMPLIFY_M metres (shapely.coverage_simplify: neighbours keep one shared
   edge, so no gap or overlap appears), back to WGS 84 rounded to 1e-5° (~1 m);
4. a centre inside each drawn polygon (its centroid when inside, else the pole of inaccessibility) and
   the geodesic area of the cleaned (unsimplified) polygon;
5. write GeoParquet (zstd) with the columns the loader reads (loaders.reference.boundaries_shipped).

Re-run after a change of our unit codes: the file stores names and codes, and the loader matches by
province and name first, so a stale code column does no harm, but a fresh build keeps it tidy.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from pyproj import Geod, Transformer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


SOURCE_REPO = "https://github.com/thanglequoc/vietnamese-provinces-database"
SOURCE_COMMIT = "cd58063299585146ded3981f2272946ef19ced54"
# sha256 over "<relative path>\n<file bytes>" of every ward file in path order (see _digest)
SOURCE_DIGEST = "bbdb9743fe6aa64b9513f7c48ff8d2cd98c11418923edc5ad1f1bcdb3a15c812"
ATTRIBUTION = ("Ranh giới xã, phường: vietnamese-provinces-database (Thang Le Quoc, giấy phép MIT), "
               "dẫn xuất từ Bản đồ đơn vị hành chính (sapnhap.bando.com.vn, NXB Tài nguyên – Môi trường "
               "và Bản đồ Việt Nam); đã làm sạch và đơn giản hóa ~50 m.")
METRIC_EPSG = 3405          # VN-2000 / UTM zone 48N: one metric plane for the whole country
SIMPLIFY_M = 50.0
GAP_M = 30.0                # slivers between neighbours narrower than this are closed
OUT = ROOT / "data" / "boundaries_2025.parquet"


def _digest(files: list[Path], base: Path) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(base).as_posix().encode() + b"\n")
        h.update(f.read_bytes())
    return h.hexdigest()


def _check_commit(checkout: Path) -> str:
    """The checkout's commit when it is a git checkout (it must be the pinned one), else 'unknown'."""
    try:
        head = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    if head != SOURCE_COMMIT:
        sys.exit(f"{checkout} is at {head}, not the pinned {SOURCE_COMMIT}: check it out first.")
    return head


def read_source(checkout: Path) -> list[dict]:
    """Every ward file: province code, source code, full name, geometry (WGS 84)."""
    base = checkout / "json" / "geojson"
    files = sorted(base.glob("*/wards/*.geojson"))
    if not files:
        sys.exit(f"No ward files under {base}.")
    out = []
    for f in files:
        feature = json.loads(f.read_bytes())["features"][0]
        p = feature["properties"]
        out.append({"province_code": f.parent.parent.name.split("_", 1)[0], "source_code": str(p["code"]),
                    "name": p["fullName"], "file": f,
                    "geometry": shapely.from_geojson(json.dumps(feature["geometry"]))})
    return out


def our_units() -> list[tuple[str, str, str]]:
    """(code, name, province code) of our 2025 units, from the same packages the app loads."""
    from loaders.reference import masterdata

    return [(u[1], u[2], u[5]) for u in masterdata.build_rows()["units"] if u[0] == "2025"]


def match(source: list[dict], units: list[tuple[str, str, str]]) -> tuple[list, list]:
    """Each source unit's code of ours (the loader's rule: province + folded name, then code), and what
    stayed unmatched on either side."""
    from loaders.reference.boundaries.shipped import match_units

    match_units(source, units)
    taken = {s["unit_code"] for s in source if "unit_code" in s}
    unmatched = [s for s in source if "unit_code" not in s]
    missing = sorted({code for code, _, _ in units} - taken)
    return unmatched, missing


def _centre(geom):
    """A point inside geom: its centroid when inside, else the pole of inaccessibility."""
    c = geom.centroid
    if geom.contains(c):
        return c
    from shapely.ops import polylabel

    return polylabel(max(shapely.get_parts(geom), key=lambda g: g.area), tolerance=1e-5)


def clean_and_simplify(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cleaned WGS 84 polygons, simplified and rounded WGS 84 polygons) of one coverage."""
    fwd = Transformer.from_crs(4326, METRIC_EPSG, always_xy=True)
    back = Transformer.from_crs(METRIC_EPSG, 4326, always_xy=True)

    def tr(g, t):
        return shapely.transform(g, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))

    metric = tr(shapely.make_valid(geoms), fwd)
    t0 = time.perf_counter()
    cleaned = shapely.coverage_clean(metric, snapping_distance=1.0, gap_width=GAP_M)
    print(f"  coverage_clean: {time.perf_counter() - t0:.1f} s; valid coverage: "
          f"{bool(shapely.coverage_is_valid(cleaned))}")
    t0 = time.perf_counter()
    simple = shapely.coverage_simplify(cleaned, SIMPLIFY_M)
    print(f"  coverage_simplify: {time.perf_counter() - t0:.1f} s")
    wgs = tr(simple, back)
    rounded = shapely.set_precision(wgs, 1e-5)
    return tr(cleaned, back), rounded


def build(checkout: Path, out: Path) -> None:
    import geopandas as gpd

    t_start = time.perf_counter()
    commit = _check_commit(checkout)
    source = read_source(checkout)
    digest = _digest([s["file"] for s in source], checkout / "json" / "geojson")
    if SOURCE_DIGEST != "SET-ON-FIRST-BUILD" and digest != SOURCE_DIGEST:
        sys.exit(f"The ward files differ from the pinned source (digest {digest}); "
                 f"expected {SOURCE_DIGEST} of commit {SOURCE_COMMIT}.")
    print(f"{len(source)} source units read in {time.perf_counter() - t_start:.1f} s "
          f"(commit {commit}, digest {digest[:12]})")
    unmatched, missing = match(source, our_units())
    by = {k: sum(s.get("matched_by") == k for s in source) for k in ("name", "code")}
    print(f"matched by name {by['name']}, by code {by['code']}; source units unmatched {len(unmatched)}; "
          f"our units without a polygon {len(missing)}")
    for s in unmatched[:20]:
        print(f"  unmatched: {s['province_code']} {s['source_code']} {s['name']}")
    for code in missing[:20]:
        print(f"  no polygon: {code}")
    kept = [s for s in source if "unit_code" in s]

    cleaned, simple = clean_and_simplify(np.array([s["geometry"] for s in kept], dtype=object))
    geod = Geod(ellps="WGS84")
    areas = [abs(geod.geometry_area_perimeter(g)[0]) / 1e6 for g in cleaned]
    simple = np.array([g if g.is_valid else shapely.make_valid(g) for g in simple], dtype=object)
    # the centre of the drawn (simplified) polygon: it must lie inside what the map shows
    centres = [_centre(g) for g in simple]
    frame = gpd.GeoDataFrame({
        "province_code": [s["province_code"] for s in kept],
        "unit_code": [s["unit_code"] for s in kept],
        "source_code": [s["source_code"] for s in kept],
        "name": [s["name"] for s in kept],
        "matched_by": [s["matched_by"] for s in kept],
        "lat": np.round([c.y for c in centres], 6),
        "lon": np.round([c.x for c in centres], 6),
        "area_km2": np.round(areas, 3),
    }, geometry=list(simple), crs=4326).sort_values("unit_code", ignore_index=True)
    inside = sum(g.contains(shapely.Point(x, y)) for g, x, y in zip(frame.geometry, frame.lon, frame.lat))
    print(f"centres inside their simplified polygon: {inside}/{len(frame)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out, compression="zstd", index=False, write_covering_bbox=False,
                     schema_version="1.0.0")
    meta = {"source": SOURCE_REPO, "commit": commit if commit != "unknown" else SOURCE_COMMIT,
            "digest": digest, "licence": "MIT", "attribution": ATTRIBUTION,
            "simplify_m": SIMPLIFY_M, "units": len(frame)}
    out.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n",
                                        encoding="utf-8")
    points = int(shapely.get_num_coordinates(np.array(list(frame.geometry))).sum())
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB, {len(frame)} units, {points} points) "
          f"in {time.perf_counter() - t_start:.0f} s")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("checkout", type=Path, help="local checkout of vietnamese-provinces-database")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    build(args.checkout, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
