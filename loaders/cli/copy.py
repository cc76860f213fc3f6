"""`python -m loaders copy --from X --to Y`: carry a whole store into a new one (a DuckDB file, or a
folder exported to Parquet by tools/export_parquet.py)."""
from __future__ import annotations

import argparse
import sys

from loaders.store import copy


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="source", required=True,
                   help="nguồn: tệp DuckDB, hoặc thư mục đã xuất ra Parquet (tools/export_parquet.py)")
    p.add_argument("--to", dest="target", required=True, help="đích: một cơ sở dữ liệu mới hoặc trống")


def run(args: argparse.Namespace) -> int:
    try:
        counts = copy.copy(args.source, args.target)
    except copy.CopyError as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 1
    print(f"Đã chép {sum(counts.values())} dòng ({len(counts)} bảng) từ {args.source} sang {args.target}.")
    return 0
