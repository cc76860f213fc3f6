"""`python -m loaders init [--reload] [--demo]`: create or upgrade the database and load master data."""
from __future__ import annotations

import argparse

from loaders import setup as bootstrap
from loaders.store import db

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reload", action="store_true", help="nạp lại dữ liệu gốc kể cả khi đã có")
    p.add_argument("--demo", action="store_true",
                   help="nếu chưa có báo cáo nào, sinh và nạp dữ liệu minh họa (kế hoạch daklak-2025)")


def run(args: argparse.Namespace) -> int:
    con = db.connect(args.db)
    done = bootstrap.ensure_ready(con, reload=args.reload)
    print(f"Cơ sở dữ liệu: {db.location(args.db)} (lược đồ phiên bản {db.schema_version(con)})")
    for k, v in done.items():
        print(f"  {k}: {v}")
    if args.demo:
        from loaders.accounts import auth
        from loaders.cli.progress import Bar
        from loaders.demo import generator as demo

        if demo.ensure_demo(con, progress=Bar(unit="bước")):
            print("Đã sinh dữ liệu minh họa.")
        else:
            print("Cơ sở dữ liệu đã có báo cáo: không sinh dữ liệu minh họa.")
        if auth.ensure_demo_accounts(con):
            print("Đã tạo các tài khoản minh họa (xem README): " +
                  ", ".join(f"{u} / {p}" for u, _, _, p, _ in auth.DEMO_ACCOUNTS))
    return 0
