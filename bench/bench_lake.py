"""The national store on a lake beside the file (issue 14; not part of the test run).

    .venv/bin/python bench/bench_lake.py                   # local PostgreSQL, data in bench/out/lake-data
    .venv/bin/python bench/bench_lake.py --only campaign_summary lagging_units --repeat 5

1. The national-scale store of bench_metrics.py (34 campaigns, ~4 M report values; built once into
   bench/out/metrics.duckdb) is copied into a lake (`python -m loaders copy`), catalog in a local
   PostgreSQL started for the run (tests/pg.py: Debian's postgresql, a free loopback port), data
   files in a local folder: the copy's time is printed.
2. Every metric query runs through queries.run on the file and on the lake, for the largest
   province and for the whole country: median of warm runs, and the lake/file ratio (target: the
   national queries on the lake at most 2× the file).
3. Upload to visible: one report ingested by a writer (its transaction and the rollup refresh of its
   campaign), and the time until a reader on another connection sees it (its data version moved and
   the report is there), on the file and on the lake.

CPU seconds of this process are printed with the wall times (the machine is shared).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_metrics  # noqa: E402
import queries  # noqa: E402
from loaders.store import copy, db  # noqa: E402

OUT = ROOT / "bench" / "out"


def _timed(fn) -> tuple[float, float]:
    c, w = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def compare_queries(file_con, lake_con, names, repeat: int) -> list[tuple]:
    codes = [r[0] for r in file_con.execute("select code from campaigns order by code").fetchall()]
    largest = file_con.execute("select campaign_code from campaign_units group by 1 order by count(*) desc, 1 "
                               "limit 1").fetchone()[0]
    as_of = datetime.combine(bench_metrics.START + timedelta(days=7 * bench_metrics.WEEKS + 1), datetime.max.time())
    rows = []
    print(f"{'query':30} {'province ms':>23} {'country ms':>23}")
    print(f"{'':30} {'file':>7} {'lake':>7} {'ratio':>7} {'file':>7} {'lake':>7} {'ratio':>7}")
    for name in names:
        pp = bench_metrics.params_for(name, file_con, [largest], as_of)
        pn = bench_metrics.params_for(name, file_con, codes, as_of)
        fp, _ = bench_metrics.time_query(name, file_con, pp, repeat)
        lp, _ = bench_metrics.time_query(name, lake_con, pp, repeat)
        fn, _ = bench_metrics.time_query(name, file_con, pn, repeat)
        ln, _ = bench_metrics.time_query(name, lake_con, pn, repeat)
        rows.append((name, fp, lp, fn, ln))
        print(f"{name:30} {fp:7.1f} {lp:7.1f} {lp / fp:7.2f} {fn:7.1f} {ln:7.1f} {ln / fn:7.2f}")
    return rows


def upload_to_visible(where: str, repeat: int = 3) -> list[float]:
    """Seconds from the start of one report's ingest to a reader on another connection seeing it."""
    from loaders.ingest import pipeline
    from loaders.outputs.template import TemplateFiller

    from loaders.store import tables as backup

    writer = db.connect(where)
    with db.transaction(writer):      # bench_metrics stores its ids itself: the sequences move past them
        backup.advance_sequences(writer)
    reader = db.connect(where, read_only=True) if db.is_lake(writer) else writer.cursor()
    code = "daklak-2025" if writer.execute("select count(*) from campaigns where code = 'daklak-2025'"
                                           ).fetchone()[0] else writer.execute("select min(code) from campaigns").fetchone()[0]
    unit = writer.execute("select min(unit_code) from campaign_units where campaign_code = ? and territorial",
                          [code]).fetchone()[0]
    week = writer.execute("select max(week_start) from campaign_weeks where campaign_code = ?", [code]).fetchone()[0]
    filler = TemplateFiller(writer, code)
    out = []
    for i in range(repeat):
        data = filler.fill(unit, week, {"ttcs_tin_bai": 100 + i, "mxh_facebook": 7})
        seen = queries.run("data_version", reader)["version"].iloc[0]
        t0 = time.perf_counter()
        r = pipeline.ingest_bytes(writer, data, f"visible-{i}.xlsx", code)
        assert r.status == "accepted", [m.text for m in r.messages]
        while True:
            if queries.run("data_version", reader)["version"].iloc[0] != seen and reader.execute(
                    "select count(*) from submissions where file_name = ?", [f"visible-{i}.xlsx"]).fetchone()[0]:
                break
            time.sleep(0.005)
        out.append(time.perf_counter() - t0)
    reader.close()
    writer.close()
    return out


def _compare(args, where: str) -> None:
    file_con = db.connect(args.db, read_only=True)
    lake_con = db.connect(where, read_only=True)
    for c in (file_con, lake_con):
        c.execute("set enable_progress_bar = false")
    names = args.only or queries.list_queries()
    rows = compare_queries(file_con, lake_con, names, args.repeat)
    file_con.close()
    lake_con.close()
    ratios = [ln / fn for _, _, _, fn, ln in rows]
    worst = max(rows, key=lambda r: r[4] / r[3])
    heavy = [r for r in rows if r[3] >= 100]      # national queries of 100 ms or more on the file
    print(f"\ncountry queries, lake/file: median {statistics.median(ratios):.2f}×, worst {worst[4] / worst[3]:.2f}× "
          f"({worst[0]}); within 2×: {sum(r <= 2 for r in ratios)}/{len(ratios)}; those of 100 ms or more on "
          f"the file: {sum(r[4] / r[3] <= 2 for r in heavy)}/{len(heavy)} within 2×, total "
          f"{sum(r[3] for r in heavy) / 1000:.1f} s file, {sum(r[4] for r in heavy) / 1000:.1f} s lake; "
          f"load average {os.getloadavg()[0]:.1f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=bench_metrics.DB)
    ap.add_argument("--lake", help="an existing lake (ducklake:postgres:<DSN>; CM_LAKE_DATA set); "
                                   "default: a local PostgreSQL started for the run")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--visible-only", action="store_true", help="only the upload-to-visible times")
    args = ap.parse_args(argv)
    if not args.db.exists():
        bench_metrics.build(args.db)
    server = None
    if args.lake:
        where = args.lake
    else:
        from tests import pg

        server = pg.Server().start()
        os.environ["CM_LAKE_DATA"] = str(OUT / "lake-data")
        where = "ducklake:postgres:" + server.new_database("bench")
    try:
        prep = db.connect(args.db)         # the rollup fresh before the copy (the writer's job)
        prep.close()
        wall, cpu = _timed(lambda: copy.copy(args.db, where))
        print(f"copy of {args.db.name} ({args.db.stat().st_size / 1e6:.0f} MB) into the lake: {wall:.1f} s "
              f"({cpu:.1f} s CPU); {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        if not args.visible_only:
            _compare(args, where)
        import shutil

        scratch = OUT / "visible.duckdb"      # the file bench store itself stays as built
        shutil.copyfile(args.db, scratch)
        for label, target in (("file", str(scratch)), ("lake", where)):
            times = upload_to_visible(target)
            print(f"upload to visible on the {label}: median {statistics.median(times):.2f} s "
                  f"({', '.join(f'{t:.2f}' for t in times)})")
        scratch.unlink()
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
