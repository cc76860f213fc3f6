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
   the report is there), on the file and on the lake; then the lake's nightly maintenance
   (loaders.store.lake.maintain) and its time.

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


def time_query(name: str, con, params: dict, repeat: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms of this process) of `repeat` warm runs through queries.run.
    The CPU is DuckDB's threads and the catalog client; the PostgreSQL server's own is not in it."""
    queries.run(name, con, timeout_s=300, **params)                  # warm-up
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        queries.run(name, con, timeout_s=300, **params)
        walls.append(1000 * (time.perf_counter() - w))
        cpus.append(1000 * (time.process_time() - c))
    return statistics.median(walls), statistics.median(cpus)


def compare_queries(file_con, lake_con, names, repeat: int) -> list[tuple]:
    """Rows (name, file, lake, file national, lake national), each a (wall ms, CPU ms) pair."""
    codes = [r[0] for r in file_con.execute("select code from campaigns order by code").fetchall()]
    largest = file_con.execute("select campaign_code from campaign_units group by 1 order by count(*) desc, 1 "
                               "limit 1").fetchone()[0]
    as_of = datetime.combine(bench_metrics.START + timedelta(days=7 * bench_metrics.WEEKS + 1), datetime.max.time())
    rows = []
    print(f"{'query':30} {'province ms (wall)':>23} {'country ms (wall)':>23} {'country CPU ms':>23}")
    print(f"{'':30} {'file':>7} {'lake':>7} {'ratio':>7} {'file':>7} {'lake':>7} {'ratio':>7} "
          f"{'file':>7} {'lake':>7} {'ratio':>7}")
    for name in names:
        pp = bench_metrics.params_for(name, file_con, [largest], as_of)
        pn = bench_metrics.params_for(name, file_con, codes, as_of)
        fp = time_query(name, file_con, pp, repeat)
        lp = time_query(name, lake_con, pp, repeat)
        fn = time_query(name, file_con, pn, repeat)
        ln = time_query(name, lake_con, pn, repeat)
        rows.append((name, fp, lp, fn, ln))
        print(f"{name:30} {fp[0]:7.1f} {lp[0]:7.1f} {lp[0] / fp[0]:7.2f} {fn[0]:7.1f} {ln[0]:7.1f} "
              f"{ln[0] / fn[0]:7.2f} {fn[1]:7.1f} {ln[1]:7.1f} {ln[1] / max(fn[1], 0.1):7.2f}", flush=True)
    return rows


def upload_to_visible(where: str, repeat: int = 3) -> list[tuple[float, ...]]:
    """Per upload: (seconds from the start of one report's ingest to a reader on another connection
    seeing it, the ingest transaction's seconds, the rollup refresh's seconds, the CPU seconds of
    the two in this process, and the seconds from the refresh's commit to the reader seeing it: on
    the lake the reader's copies of the small tables the two commits changed are made again)."""
    from loaders.ingest import pipeline
    from loaders.outputs.template import TemplateFiller
    from loaders.store import rollup
    from loaders.store import tables as backup

    writer = db.connect(where)
    with db.transaction(writer):      # bench_metrics stores its ids itself: the sequences move past them
        backup.advance_sequences(writer)
    reader = db.connect(where, read_only=True) if db.is_lake(writer) else writer.cursor()
    queries.run("data_version", reader)      # a lake reader's local copies made before the clock starts
    code = "daklak-2025" if writer.execute("select count(*) from campaigns where code = 'daklak-2025'"
                                           ).fetchone()[0] else writer.execute("select min(code) from campaigns").fetchone()[0]
    unit = writer.execute("select min(unit_code) from campaign_units where campaign_code = ? and territorial",
                          [code]).fetchone()[0]
    week = writer.execute("select max(week_start) from campaign_weeks where campaign_code = ?", [code]).fetchone()[0]
    filler = TemplateFiller(writer, code)
    out = []
    for i in range(repeat):
        data = filler.fill(unit, week, {"ttcs_tin_bai": 100 + i, "mxh_facebook": 7})
        name = f"visible-{i}-{time.time_ns()}.xlsx"
        seen = queries.run("data_version", reader)["version"].iloc[0]
        t0, c0 = time.perf_counter(), time.process_time()
        # what ingest_bytes does, in its two steps: the file's transaction, then its campaign's rollup
        r = pipeline.ingest_bytes(writer, data, name, code, refresh=False)
        assert r.status == "accepted", [m.text for m in r.messages]
        t1 = time.perf_counter()
        rollup.refresh(writer, code)
        t2, c2 = time.perf_counter(), time.process_time()
        while True:
            if queries.run("data_version", reader)["version"].iloc[0] != seen and reader.execute(
                    "select count(*) from submissions where file_name = ?", [name]).fetchone()[0]:
                break
            time.sleep(0.005)
        out.append((time.perf_counter() - t0, t1 - t0, t2 - t1, c2 - c0, time.perf_counter() - t2))
    reader.close()
    writer.close()
    return out


def _compare(args, where: str) -> None:
    file_con = db.connect(args.db, read_only=True)
    lake_con = db.connect(where, read_only=True)
    for c in (file_con, lake_con):
        c.execute("set enable_progress_bar = false")
    wall, cpu = _timed(lambda: queries.run("data_version", lake_con))
    mirror = lake_con.mirror()
    print(f"first query of a lake connection: {wall:.2f} s ({cpu:.2f} s CPU), {len(mirror.copied)} small tables "
          f"copied into memory, {len(mirror.direct)} large ones read from their Parquet files "
          f"(loaders/store/lake_read.py)")
    names = args.only or queries.list_queries()
    rows = compare_queries(file_con, lake_con, names, args.repeat)
    file_con.close()
    lake_con.close()
    for i, label in ((0, "wall"), (1, "CPU")):
        ratios = [ln[i] / max(fn[i], 0.1) for _, _, _, fn, ln in rows]
        worst = max(rows, key=lambda r: r[4][i] / max(r[3][i], 0.1))
        heavy = [r for r in rows if r[3][0] >= 100]      # national queries of 100 ms or more on the file
        print(f"\ncountry queries, lake/file {label}: median {statistics.median(ratios):.2f}×, worst "
              f"{worst[4][i] / max(worst[3][i], 0.1):.2f}× ({worst[0]}); within 2×: {sum(r <= 2 for r in ratios)}/"
              f"{len(ratios)}; those of 100 ms or more on the file: "
              f"{sum(r[4][i] / max(r[3][i], 0.1) <= 2 for r in heavy)}/{len(heavy)} within 2×, total "
              f"{sum(r[3][i] for r in heavy) / 1000:.1f} s file, {sum(r[4][i] for r in heavy) / 1000:.1f} s lake")
    print(f"load average {os.getloadavg()[0]:.1f} (1 min) {os.getloadavg()[1]:.1f} (5 min)")


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
            runs = upload_to_visible(target)
            print(f"upload to visible on the {label}: median {statistics.median(r[0] for r in runs):.2f} s "
                  f"({', '.join(f'{r[0]:.2f}' for r in runs)}); ingest transaction "
                  f"{statistics.median(r[1] for r in runs):.2f} s, rollup refresh of the campaign "
                  f"{statistics.median(r[2] for r in runs):.2f} s, CPU of both "
                  f"{statistics.median(r[3] for r in runs):.2f} s, the reader saw it "
                  f"{statistics.median(r[4] for r in runs):.2f} s after; load average {os.getloadavg()[0]:.1f}",
                  flush=True)
        scratch.unlink()
        from loaders.store import lake

        con = db.connect(where)
        try:
            wall, cpu = _timed(lambda: print(f"maintenance of the lake after the uploads: {lake.maintain(con)}", end=""))
            print(f", {wall:.1f} s ({cpu:.1f} s CPU)")
        finally:
            con.close()
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
