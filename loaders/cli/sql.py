"""`python -m loaders sql QUERY [--db X] [--json]`: read-only SQL for admins, on either store.

The store is opened read-only (a file with read_only=True, a lake attached READ_ONLY), so a query
that would change anything is refused by the engine itself. Rows print tab-separated with a header
line, or with --json one JSON object a row (dates and times as ISO text).
"""
from __future__ import annotations

import argparse
import json
import sys

import duckdb

from loaders.store import db


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", help="câu lệnh SQL chỉ đọc, ví dụ \"select count(*) from submissions\"")
    p.add_argument("--json", action="store_true", help="in mỗi dòng kết quả là một đối tượng JSON")


def _text(value) -> str:
    return "" if value is None else str(value)


def _json(value):
    """JSON for what json cannot write itself: dates and times as ISO text, decimals as text."""
    iso = getattr(value, "isoformat", None)
    return iso() if iso else str(value)


def _finite(row) -> list:
    # NaN and infinities are not JSON: written as null
    return [None if isinstance(v, float) and v != v or v in (float("inf"), float("-inf")) else v for v in row]


def run(args: argparse.Namespace) -> int:
    con = db.connect(args.db, read_only=True)
    try:
        cur = con.execute(args.query)
        if cur.description is None:
            return 0
        columns = [d[0] for d in cur.description]
        if not args.json:
            print("\t".join(columns))
        while rows := cur.fetchmany(10_000):
            for row in rows:
                if args.json:
                    print(json.dumps(dict(zip(columns, _finite(row))), ensure_ascii=False, default=_json))
                else:
                    print("\t".join(_text(v) for v in row))
    except duckdb.Error as e:
        first = str(e).splitlines()[0]
        hint = " (lệnh sql chỉ đọc: không được thay đổi dữ liệu)" if "read-only" in str(e).lower() else ""
        print(f"Lỗi SQL{hint}: {first}", file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0
