"""Time and peak memory of every broken or hostile file (not part of the default test run).

    .venv/bin/python bench/bench_hostile.py

Each file of tests/hostile.py's corpus is ingested by a fresh `python -m loaders ingest` process on a
copy of a ready database; the table shows the outcome, the wall time of the whole command, and the
process's peak resident memory (ru_maxrss), next to the same figures for an ordinary good report.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loaders import setup as bootstrap
from loaders.store import db
from tests.hostile import CORPUS, good  # noqa: E402

_CHILD = """
import resource, sys, time, json, subprocess
t0 = time.perf_counter()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"wall": wall, "peak_mb": peak, "rc": r.returncode, "out": r.stdout}))
"""


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ready = tmp / "ready.duckdb"
        con = db.connect(ready)
        bootstrap.ensure_ready(con)
        con.close()
        cases = {"(good report)": ("good.xlsx", good, "accepted"), **CORPUS}
        print(f"{'case':<28} {'outcome':<9} {'wall s':>7} {'peak MB':>8}  message")
        worst = (0.0, 0.0)
        for name, (file_name, build, _) in cases.items():
            f = tmp / file_name
            f.write_bytes(build())
            copy = tmp / f"{name}.duckdb"
            shutil.copyfile(ready, copy)
            cmd = [sys.executable, "-m", "loaders", "ingest", str(f), "--campaign", "daklak-2025", "--db", str(copy),
                   "--json"]
            r = subprocess.run([sys.executable, "-c", _CHILD, *cmd], capture_output=True, text=True, cwd=ROOT)
            res = json.loads(r.stdout)
            line = json.loads(res["out"].splitlines()[0])
            msg = next((m["text"] for m in line["messages"] if m["level"] == "error"), "")
            print(f"{name:<28} {line['status']:<9} {res['wall']:7.2f} {res['peak_mb']:8.0f}  {msg[:90]}")
            if name != "(good report)":
                worst = (max(worst[0], res["wall"]), max(worst[1], res["peak_mb"]))
        print(f"{len(CORPUS)} hostile cases; worst wall {worst[0]:.2f} s, worst peak {worst[1]:.0f} MB "
              f"(whole command incl. start-up); load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
