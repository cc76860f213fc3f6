"""Nightly maintenance of a lake (README, "Triển khai toàn quốc"): compact its Parquet files and
expire old snapshots (loaders.store.lake.maintain). Safe while the app runs: each step is a short
commit under the writers' lock.

    CM_LAKE_DATA=/srv/cm-lake .venv/bin/python tools/lake_maintain.py --db 'ducklake:postgres:…' [--keep-days 7]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loaders.store import db, lake  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="the lake (ducklake:postgres:<DSN>); default CM_DB")
    ap.add_argument("--keep-days", type=float, default=7, help="snapshots kept for time travel (days)")
    args = ap.parse_args(argv)
    where = str(db.location(args.db))
    if not lake.is_lake(where):
        print(f"{where} không phải kho DuckLake: tệp DuckDB không cần bảo trì này.", file=sys.stderr)
        return 2
    con = db.connect(where)
    try:
        t0 = time.perf_counter()
        done = lake.maintain(con, keep_days=args.keep_days)
    finally:
        con.close()
    print(f"Đã bảo trì kho trong {time.perf_counter() - t0:.1f} giây: {done['flushed']} bảng ghi dữ liệu nhỏ ra tệp, "
          f"{done['rewritten']} tệp viết lại bỏ dòng đã xoá, {done['merged']} lần gộp tệp nhỏ, "
          f"{done['expired']} ảnh chụp cũ hết hạn, {done['removed']} tệp không còn dùng đã xoá.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
