"""Time of the one-off rewrite of a store built before official commune codes (not part of the tests).

    .venv/bin/python bench/bench_unit_codes.py

Builds the demo store of daklak-2025 with the code of the commit before the change (git archive, in
a subprocess, as tests/test_unit_codes.py does), then opens a copy with today's code and times the
migration and the rewrite (loaders/reference/unit_codes.py: rewrite, master data reload, rollup
refresh), printing the rows changed per table. Also the cost of the territory check on parsing:
Places built per campaign and a title line read.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loaders import setup as bootstrap  # noqa: E402
from loaders.ingest.places import Places  # noqa: E402
from loaders.store import db  # noqa: E402
from tests.test_unit_codes import BEFORE  # noqa: E402

BUILD = """
import sys
from datetime import date
from pathlib import Path
from loaders import setup as bootstrap
from loaders.demo import generator as demo
from loaders.store import db
path = Path(sys.argv[1])
con = db.connect(path)
bootstrap.ensure_ready(con)
demo.generate(con, "daklak-2025", seed=2025, today=date(2025, 11, 19), out_dir=path.parent / "files")
con.execute("checkpoint")
con.close()
"""


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tree = tmp / "tree"
        tree.mkdir()
        tar = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(tar)) as t:
            t.extractall(tree, filter="data")
        (tree / "build.py").write_text(BUILD, encoding="utf-8")
        before = tmp / "before.duckdb"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "build.py", str(before)], cwd=tree, check=True,
                       env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree), "HOME": str(tmp)})
        print(f"store built by {BEFORE[:7]} (demo of daklak-2025): {time.perf_counter() - t0:.1f} s")
        path = tmp / "upgraded.duckdb"
        shutil.copyfile(before, path)
        t0 = time.perf_counter()
        con = db.connect(path)
        t1 = time.perf_counter()
        done = bootstrap.ensure_ready(con)
        t2 = time.perf_counter()
        print(f"migration: {t1 - t0:.2f} s; ensure_ready with the rewrite: {t2 - t1:.2f} s")
        for k, v in sorted(done.get("unit_codes", {}).items()):
            print(f"  {k:32s} {v:>8,} rows")
        t0 = time.perf_counter()
        bootstrap.ensure_ready(con)
        print(f"ensure_ready again (rewrite already recorded): {time.perf_counter() - t0:.2f} s")
        campaign = {"code": "daklak-2025", "era": "2025", "province_code": "66"}
        t0 = time.perf_counter()
        places = Places(con, campaign)
        t1 = time.perf_counter()
        print(f"Places(daklak-2025): {1000 * (t1 - t0):.1f} ms")
        for label, text in (("a line naming a place", "UBND HUYỆN NÚI THÀNH – TỈNH QUẢNG NAM {}"),
                            ("a line naming none", "UBND XÃ EA KAO {}")):
            lines = [text.format(i) for i in range(2000)]
            t0 = time.perf_counter()
            for line in lines:
                places.find(line)
            print(f"  find(), {label}: {1e6 * (time.perf_counter() - t0) / len(lines):.0f} µs per new line")
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
