"""Time the briefing (.docx) for the largest province of the national-scale store (target ≤ 3 s).

    .venv/bin/python bench/bench_briefing.py            # builds bench/out/metrics.duckdb if missing
    .venv/bin/python bench/bench_briefing.py --repeat 5

The store is bench/bench_metrics.py's (34 provinces, all 3,321 communes, 40 weeks, ~3.9 M values).
The briefing is built through queries.run on one connection, as the command line does: a weekly
briefing for the latest due week and a phase briefing for the current phase, each timed cold (first
in the process: matplotlib and python-docx imports, first queries) and warm (median of the repeats).
Also printed: the time spent in queries and in the layout (charts and the document), the process
CPU time (DuckDB's threads included) and the load average, since the machine is shared.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_metrics  # noqa: E402
import queries  # noqa: E402
from loaders.store import db  # noqa: E402

TARGET_S = 3.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=bench_metrics.DB)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if not args.db.exists():
        bench_metrics.build(args.db)
    con = db.connect(args.db)
    con.execute("set enable_progress_bar = false")
    largest = con.execute("select campaign_code from campaign_units group by 1 order by count(*) desc, 1 "
                          "limit 1").fetchone()[0]
    units = con.execute("select count(*) from campaign_units where campaign_code = ?", [largest]).fetchone()[0]
    spent = {"queries": 0.0}

    def run(name, **params):
        t = time.perf_counter()
        try:
            return queries.run(name, con=con, **params)
        finally:
            spent["queries"] += time.perf_counter() - t

    from datetime import timedelta

    as_of = bench_metrics.START + timedelta(days=7 * 30 + 3)     # mid-campaign: phases running, lagging units
    weeks = queries.run("reporting_rate_by_week", con=con, campaign=largest, as_of=as_of)
    week = weeks["week_start"].iloc[-1].date()
    phase = int(queries.run("phase_progress", con=con, campaign=largest, as_of=as_of)
                .query("is_current")["phase_number"].iloc[0])
    lagging = queries.run("lagging_units", con=con, campaign=largest, as_of=as_of)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"store: {args.db}; province {largest} ({units} units, {int(lagging['territorial'].sum())} lagging "
          f"communes) as of {as_of:%d/%m/%Y}; week {week:%d/%m/%Y}, phase {phase}")
    from loaders.outputs import briefing

    worst = 0.0
    for label, kw in (("week", {"week": week}), ("phase", {"phase": phase})):
        times, q_times, cpu = [], [], []
        for i in range(args.repeat + 1):
            spent["queries"] = 0.0
            t, c = time.perf_counter(), time.process_time()
            data = briefing.build(run, largest, as_of, **kw)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            q_times.append(spent["queries"])
        warm = statistics.median(times[1:])
        worst = max(worst, times[0], warm)
        print(f"{label:<6} cold {times[0]:.2f} s, warm {warm:.2f} s (queries {statistics.median(q_times[1:]):.2f} s, "
              f"layout {warm - statistics.median(q_times[1:]):.2f} s; CPU {statistics.median(cpu[1:]):.2f} s), "
              f"{len(data) / 1024:.0f} KB; "
              f"target ≤ {TARGET_S:.0f} s: {'ok' if max(times[0], warm) <= TARGET_S else 'OVER'}")
    con.close()
    return 0 if worst <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
