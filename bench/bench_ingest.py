"""Ingestion benchmark (not a test): prints its figures.

    .venv/bin/python bench/bench_ingest.py [--n 2000] [--baseline-sample 300] [--keep DIR] [--profile] [--repeat 3]

For each family of report files (the product's template filled in; free-form office files of
loaders/demo/office_formats.py: copied layouts, no diacritics, TCVN3, numbers as text, .xls, .ods,
activity lists), it writes N files for distinct (unit, week) pairs of daklak-2025 into a temporary
folder, then measures
  (a) reader   loaders.ingest.reader.read_workbook on every file (bytes already in memory), in-process;
  (b) whole    `python -m loaders ingest FOLDER --campaign daklak-2025 --db <fresh file> --json`,
               timed from process start: cold database (schema + master data load), start-up,
               parsing, matching, validation and the writes (files read and parsed by worker
               processes as the command does: CM_INGEST_WORKERS, default one per core); the new store
               is a copy of the cached set-up store (loaders/setup.py: new_store; this benchmark's own
               cache, built before the runs), and once more without the cache (CM_STORE_CACHE=off:
               schema, master data, campaigns and their rollup built in place);
  (c) baseline pandas.read_excel(engine="openpyxl", sheet_name=None) of the same files (a sample
               of --baseline-sample .xlsx files: the baseline is slow, its rate is extrapolated);
and prints files/s for each (reader and baseline in CPU time of this process, which a busy shared
machine disturbs less than the wall clock; the whole path in wall time, the fastest of --repeat runs,
its CPU time beside), the whole
path's share of the 500 files/s target, and reader ÷ baseline
on the same .xlsx files (target ≥ 10×). --profile runs the whole path under cProfile and prints
where the time goes.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loaders import setup as bootstrap
from loaders.store import db
from loaders.demo import office_formats as of  # noqa: E402
from loaders.demo.generator import load_context, week_values, make_profiles, make_posts, shared_pool  # noqa: E402
from loaders.outputs.template import TemplateFiller  # noqa: E402

CAMPAIGN = "daklak-2025"
TARGET_WHOLE = 500.0
TARGET_RATIO = 10.0
OFFICE_MIX = (("copied", 30), ("no_diacritics", 12), ("tcvn3", 12), ("text_numbers", 12), ("xls", 12),
              ("ods", 10), ("activity_list", 12))


def make_files(con, out: Path, n: int, seed: int = 7) -> dict[str, list[Path]]:
    """N template files and N office files, each family for distinct (unit, week) pairs."""
    ctx = load_context(con, CAMPAIGN)
    weeks = ctx.campaign.weeks()
    profiles = make_profiles(ctx, seed, len(weeks), {})
    slots = [(p, wi) for wi in range(len(weeks)) for p in profiles]
    if n > len(slots):
        raise SystemExit(f"--n {n} is more than the {len(slots)} unit-weeks of {CAMPAIGN}")
    filler = TemplateFiller(con, CAMPAIGN)
    pools = {w[0]: shared_pool(ctx, w, seed) for w in weeks}
    names, weights = zip(*OFFICE_MIX)
    files: dict[str, list[Path]] = {"template": [], "office": []}
    for family in files:
        rng = random.Random(f"{seed}:{family}")
        folder = out / family
        folder.mkdir(parents=True)
        for k, (p, wi) in enumerate(rng.sample(slots, n)):
            week = weeks[wi]
            values = week_values(ctx, p, wi, len(weeks), week, rng)
            posts = make_posts(ctx, p, week, values, pools[week[0]], rng) if rng.random() < 0.3 else []
            if family == "template":
                data = filler.fill(p.unit.code, week[0], values, posts=posts)
                name = filler.filename(p.unit.code, week[0])
            else:
                kind = rng.choices(names, weights)[0]
                parent = None if p.unit.territorial else ctx.campaign.province_authority
                s = rng.randrange(1 << 30)
                if kind == "activity_list":
                    o = of.activity_list(p.unit.name, week, values, posts, seed=s, parent=parent)
                else:
                    writer = {"copied": of.copied_from_last_year, "no_diacritics": of.no_diacritics,
                              "tcvn3": of.tcvn3, "text_numbers": of.text_numbers, "xls": of.xls,
                              "ods": of.ods}[kind]
                    o = writer(p.unit.name, week, values, posts, seed=s, parent=parent)
                data, name = o.data, f"{k:05d} {o.name}"
            path = folder / name
            path.write_bytes(data)
            files[family].append(path)
    return files


def bench_reader(paths: list[Path]) -> float:
    from loaders.ingest.reader import read_workbook

    blobs = [p.read_bytes() for p in paths]
    t = time.process_time()
    for b in blobs:
        read_workbook(b)
    return time.process_time() - t


def bench_baseline(paths: list[Path]) -> float:
    import pandas as pd

    blobs = [p.read_bytes() for p in paths]
    t = time.process_time()
    for b in blobs:
        pd.read_excel(io.BytesIO(b), engine="openpyxl", sheet_name=None, header=None)
    return time.process_time() - t


LAST_CPU = 0.0


def _child_cpu() -> float:
    """CPU seconds (user + system) of finished child processes: on a shared, busy machine the wall
    clock of a mostly single-threaded run overstates what it costs; CPU time does not."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def bench_whole(folder: Path, work: Path, profile: bool = False, cache: str | None = None) -> tuple[float, dict | None, str]:
    dbfile = work / f"cold-{folder.name}.duckdb"
    for p in (dbfile, Path(str(dbfile) + ".wal")):
        if p.exists():
            p.unlink()
    cmd = [sys.executable]
    prof = work / f"{folder.name}.prof"
    if profile:
        cmd += ["-m", "cProfile", "-o", str(prof)]
    cmd += ["-m", "loaders", "ingest", str(folder), "--campaign", CAMPAIGN, "--db", str(dbfile), "--json"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if cache is not None:
        env["CM_STORE_CACHE"] = cache
    t, c = time.perf_counter(), _child_cpu()
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    elapsed = time.perf_counter() - t
    global LAST_CPU
    LAST_CPU = _child_cpu() - c
    out = []  # --json: one JSON object per file per line
    for line in r.stdout.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    tail = "" if r.returncode == 0 else (r.stderr or r.stdout)[-2000:]
    if profile and prof.exists():
        import pstats

        s = io.StringIO()
        pstats.Stats(str(prof), stream=s).sort_stats("cumulative").print_stats(35)
        tail += s.getvalue()
    return elapsed, out, tail


def breakdown(folder: Path, work: Path) -> list[tuple[str, float, float]]:
    """The whole path in this process, stage by stage (no profiler: each stage's functions are
    wrapped with a CPU-time counter; nested stages are subtracted from their parents)."""
    import importlib
    import time as _t

    # imports, as a fresh `python -m loaders ingest` pays them (this process has most of them already)
    c = _child_cpu()
    subprocess.run([sys.executable, "-c", "import loaders.cli.ingest, loaders.ingest.pipeline, loaders.setup, "
                    "loaders.reference.campaigns, loaders.reference.masterdata"], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    t_imports = _child_cpu() - c
    from loaders import setup as bs
    from loaders.store import db as dbm
    from loaders.store import rollup
    from loaders.ingest import pipeline as ingest
    from loaders.ingest import checks
    from loaders.ingest import prepare
    from loaders.ingest import vnencoding
    from loaders.ingest import reader

    spent: dict[str, float] = {}
    stack: list[str] = []

    def wrap(owner, name: str, label: str):
        fn = getattr(owner, name)

        def timed(*a, **k):
            stack.append(label)
            t = _t.process_time()
            try:
                return fn(*a, **k)
            finally:
                d = _t.process_time() - t
                stack.pop()
                spent[label] = spent.get(label, 0.0) + d
                if stack:
                    spent[stack[-1]] = spent.get(stack[-1], 0.0) - d
        setattr(owner, name, timed)
        return fn

    originals = [
        (dbm, "migrate", wrap(dbm, "migrate", "cold: schema migrations")),
        (bs, "ensure_ready", wrap(bs, "ensure_ready", "cold: master data, indicators, campaigns")),
        (rollup, "refresh", wrap(rollup, "refresh", "write: rollup refresh")),
        (prepare, "read_workbook", wrap(prepare, "read_workbook", "read: calamine grids (reader.py)")),
        (prepare, "parse_with_hidden", wrap(prepare, "parse_with_hidden", "parse: tables, matching, values (parser/)")),
        (vnencoding, "detect_many",
         wrap(vnencoding, "detect_many", "parse: legacy-encoding detection (vnencoding)")),
        (ingest.Ingestor, "_check_sections", wrap(ingest.Ingestor, "_check_sections", "check: periods, duplicates")),
        (ingest.Ingestor, "_posting_counts", wrap(ingest.Ingestor, "_posting_counts", "check: posting counts")),
        (checks, "plausibility", wrap(checks, "plausibility", "check: plausibility SQL (validate.py)")),
        (checks, "earlier_sums", wrap(checks, "earlier_sums", "check: lũy kế sums SQL (validate.py)")),
        (ingest.Ingestor, "_context_checks", wrap(ingest.Ingestor, "_context_checks", "check: other context")),
        (ingest.Ingestor, "_write", wrap(ingest.Ingestor, "_write", "write: bulk inserts")),
        (ingest.Ingestor, "_audit", wrap(ingest.Ingestor, "_audit", "write: audit rows")),
        (ingest, "ingest_paths", wrap(ingest, "ingest_paths", "ingest: the rest (hashing, file reads, loop)")),
    ]
    # in this process, stage by stage: no worker processes (their CPU time is not this process's)
    workers = os.environ.get("CM_INGEST_WORKERS")
    os.environ["CM_INGEST_WORKERS"] = "0"
    try:
        dbfile = work / f"breakdown-{folder.name}.duckdb"
        t = _t.process_time()
        con = dbm.connect(dbfile)
        bs.ensure_ready(con, map_boundaries=False, refresh=False)     # as the ingest command does
        files, _ = ingest.collect_paths([folder])
        ingest.ingest_paths(con, files, CAMPAIGN, actor="bench", refresh=False)
        rollup.refresh(con)
        con.close()
        total = _t.process_time() - t
    finally:
        for owner, name, fn in originals:
            setattr(owner, name, fn)
        if workers is None:
            os.environ.pop("CM_INGEST_WORKERS")
        else:
            os.environ["CM_INGEST_WORKERS"] = workers
    rows = [("start-up: interpreter and imports (fresh process)", t_imports)] + sorted(spent.items(), key=lambda kv: kv[0])
    accounted = sum(v for _, v in rows[1:])
    rows.append(("other (connect, collect paths, …)", total - accounted))
    whole = total + t_imports
    return [(k, v, v / whole) for k, v in rows] + [("total (CPU)", whole, 1.0)]


COLD_RUNNER = r"""
import resource, sys, time
t0 = time.process_time()
from loaders import __main__ as cli, setup
from loaders.ingest import campaign_index, pipeline
from loaders.reference import campaigns, indicators, masterdata, unit_codes
from loaders.store import db, rollup
from loaders.cli import ingest as _ingest_command
spent = {"start-up: interpreter and the command's imports": time.process_time() - t0}
stack = []

def wrap(owner, name, label):
    fn = getattr(owner, name)
    def timed(*a, **k):
        stack.append(label)
        t = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            d = time.process_time() - t
            stack.pop()
            spent[label] = spent.get(label, 0.0) + d
            if stack:
                spent[stack[-1]] = spent.get(stack[-1], 0.0) - d
    setattr(owner, name, timed)

wrap(db, "migrate", "schema: migrations")
wrap(db, "apply_definitions", "schema: definitions (views, macros)")
wrap(rollup, "refresh", "rollup refresh (every campaign: new)")
wrap(unit_codes, "upgrade", "master data: unit-code check")
wrap(masterdata, "load", "master data: units, aliases, history")
wrap(indicators, "load", "indicators")
wrap(campaigns, "load_all", "campaigns (five plans)")
wrap(campaign_index.CampaignIndex, "load", "ingest: the campaign's index")
wrap(pipeline, "ingest_paths", "ingest: the file (read, parse, check, write)")
wrap(setup, "ensure_ready", "set-up: the rest")
wrap(setup, "new_store", "set-up: copy of the cached store (or its build)")
wrap(_ingest_command, "run", "other (connect, close and checkpoint, output)")
t = time.process_time()
try:
    cli.main(sys.argv[1:], own_process=True)
finally:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    spent["total (this process, CPU)"] = ru.ru_utime + ru.ru_stime
    print(repr(spent), file=sys.stderr)
"""


def cold_breakdown(one: Path, work: Path, cache: str | None = None) -> list[tuple[str, float]]:
    """The cold start stage by stage: the ingest command with one file on a fresh database, in a
    process of its own as `python -m loaders` runs it (its pandas probe skipped, one DuckDB thread),
    each stage's CPU time (nested stages subtracted from their parents). Worker processes are off:
    with one file there are none."""
    import ast

    dbfile = work / "cold-breakdown.duckdb"
    for p in (dbfile, Path(str(dbfile) + ".wal")):
        if p.exists():
            p.unlink()
    env = dict(os.environ, PYTHONPATH=str(ROOT), CM_INGEST_WORKERS="0")
    if cache is not None:
        env["CM_STORE_CACHE"] = cache
    r = subprocess.run([sys.executable, "-c", COLD_RUNNER, "ingest", str(one), "--campaign", CAMPAIGN,
                        "--db", str(dbfile), "--json"], capture_output=True, text=True, cwd=ROOT, env=env)
    last = [x for x in r.stderr.splitlines() if x.startswith("{")]
    if not last:
        raise SystemExit(f"cold-start breakdown failed:\n{r.stderr[-2000:]}")
    return list(ast.literal_eval(last[-1]).items())


def cold_start(one: Path, work: Path, cache: str) -> tuple[float, float]:
    """(wall, CPU) of the ingest command with one file on a fresh database. cache: CM_STORE_CACHE
    ("off", or the folder: emptied first when building it is what is measured)."""
    cold = work / "cold-one.duckdb"
    for p in (cold, Path(str(cold) + ".wal")):
        p.unlink(missing_ok=True)
    t, c = time.perf_counter(), _child_cpu()
    subprocess.run([sys.executable, "-m", "loaders", "ingest", str(one), "--campaign", CAMPAIGN, "--db",
                    str(cold), "--json"], capture_output=True, cwd=ROOT,
                   env=dict(os.environ, PYTHONPATH=str(ROOT), CM_STORE_CACHE=cache))
    return time.perf_counter() - t, _child_cpu() - c


def statuses(out) -> dict:
    """Count statuses in the ingest CLI's JSON, whatever its exact shape."""
    if out is None:
        return {}
    if isinstance(out, dict):
        for key in ("status", "statuses", "counts", "summary"):
            if isinstance(out.get(key), dict):
                return out[key]
        items = out.get("files") or out.get("results") or []
    else:
        items = out
    counts: dict[str, int] = {}
    for it in items:
        st = it.get("status") if isinstance(it, dict) else None
        if st:
            counts[st] = counts.get(st, 0) + 1
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="files per family (default 2000)")
    ap.add_argument("--baseline-sample", type=int, default=300, help=".xlsx files per family read by the baseline")
    ap.add_argument("--keep", help="write the files to this folder and keep them")
    ap.add_argument("--profile", action="store_true", help="run the whole path under cProfile and print it")
    ap.add_argument("--families", default="template,office")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each whole-path and cold-start figure; the fastest (by wall) is printed "
                         "(a shared machine's other work only ever slows a run down)")
    ap.add_argument("--breakdown", action="store_true",
                    help="also run the whole path in-process and print CPU time per stage, and the cold start's stages")
    args = ap.parse_args(argv)

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    if work.exists() and args.keep:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    # this benchmark's own cache of the set-up store (a new store of the ingest command is its copy)
    cache = str(work / "store-cache")
    os.environ["CM_STORE_CACHE"] = cache
    # the code's bytecode as a checkout run once before has it (__pycache__, git-ignored): with
    # PYTHONDONTWRITEBYTECODE set (some shells and CI set it) no run ever writes it, and every ingest
    # command would compile ~0.1 s of CPU of loaders/ before its first file
    import compileall

    compileall.compile_dir(str(ROOT / "loaders"), quiet=1)
    try:
        t = time.perf_counter()
        con = db.connect(work / "setup.duckdb")
        bootstrap.ensure_ready(con)
        files = make_files(con, work / "files", args.n)
        con.close()
        print(f"generated {2 * args.n} files in {time.perf_counter() - t:.1f} s under {work}/files")
        one = work / "one"
        one.mkdir(exist_ok=True)
        shutil.copy(files[args.families.split(",")[0]][0], one)
        cold_runs = {}
        for label, setting in (("without the cache (CM_STORE_CACHE=off)", "off"),
                               ("building the cache (first run of a checkout)", cache),
                               ("with the cache (a copy of the set-up store)", cache)):
            if label.startswith("building"):
                shutil.rmtree(cache, ignore_errors=True)
            runs = [cold_start(one, work, setting)]
            if not label.startswith("building"):
                runs += [cold_start(one, work, setting) for _ in range(args.repeat - 1)]
            cold_runs[label] = min(runs)
        rows = []
        for family in args.families.split(","):
            paths = files[family]
            t_read = bench_reader(paths)
            xlsx = [p for p in paths if p.suffix == ".xlsx"][: args.baseline_sample]
            t_read_x = bench_reader(xlsx) if xlsx else 0.0
            t_base = bench_baseline(xlsx) if xlsx else 0.0
            for name, cache_setting in ((family, None), (f"{family[:6]}/nc", "off")):
                best = None
                for _ in range(max(1, args.repeat)):
                    t_whole, out, err = bench_whole(work / "files" / family, work, args.profile, cache=cache_setting)
                    if err:
                        print(f"--- {name}: ingest output ---\n{err}")
                    if best is None or t_whole < best[0]:
                        best = (t_whole, out, LAST_CPU)
                t_whole, out, cpu = best
                rows.append((name, len(paths), t_read, t_whole, statuses(out), len(xlsx), t_read_x, t_base, cpu))
        print()
        print(f"{'family':<9} {'files':>6} | {'reader f/s':>10} | {'whole s':>8} {'cpu s':>6} {'whole f/s':>9} {'target':>7} | "
              f"{'baseline f/s':>12} {'reader f/s':>10} {'ratio':>6} | statuses")
        for family, n, t_read, t_whole, st, nx, t_rx, t_base, cpu in rows:
            base = nx / t_base if t_base else float("nan")
            rx = nx / t_rx if t_rx else float("nan")
            ratio = rx / base if t_base and t_rx else float("nan")
            print(f"{family:<9} {n:>6} | {n / t_read:>10.0f} | {t_whole:>8.2f} {cpu:>6.2f} {n / t_whole:>9.0f} "
                  f"{'ok' if n / t_whole >= TARGET_WHOLE else 'MISS':>7} | {base:>12.1f} {rx:>10.0f} "
                  f"{ratio:>5.0f}× | {st}")
        if args.breakdown:
            for family in args.families.split(","):
                print(f"\nwhole path, {family}: CPU time per stage (in-process)")
                for label, secs, share in breakdown(work / "files" / family, work):
                    print(f"  {label:<58} {secs:>7.2f} s {share:>6.1%}")
        print(f"(whole: the fastest of {args.repeat} runs, its CPU beside; */nc: the same files on a new store "
              "built in place, without the cache)")
        # the cold-start share of the whole path: the ingest command with one file on a fresh database
        # (start-up, schema, master data, campaigns; the map's polygons are left to the app's start)
        print("of which cold start (the ingest command with one file on a fresh database: start-up, schema, "
              "master data, campaigns):")
        for label, (t_init, c_init) in cold_runs.items():
            print(f"  {label:<48} {t_init:>5.2f} s wall, {c_init:.2f} s cpu"
                  + ("" if label.startswith("building") else f"  (fastest of {args.repeat})"))
        if args.breakdown:
            for label, setting in (("with the cache", cache), ("without the cache", "off")):
                print(f"cold start {label}, CPU time per stage (a process of its own):")
                for stage, secs in cold_breakdown(one, work, setting):
                    print(f"  {stage:<58} {secs:>7.3f} s")
        from loaders.ingest.parallel import workers_wanted

        print("bytecode of loaders/ compiled before the runs (PYTHONDONTWRITEBYTECODE is "
              f"{'set' if os.environ.get('PYTHONDONTWRITEBYTECODE') else 'not set'}: no run writes it then)")
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
              f"ingest worker processes: {workers_wanted(args.n) or 'none'}")
        print(f"\ntargets: whole path ≥ {TARGET_WHOLE:.0f} files/s ({args.n} files in ≤ {args.n / TARGET_WHOLE:.0f} s, "
              f"cold database and start-up included); reader ≥ {TARGET_RATIO:.0f}× the openpyxl baseline "
              f"(baseline on the first {args.baseline_sample} .xlsx files of each family)")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
