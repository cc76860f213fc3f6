"""`python -m loaders demo [--campaign CODE] [--seed N] [--today DATE] [--out DIR] [--json]`.

Generates the demo report files of a campaign (templates and free-form office files, late and missing
ones, corrections and broken files) and ingests them; prints a summary (or JSON with --json).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date

from loaders import setup as bootstrap
from loaders.cli.progress import Bar
from loaders.demo import generator
from loaders.store import db

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--campaign", default=generator.DEFAULT_CAMPAIGN,
                   help=f"mã kế hoạch (mặc định {generator.DEFAULT_CAMPAIGN})")
    p.add_argument("--seed", type=int, default=generator.DEFAULT_SEED,
                   help=f"hạt giống ngẫu nhiên (mặc định {generator.DEFAULT_SEED})")
    p.add_argument("--today", help="“hôm nay” theo thời gian kế hoạch, YYYY-MM-DD (mặc định: demo_today của kế hoạch)")
    p.add_argument("--out", help="thư mục ghi tệp (mặc định data/db/demo/<mã kế hoạch>/)")
    p.add_argument("--json", action="store_true", help="in tóm tắt dạng JSON")


def run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    try:
        today = date.fromisoformat(args.today) if args.today else None
    except ValueError:
        print(f"Lỗi: ngày “{args.today}” không đúng dạng YYYY-MM-DD.", file=sys.stderr)
        return 2
    con = db.connect(args.db)
    bootstrap.ensure_ready(con)
    if not con.execute("select count(*) from campaigns where code = ?", [args.campaign]).fetchone()[0]:
        print(f"Lỗi: không có kế hoạch mã “{args.campaign}”.", file=sys.stderr)
        return 2
    bar = Bar(unit="bước")
    try:
        summary = generator.generate(con, args.campaign, seed=args.seed, today=today, out_dir=args.out,
                                     progress=bar)
    except ValueError as e:
        bar.close()
        print(f"Lỗi: {e}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - t0
    if args.json:
        print(json.dumps(dict(summary, seconds=round(elapsed, 2)), ensure_ascii=False, indent=1))
    else:
        _print_summary(summary, elapsed)
    return 0


def _print_summary(summary: dict, elapsed: float) -> None:
    s = summary["status"]
    print(f"Kế hoạch {summary['campaign']}: {summary['units']} đơn vị, {summary['weeks']} tuần, "
          f"{summary['files']} tệp (tự do {summary['free_form_share']:.0%}) trong {elapsed:.1f} giây")
    print(f"  nhận: {s.get('accepted', 0)}, không đổi: {s.get('unchanged', 0)}, từ chối: {s.get('rejected', 0)}; "
          f"nộp muộn: {summary['late']}, thiếu: {summary['missing']}")
    print(f"  thư mục: {summary['out_dir']}")
