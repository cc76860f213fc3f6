"""`python -m loaders restore FILE [--yes]`: replace all data by a backup (the current data is backed up first)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from loaders.store import backup, db

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="tệp sao lưu cần khôi phục")
    p.add_argument("--yes", action="store_true", help="không hỏi lại")


def run(args: argparse.Namespace) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            print("Lỗi: khôi phục thay toàn bộ dữ liệu hiện có; thêm --yes để xác nhận.", file=sys.stderr)
            return 2
        if input(f"Thay toàn bộ dữ liệu bằng {args.file}? Gõ 'co' để đồng ý: ").strip().lower() != "co":
            print("Đã hủy.")
            return 1
    con = db.connect(args.db)
    try:
        counts = backup.restore(con, Path(args.file))
    except backup.BackupError as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 1
    finally:
        con.close()
    print(f"Đã khôi phục {sum(counts.values())} dòng từ {args.file} "
          f"(dữ liệu trước đó đã được sao lưu tự động vào thư mục {backup.backup_dir(db.db_path(args.db))}).")
    return 0
