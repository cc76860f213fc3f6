"""`python -m loaders template --campaign CODE --unit CODE --week DATE [--out FILE|DIR]`: a report template."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from loaders import setup as bootstrap
from loaders.outputs import template
from loaders.store import db

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--campaign", required=True, help="mã kế hoạch, ví dụ daklak-2025")
    p.add_argument("--unit", required=True, help="mã đơn vị báo cáo, ví dụ 24121")
    p.add_argument("--week", required=True, help="một ngày bất kỳ trong tuần báo cáo (YYYY-MM-DD)")
    p.add_argument("--out", help="tệp hoặc thư mục ghi ra (mặc định: tên chuẩn trong thư mục hiện tại)")


def run(args: argparse.Namespace) -> int:
    try:
        day = date.fromisoformat(args.week)
    except ValueError:
        print(f"Lỗi: ngày “{args.week}” không đúng dạng YYYY-MM-DD (ví dụ 2025-09-08).", file=sys.stderr)
        return 2
    con = db.connect(args.db)
    try:
        if con.execute("select count(*) from campaigns where code = ?", [args.campaign]).fetchone()[0] == 0:
            bootstrap.ensure_ready(con)
        campaign = template.load_campaign(con, args.campaign)
        start, _ = template.resolve_week(campaign, day)
        data = template.build_template(con, args.campaign, args.unit, start)
    except template.TemplateError as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 2
    finally:
        con.close()
    name = template.template_filename(args.campaign, args.unit, start)
    out = Path(args.out) if args.out else Path(name)
    if out.is_dir() or str(args.out or "").endswith(("/", "\\")):
        out = out / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(f"Đã tạo mẫu báo cáo: {out}")
    return 0
