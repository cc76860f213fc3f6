"""`python -m loaders backup [--out FILE]`: a consistent copy of the database, even while the app runs."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from loaders.store import backup, db

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", help="tệp sao lưu (mặc định data/db/backups/<tên>-<thời điểm>.duckdb)")


def run(args: argparse.Namespace) -> int:
    con = db.connect(args.db)
    try:
        out = backup.backup(con, Path(args.out) if args.out else backup.default_backup_path(db.db_path(args.db)))
    except backup.BackupError as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 1
    finally:
        con.close()
    print(f"Đã sao lưu vào {out} ({out.stat().st_size / 1e6:.1f} MB).")
    return 0
