"""Time and peak memory of every broken or hostile file (not part of the default test run).

    .venv/bin/python bench/bench_hostile.py

Each file of tests/hostile.py's corpus (and each .zip of its ARCHIVES, whose members are ingested as
files of their own) is ingested by a fresh `python -m loaders ingest` process on a copy of a ready
database; the table shows the outcome, the wall time of the whole command, and the process's peak
resident memory (ru_maxrss), next to the same figures for an ordinary good report. Target (issue 12):
every case ≤ 2 s and ≤ 200 MB; the last line says whether it was met. The wall time includes the
interpreter's start-up and imports, which is measured alone too (the "(start-up only)" line); "own s"
is the file's own ingestion in this warm process (pipeline.upload_items + ingest_bytes, writes included).
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
from tests.hostile import ARCHIVES, CORPUS, good  # noqa: E402

_CHILD = """
import resource, sys, time, json, subprocess
t0 = time.perf_counter()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"wall": wall, "peak_mb": peak, "rc": r.returncode, "out": r.stdout}))
"""


def _in_process(con, data: bytes, file_name: str) -> float:
    """Wall time of the file's own ingestion in this (warm) process: every file an upload holds, checked,
    written and audited (pipeline.ingest_bytes), without the command's start-up."""
    from loaders.ingest import pipeline

    t0 = time.perf_counter()
    for name, member, refusal in pipeline.upload_items(data, file_name):
        pipeline.ingest_bytes(con, member, name, "daklak-2025", actor="bench", refusal=refusal)
    return time.perf_counter() - t0


def _startup() -> dict:
    """The same measurement for the command with nothing to read: interpreter, imports, argument parsing."""
    cmd = [sys.executable, "-c", "import loaders.cli.ingest, loaders.ingest.pipeline"]
    r = subprocess.run([sys.executable, "-c", _CHILD, *cmd], capture_output=True, text=True, cwd=ROOT)
    return json.loads(r.stdout)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ready = tmp / "ready.duckdb"
        con = db.connect(ready)
        bootstrap.ensure_ready(con)
        con.close()
        cases = {"(good report)": ("good.xlsx", good, "accepted"), **CORPUS, **ARCHIVES}
        shutil.copyfile(ready, tmp / "inproc.duckdb")
        inproc = db.connect(tmp / "inproc.duckdb")
        start = _startup()
        print(f"{'(start-up only)':<30} {'':<9} {start['wall']:7.2f} {start['peak_mb']:8.0f} {'':>6}  python -m loaders, no file")
        print(f"{'case':<30} {'outcome':<9} {'wall s':>7} {'peak MB':>8} {'own s':>6}  message")
        worst = (0.0, 0.0)
        wrong = []
        for name, (file_name, build, expected) in cases.items():
            f = tmp / file_name
            f.write_bytes(build())
            copy = tmp / f"{name}.duckdb"
            shutil.copyfile(ready, copy)
            cmd = [sys.executable, "-m", "loaders", "ingest", str(f), "--campaign", "daklak-2025", "--db", str(copy),
                   "--json"]
            r = subprocess.run([sys.executable, "-c", _CHILD, *cmd], capture_output=True, text=True, cwd=ROOT)
            res = json.loads(r.stdout)
            lines = [json.loads(x) for x in res["out"].splitlines()]
            statuses = [x["status"] for x in lines]
            outcome = statuses[0] if len(statuses) == 1 else "/".join(s[:3] for s in statuses)
            msg = next((m["text"] for x in lines for m in x["messages"] if m["level"] == "error"), "")
            msg = msg.split(": ", 1)[-1]
            own = _in_process(inproc, f.read_bytes(), file_name)
            print(f"{name:<30} {outcome:<9} {res['wall']:7.2f} {res['peak_mb']:8.0f} {own:6.2f}  {msg[:80]}")
            if statuses != (expected if isinstance(expected, list) else [expected]):
                wrong.append(name)
            if name != "(good report)":
                worst = (max(worst[0], res["wall"]), max(worst[1], res["peak_mb"]))
        met = worst[0] <= 2.0 and worst[1] <= 200 and not wrong
        print(f"{len(CORPUS) + len(ARCHIVES)} hostile cases; worst wall {worst[0]:.2f} s, worst peak {worst[1]:.0f} MB "
              f"(whole command incl. start-up {start['wall']:.2f} s); unexpected outcomes: {', '.join(wrong) or 'none'}; "
              f"target ≤ 2 s and ≤ 200 MB: {'met' if met else 'NOT met'}; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
