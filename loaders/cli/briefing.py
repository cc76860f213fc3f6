"""`python -m loaders briefing --campaign CODE (--week YYYY-MM-DD | --phase N) [--as-of DATE] --out FILE.docx`

Writes the weekly or phase briefing (loaders/outputs/briefing.py) for a scheduled job or by hand.
--week takes any day of the week. --as-of (default: the day the pages open on: the campaign's demo
day if it has one, else today within the campaign) is the day the numbers are counted to, as on the
pages. Exit status: 0 written, 1 the briefing cannot be written (the message says why), 2 usage.
Each document written is audited (export.briefing, actor cli).
"""
from __future__ import annotations

import argparse
import functools
import json
import sys
from datetime import date
from pathlib import Path

from loaders.store import db


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--campaign", required=True, help="mã kế hoạch, ví dụ daklak-2025")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--week", type=date.fromisoformat, metavar="YYYY-MM-DD",
                       help="một ngày bất kỳ trong tuần cần báo cáo")
    which.add_argument("--phase", type=int, metavar="N", help="số đợt cần báo cáo")
    p.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="số liệu tính đến hết ngày này (mặc định: ngày các trang mở ra)")
    p.add_argument("--out", required=True, type=Path, help="tệp .docx cần ghi")


def default_as_of(campaign: dict, today: date | None = None) -> date:
    """The day the pages open on (ui.common): the demo day, else today kept within the campaign."""
    import pandas as pd

    if campaign.get("demo_today") is not None and not pd.isna(campaign["demo_today"]):
        return pd.Timestamp(campaign["demo_today"]).date()
    today = today or date.today()
    return min(max(today, pd.Timestamp(campaign["start_date"]).date()), pd.Timestamp(campaign["end_date"]).date())


def run(args: argparse.Namespace) -> int:
    import queries
    from loaders.outputs import briefing

    con = db.connect(args.db)
    try:
        read = functools.partial(queries.run, con=con)
        campaigns = read("campaign_list")
        row = campaigns[campaigns["campaign_code"] == args.campaign]
        if row.empty:
            print(f"Lỗi: không có kế hoạch “{args.campaign}” (có: {', '.join(campaigns['campaign_code'])}).",
                  file=sys.stderr)
            return 2
        as_of = args.as_of or default_as_of(row.iloc[0].to_dict())
        try:
            data = briefing.build(read, args.campaign, as_of, week=args.week, phase=args.phase)
        except briefing.BriefingError as e:
            print(f"Lỗi: {e}", file=sys.stderr)
            return 1
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(data)
        period = {"week": args.week} if args.week else {"phase": args.phase}
        db.audit(con, "cli", "export.briefing", args.campaign,
                 json.dumps({"as_of": as_of, **period, "file": str(args.out)}, ensure_ascii=False, default=str))
        print(f"Đã ghi báo cáo {args.out} ({len(data) // 1024} KB), số liệu đến hết ngày {as_of:%d/%m/%Y}.")
        return 0
    finally:
        con.close()
