"""`python -m loaders boundaries --era 2025 --province 66 [--file PATH]`: administrative boundaries.

With --file (GeoJSON, zipped Shapefile, GeoPackage) the features are matched to the province's units by
code or name and stored; units the file lacks, or without --file all units, get approximate boundaries.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Iterable

from loaders.reference import boundaries, masterdata
from loaders.store import db

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--era", choices=boundaries.ERAS, default="2025",
                   help="thời kỳ hành chính: 2025 (hai cấp) hoặc legacy (trước 2025)")
    p.add_argument("--province", required=True, help="mã tỉnh/thành phố, ví dụ 66 (Đắk Lắk)")
    p.add_argument("--file", help="tệp ranh giới (GeoJSON, Shapefile nén .zip, GeoPackage .gpkg); "
                                  "không có thì tạo ranh giới gần đúng từ tâm các xã")
    p.add_argument("--actor", default="cli", help="người thực hiện, ghi vào nhật ký")


def _unit_names(con, era: str, codes: Iterable[str]) -> dict[str, str]:
    codes = list(codes)
    if not codes:
        return {}
    return dict(con.execute("select code, name from units where era = $era and list_contains($codes, code)",
                            {"era": era, "codes": codes}).fetchall())


def _print_list(items: list[str], limit: int = 40) -> None:
    for item in items[:limit]:
        print(f"    - {item}")
    if len(items) > limit:
        print(f"    … và {len(items) - limit} mục khác")


def run(args: argparse.Namespace) -> int:
    con = db.connect(args.db)
    if not masterdata.is_loaded(con):
        masterdata.load(con, actor=args.actor)
    era, province = args.era, str(args.province).zfill(2)
    pname = con.execute("select name from provinces where era = $era and code = $code",
                        {"era": era, "code": province}).fetchone()
    if not pname:
        print(f"Không có tỉnh mã {province} trong thời kỳ {era}.")
        return 2
    total = con.execute("select count(*) from units where era = $era and province_code = $p",
                        {"era": era, "p": province}).fetchone()[0]
    if not args.file:
        t0 = time.perf_counter()
        n = boundaries.derive_approximate(con, era, province, actor=args.actor)
        print(f"{pname[0]} ({era}): đã tạo ranh giới gần đúng cho {n}/{total} đơn vị "
              f"trong {time.perf_counter() - t0:.1f} giây (nguồn: {boundaries.SOURCE_APPROXIMATE}).")
        kept = total - n
        if kept:
            print(f"  Giữ nguyên {kept} ranh giới đã nạp từ tệp.")
        return 0

    path = Path(args.file)
    try:
        gdf = boundaries.read_boundary_file(path.read_bytes(), path.name)
    except FileNotFoundError:
        print(f"Không tìm thấy tệp '{path}'.")
        return 2
    except boundaries.BoundaryFileError as e:
        print(f"Lỗi: {e}")
        return 2
    matched, unmatched, without = boundaries.match_features(con, gdf, era, province)
    n = boundaries.import_boundaries(con, matched, path.name, actor=args.actor, era=era)
    by = matched["matched_by"].value_counts().to_dict()
    print(f"{pname[0]} ({era}): tệp '{path.name}' có {len(gdf)} đối tượng; khớp {n}/{total} đơn vị "
          f"(theo mã: {by.get('code', 0)}, theo tên: {by.get('name', 0)}).")
    if unmatched:
        print(f"  {len(unmatched)} đối tượng không khớp đơn vị nào của tỉnh:")
        _print_list(unmatched)
    if without:
        boundaries.derive_approximate(con, era, province, actor=args.actor)
        names = _unit_names(con, era, without)
        print(f"  {len(without)} đơn vị không có trong tệp, dùng ranh giới gần đúng:")
        _print_list([f"{code} {names.get(code, '')}".strip() for code in without])
    return 0
