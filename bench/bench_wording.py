"""Wording benchmark (not a test): how many real-style report wordings are named right.

    .venv/bin/python bench/bench_wording.py [--table tests/data/wordings.csv] [--show]

Reads the table (wording, unit of measure, section heading, expected code or empty for "none"),
runs each row through the indicator matcher as ingestion does (code cell → catalog name/alias →
mapped wording → the vocabulary of data/indicators.yaml at high confidence), and prints
  named right   rows whose stored code (or none) is the expected one (target ≥ 95%),
  wrong         rows stored under another indicator than expected (target 0),
  kept aside    rows expected to be named that are kept aside for a person instead,
and the rows per class with --show. Also prints the matcher's speed on the table (rows/s, cold).
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loaders.ingest.match_indicators import IndicatorIndex  # noqa: E402
from loaders.reference import indicators  # noqa: E402
from loaders.store import db  # noqa: E402

TABLE = ROOT / "tests" / "data" / "wordings.csv"


def read_table(path: Path = TABLE) -> list[dict]:
    """The rows of the table; lines starting with # are comments."""
    lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip() and not x.startswith("#")]
    return list(csv.DictReader(lines))


def score(index: IndicatorIndex, rows: list[dict]) -> dict:
    """right / wrong / aside rows, each (wording, expected, stored, read)."""
    out: dict[str, list] = {"right": [], "wrong": [], "aside": []}
    for r in rows:
        expected = r["expected"] or None
        m = index.match(r["wording"], uom=r["uom"], heading=r["heading"])
        got = m.code if m else None
        read = index.read(r["wording"], r["uom"], r["heading"])
        item = (r["wording"], r["uom"], r["heading"], expected, got, read)
        out["right" if got == expected else "wrong" if got is not None else "aside"].append(item)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", type=Path, default=TABLE)
    ap.add_argument("--show", action="store_true")
    args = ap.parse_args()
    con = db.connect(":memory:")
    db.migrate(con)
    indicators.load(con)
    rows = read_table(args.table)
    t = time.perf_counter()
    index = IndicatorIndex(con)
    res = score(index, rows)
    dt = time.perf_counter() - t
    n = len(rows)
    print(f"wordings: {n} ({sum(1 for r in rows if r['expected'])} naming an indicator, "
          f"{sum(1 for r in rows if not r['expected'])} naming none)")
    print(f"named right: {len(res['right'])}/{n} = {100 * len(res['right']) / n:.1f}%   (target ≥ 95%)")
    print(f"wrong (stored under another indicator): {len(res['wrong'])}   (target 0)")
    print(f"kept aside for a person (expected a code): {len(res['aside'])}")
    print(f"speed: {n / dt:,.0f} rows/s cold (index build included, {dt * 1000:.0f} ms)")
    for cls in ("wrong", "aside") + (("right",) if args.show else ()):
        for w, uom, heading, exp, got, read in res[cls]:
            print(f"  [{cls}] {w!r} ({uom or '-'}; {heading or '-'}): expected {exp}, got {got}; "
                  f"read {read.reason}, suggestion {read.suggestion}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
