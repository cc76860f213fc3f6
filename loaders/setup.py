"""First start and upgrades: migrate the schema, then load whatever master data is missing.

Idempotent: running it on a ready database changes nothing but the schema version when a new
migration ships.
"""
from __future__ import annotations

import argparse

import duckdb

from loaders.store import db
from loaders.reference import indicators
from loaders.reference import masterdata
from loaders.reference import unit_codes


def ensure_ready(con: duckdb.DuckDBPyConnection, reload: bool = False) -> dict[str, object]:
    """Bring a migrated database to a usable state: units, indicators, campaigns."""
    from loaders.reference import campaigns

    done: dict[str, object] = {}
    # a store built before official commune codes is rewritten once, before any reload (its units
    # table tells which codes it holds); a new store records, after its load, that it has them
    recoded = unit_codes.upgrade(con)
    if recoded:
        done["unit_codes"] = recoded
    if reload or not masterdata.is_loaded(con):
        done["masterdata"] = masterdata.load(con)
    unit_codes.upgrade(con)
    if reload or con.execute("select count(*) from indicators").fetchone()[0] == 0:
        done["indicators"] = indicators.load(con)
    done["campaigns"] = campaigns.load_all(con)
    return done


def add_arguments(p: argparse.ArgumentParser, name: str) -> None:
    if name == "init":
        p.add_argument("--reload", action="store_true", help="nạp lại dữ liệu gốc kể cả khi đã có")
        p.add_argument("--demo", action="store_true",
                       help="nếu chưa có báo cáo nào, sinh và nạp dữ liệu minh họa (kế hoạch daklak-2025)")


def run(args: argparse.Namespace) -> int:
    con = db.connect(args.db)
    if args.command == "migrate":
        print(f"Phiên bản lược đồ: {db.schema_version(con)}")
        return 0
    done = ensure_ready(con, reload=getattr(args, "reload", False))
    print(f"Cơ sở dữ liệu: {db.db_path(args.db)} (lược đồ phiên bản {db.schema_version(con)})")
    for k, v in done.items():
        print(f"  {k}: {v}")
    if getattr(args, "demo", False):
        from loaders.demo import generator as demo

        from loaders.accounts import auth

        if demo.ensure_demo(con, progress=demo.stderr_bar()):
            print("Đã sinh dữ liệu minh họa.")
        else:
            print("Cơ sở dữ liệu đã có báo cáo: không sinh dữ liệu minh họa.")
        if auth.ensure_demo_accounts(con):
            print("Đã tạo các tài khoản minh họa (xem README): " +
                  ", ".join(f"{u} / {p}" for u, _, _, p, _ in auth.DEMO_ACCOUNTS))
    return 0
