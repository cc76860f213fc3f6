"""Time and peak memory of every broken or hostile file (not part of the default test run).

    .venv/bin/python bench/bench_hostile.py

Each file of tests/hostile.py's corpus (and each .zip of its ARCHIVES, whose members are ingested as
files of their own) is ingested by a fresh `python -m loaders ingest` process on a copy of a ready
database; the table shows the outcome, the wall time of the whole command, and the process's peak
resident memory (ru_maxrss), next to the same figures for an ordinary good report. Target (issue 12):
every case ≤ 2 s and ≤ 200 MB; the last line says whether it was met. The wall time includes the
interpreter's start-up and imports, which is measured alone too (the "(start-up only)" line); "own s"
is the file's own ingestion in this warm process (pipeline.upload_items + ingest_bytes, writes included)
and "cpu s" its CPU time, which a machine shared by many (load average printed) disturbs least.
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


def _in_process(con, data: bytes, file_name: str) -> tuple[float, float]:
    """Wall time of the file's own ingestion in this (warm) process: every file an upload holds, checked,
    written and audited (pipeline.ingest_bytes), without the command's start-up."""
    from loaders.ingest import pipeline

    t0, c0 = time.perf_counter(), time.process_time()
    for name, member, refusal in pipeline.upload_items(data, file_name):
        pipeline.ingest_bytes(con, member, name, "daklak-2025", actor="bench", refusal=refusal)
    return time.perf_counter() - t0, time.process_time() - c0


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
        print(f"{'(start-up only)':<30} {'':<9} {start['wall']:7.2f} {start['peak_mb']:8.0f} {'':>6} {'':>6}  "
              "python -m loaders, no file")
        print(f"{'case':<30} {'outcome':<9} {'wall s':>7} {'peak MB':>8} {'own s':>6} {'cpu s':>6}  message")
        worst = (0.0, 0.0, 0.0, 0.0)
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
            own, cpu = _in_process(inproc, f.read_bytes(), file_name)
            print(f"{name:<30} {outcome:<9} {res['wall']:7.2f} {res['peak_mb']:8.0f} {own:6.2f} {cpu:6.2f}  {msg[:70]}")
            if statuses != (expected if isinstance(expected, list) else [expected]):
                wrong.append(name)
            if name != "(good report)":
                worst = (max(worst[0], res["wall"]), max(worst[1], res["peak_mb"]), max(worst[2], own),
                         max(worst[3], cpu))
        print(f"{len(CORPUS) + len(ARCHIVES)} hostile cases; worst: whole command {worst[0]:.2f} s (start-up alone "
              f"{start['wall']:.2f} s), peak {worst[1]:.0f} MB, own {worst[2]:.2f} s, cpu {worst[3]:.2f} s; unexpected "
              f"outcomes: {', '.join(wrong) or 'none'}; load average {os.getloadavg()[0]:.1f}")
        print(f"target ≤ 2 s and ≤ 200 MB per case: whole command {'met' if worst[0] <= 2 else 'NOT met'}, "
              f"own time {'met' if worst[2] <= 2 else 'NOT met'}, cpu {'met' if worst[3] <= 2 else 'NOT met'}, "
              f"memory {'met' if worst[1] <= 200 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
