"""Build data/masterdata/*.parquet: the master-data tables a new database loads (loaders/reference/masterdata.py).

The rows are those of masterdata.build_rows() (the packages `vietnamadminunits` and
`vietnam-provinces`, at the versions installed), written one table per file in the order they are
inserted, with the column types of the store's schema; manifest.json names the package versions and
the code fixes. A new database then inserts the files instead of building the rows (a tenth of the
time); with other package versions installed, the loader builds the rows from the packages instead.
tests/test_masterdata.py checks that the files hold exactly what build_rows() gives.

Re-run after upgrading either package or changing build_rows() (CODE_FIXES, names, aliases):

    python data/build/build_masterdata.py [--out data/masterdata]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from loaders.reference import masterdata  # noqa: E402
from loaders.store import db  # noqa: E402


def build(out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"threads": 1})      # one thread: the files keep the rows' order
    db.migrate(con)
    counts = {}
    for table, rows in masterdata.build_rows().items():
        counts[table] = masterdata.insert_rows(con, table, rows)
        target = db.sql_string(out / f"{table}.parquet")
        con.execute(f"copy (select {', '.join(masterdata.COLUMNS[table])} from {table}) to {target} "
                    "(format parquet, compression zstd)")
    con.close()
    manifest = {"packages": masterdata.package_versions(), "code_fixes": masterdata.CODE_FIXES, "rows": counts,
                "built_by": "data/build/build_masterdata.py"}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(masterdata.SHIPPED))
    args = ap.parse_args(argv)
    print(build(Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
