"""Time every metric query on a national-scale store (not part of the default test run).

    .venv/bin/python bench/bench_metrics.py            # build bench/out/metrics.duckdb once, then time
    .venv/bin/python bench/bench_metrics.py --rebuild  # rebuild the store first
    .venv/bin/python bench/bench_metrics.py --explain lagging_units   # EXPLAIN ANALYZE one query

The store: real master data (34 provinces, all 3,321 commune-level units of 2025) and the indicator
catalog through the real loaders; one campaign per province over 40 weeks with 3 phases (boundaries
mid-week), 4 departments per province besides the communes, a weekly report from nearly every unit
every week (some late, some missing, some replaced, some units reporting fortnightly), every
indicator in every report (about 4 million report_values rows), post lists on some reports. Rows go
in by DataFrame, not one by one; then the weekly rollup is built (loaders/store/rollup.py).

Each query runs through queries.run (the path pages use) for the largest
province and for the whole country (all 34 campaigns at once); the table shows the median of repeated
warm runs against the targets (25 ms per province, 250 ms nationally on this 2-core machine).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import queries  # noqa: E402
from loaders.store import db
from loaders.reference import indicators
from loaders.reference import masterdata
from loaders.store import rollup

DB = ROOT / "bench" / "out" / "metrics.duckdb"
START = date(2025, 6, 2)            # a Monday
WEEKS = 40
PROVINCE_TARGET_MS = 25
NATION_TARGET_MS = 250
COMMUNE_KINDS = ("xa", "phuong", "dac_khu")
ORG_UNITS = [("so_vhttdl", "Sở Văn hóa, Thể thao và Du lịch"), ("so_gddt", "Sở Giáo dục và Đào tạo"),
             ("so_yte", "Sở Y tế"), ("tt_ttdt", "Trung tâm Thông tin điện tử")]
COMMUNE_TASKS = [  # (group, indicator, min_per_week, min_per_phase)
    ("ttcs", "ttcs_tin_bai", 3, None), ("web", "web_tin_bai", 1, None),
    ("mxh", "mxh_facebook", 2, None), ("mxh", "mxh_zalo", 2, None), ("mxh", "mxh_avatar", None, 50),
    ("truc_quan", "tq_bang_ron", None, 5), ("truc_quan", "tq_co", None, 50),
    ("mieng", None, 1, None), ("van_hoa", None, None, 3), ("cuoc_thi", None, None, None),
]
ORG_TASKS = [("mieng", "m_hoi_nghi", None, 1), ("web", "web_tin_bai", 2, None),
             ("web", "web_banner", 1, None), ("mxh", "mxh_facebook", 2, None)]


def build(path: Path = DB, seed: int = 20251119) -> None:
    t0 = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    for p in (path, Path(str(path) + ".wal")):
        p.unlink(missing_ok=True)
    con = db.connect(path)
    con.execute("set enable_progress_bar = false")
    masterdata.load(con)
    indicators.load(con)
    print(f"master data and catalog: {time.perf_counter() - t0:.1f} s")
    rng = np.random.default_rng(seed)
    end = START + timedelta(days=7 * WEEKS - 1)
    provinces = [r[0] for r in con.execute(
        "select code from provinces where era = '2025' order by code").fetchall()]
    params = json.dumps({"weights": {"reporting": 3, "progress": 3, "silent_channel": 2,
                                     "sharp_drop": 1}})
    camps = pd.DataFrame({
        "code": [f"bench-{p}" for p in provinces], "title": "Kế hoạch thử tải", "issuer": "Bench",
        "province_code": provinces, "era": "2025", "start_date": START, "end_date": end,
        "week_start": 1, "deadline_days": 1, "deadline_hour": 17, "demo_today": end,
        "params": params, "source_file": "bench", "loaded_at": datetime.now(),
    })
    b1, b2 = START + timedelta(days=94), START + timedelta(days=199)   # mid-week phase boundaries
    phases = pd.DataFrame([(c, n, f"Đợt {n}", s, e, None) for c in camps["code"]
                           for n, s, e in ((1, START, b1), (2, b1 + timedelta(days=1), b2),
                                           (3, b2 + timedelta(days=1), end))],
                          columns=["campaign_code", "number", "name", "start_date", "end_date", "note"])
    milestones = pd.DataFrame([(c, "dh_tinh", "Đại hội tỉnh", b1, None) for c in camps["code"]],
                              columns=["campaign_code", "code", "name", "date", "note"])
    kinds = pd.DataFrame([(c, k, k) for c in camps["code"] for k in (*COMMUNE_KINDS, "so_nganh")],
                         columns=["campaign_code", "kind", "name"])
    orgs = pd.DataFrame([(c, code, name, "so_nganh") for c in camps["code"] for code, name in ORG_UNITS],
                        columns=["campaign_code", "code", "name", "kind"])
    tasks = pd.DataFrame(
        [(c, k, g, i, w, p, True, None) for c in camps["code"] for k in COMMUNE_KINDS
         for g, i, w, p in COMMUNE_TASKS]
        + [(c, "so_nganh", g, i, w, p, True, None) for c in camps["code"] for g, i, w, p in ORG_TASKS],
        columns=["campaign_code", "unit_kind", "group_code", "indicator_code", "min_per_week",
                 "min_per_phase", "is_example", "note"])
    with db.transaction(con):
        for table, df in (("campaigns", camps), ("phases", phases), ("milestones", milestones),
                          ("reporting_kinds", kinds), ("org_units", orgs), ("tasks", tasks)):
            _insert(con, table, df)
    units = con.execute("select campaign_code, unit_code from campaign_units order by 1, 2").fetchdf()
    print(f"campaigns: {len(camps)}, reporting units: {len(units)}")

    # Reports: unit u, week w. 4% of units report fortnightly; each unit has its own reliability.
    n_units = len(units)
    reliability = rng.uniform(0.7, 1.0, n_units)
    fortnightly = rng.random(n_units) < 0.04
    uu, ww = np.meshgrid(np.arange(n_units), np.arange(WEEKS), indexing="ij")
    uu, ww = uu.ravel(), ww.ravel()
    keep = np.where(fortnightly[uu], ww % 2 == 0, True) & (rng.random(uu.size) < reliability[uu])
    uu, ww = uu[keep], ww[keep]
    span = np.where(fortnightly[uu], 14, 7)
    period_start = pd.to_datetime(START) + pd.to_timedelta(7 * ww, unit="D")
    period_end = period_start + pd.to_timedelta(span - 1, unit="D")
    deadline = period_end + pd.Timedelta(days=1, hours=17)
    late = rng.random(uu.size) < 0.12
    received = deadline + pd.to_timedelta(np.where(late, rng.uniform(1, 72, uu.size),
                                                   -rng.uniform(1, 40, uu.size)), unit="h")
    replaced = rng.random(uu.size) < 0.05
    n_cur = uu.size
    subs = pd.DataFrame({
        "id": np.arange(1, n_cur + 1), "campaign_code": units["campaign_code"].to_numpy()[uu],
        "unit_code": units["unit_code"].to_numpy()[uu], "period_start": period_start.date,
        "period_end": period_end.date, "version": np.where(replaced, 2, 1), "is_current": True,
        "file_name": "bao_cao.xlsx", "sheet": "Báo cáo", "file_hash": "h", "file_size": 20000,
        "received_at": received + pd.to_timedelta(np.where(replaced, 20, 0), unit="h"),
        "submitted_by": "bench", "source_format": "template", "messages": None,
    })
    old = subs[replaced].copy()
    old["id"] = np.arange(n_cur + 1, n_cur + 1 + len(old))
    old["version"], old["is_current"] = 1, False
    old["received_at"] = received[replaced]
    allsubs = pd.concat([subs, old], ignore_index=True)

    cat = con.execute("select code, is_flag from indicators order by sort").fetchdf()
    n_ind = len(cat)
    rate = rng.uniform(0.5, 6.0, n_ind)
    unit_scale = rng.uniform(0.3, 1.7, n_units)
    sid = np.repeat(allsubs["id"].to_numpy(), n_ind)
    ind = np.tile(np.arange(n_ind), len(allsubs))
    u_of = np.concatenate([uu, uu[replaced]])
    weeks_of = np.repeat(np.where(fortnightly[u_of], 2, 1), n_ind)
    lam = rate[ind] * np.repeat(unit_scale[u_of], n_ind) * weeks_of
    value = rng.poisson(lam).astype(float)
    value = np.where(cat["is_flag"].to_numpy()[ind], (value > 0).astype(float), value)
    value[rng.random(value.size) < 0.0005] *= 40            # a few outliers for the checks
    vals = pd.DataFrame({"submission_id": sid, "indicator_code": cat["code"].to_numpy()[ind],
                         "value": value, "cumulative": np.nan, "sheet": None, "cell": None})
    # "Lũy kế" on current reports of a quarter of the units, mostly right.
    cur = vals["submission_id"] <= n_cur
    with_cum = cur & np.repeat(rng.random(n_units) < 0.25, 1)[np.repeat(u_of, n_ind)]
    order = pd.DataFrame({"u": np.repeat(u_of, n_ind), "i": ind, "ps": np.repeat(
        allsubs["period_start"].to_numpy(), n_ind), "v": value})[with_cum.to_numpy()]
    order = order.sort_values(["u", "i", "ps"])
    cum = order.groupby(["u", "i"])["v"].cumsum() * np.where(rng.random(len(order)) < 0.03, 1.5, 1.0)
    vals.loc[cum.index, "cumulative"] = cum.to_numpy()

    post_subs = subs[rng.random(n_cur) < 0.15]
    k = rng.integers(1, 5, len(post_subs))
    p_sid = np.repeat(post_subs["id"].to_numpy(), k)
    p_unit = np.repeat(post_subs["unit_code"].to_numpy(), k)
    serial = rng.integers(0, 60, p_sid.size)             # repeats across reports: duplicates
    platform = rng.choice(["Facebook", "Zalo", "YouTube", "TikTok"], p_sid.size)
    url = [f"https://{pl.lower()}.com/{u}/{s}" for pl, u, s in zip(platform, p_unit, serial)]
    posts = pd.DataFrame({"submission_id": p_sid, "posted_on": np.repeat(post_subs["period_start"].to_numpy(), k),
                          "platform": platform, "title": "Bài tuyên truyền", "url": url, "url_norm": url})
    t1 = time.perf_counter()
    with db.transaction(con):
        _insert(con, "submissions", allsubs)
        _insert(con, "report_values", vals)
        _insert(con, "report_posts", posts)
    print(f"submissions: {len(allsubs):,}, report_values: {len(vals):,}, report_posts: {len(posts):,} "
          f"({time.perf_counter() - t1:.1f} s)")
    t1 = time.perf_counter()
    rows = rollup.refresh(con, list(camps["code"]))
    print(f"weekly rollup: {sum(rows.values()):,} rows ({time.perf_counter() - t1:.1f} s)")
    con.execute("checkpoint")
    con.close()
    print(f"built {path} in {time.perf_counter() - t0:.1f} s")


def _insert(con, table: str, df: pd.DataFrame) -> None:
    con.register("_frame", df)
    cols = ", ".join(df.columns)
    con.execute(f"insert into {table} ({cols}) select {cols} from _frame")
    con.unregister("_frame")


def params_for(name: str, con, campaigns: list[str], as_of: datetime) -> dict:
    """Arguments for each declared parameter of a query."""
    declared = [p.lstrip("$") for p in queries.header(name)["params"]]
    unit, period = con.execute(
        "select unit_code, period_start from current_reports where campaign_code = $c "
        "order by versions desc, unit_code, period_start limit 1", {"c": campaigns[0]}).fetchone()
    sub = con.execute("select max(submission_id) from current_reports where campaign_code = $c",
                      {"c": campaigns[0]}).fetchone()[0]
    pe = con.execute("select period_end from current_reports where campaign_code = $c and unit_code = $u "
                     "and period_start = $p", {"c": campaigns[0], "u": unit, "p": period}).fetchone()[0]
    province = con.execute("select province_code from campaigns where code = $c", {"c": campaigns[0]}).fetchone()[0]
    values = {"campaign": campaigns, "as_of": as_of, "unit": unit, "phase": 2, "units": None,
              "period_start": period, "period_end": pe, "submission": sub, "week_start": period,
              "era": "2025", "province": province, "since": START, "until": as_of}
    return {p: values[p] for p in declared}


def time_query(name: str, con, params: dict, repeat: int) -> tuple[float, float]:
    """(median, min) in ms of `repeat` warm runs through queries.run."""
    queries.run(name, con, timeout_s=120, **params)                  # warm-up
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        queries.run(name, con, timeout_s=120, **params)
        runs.append(1000 * (time.perf_counter() - t))
    return statistics.median(runs), min(runs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=DB)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--only", nargs="*", help="query names to time (default: all)")
    ap.add_argument("--explain", help="print EXPLAIN ANALYZE of this query (province, then country)")
    args = ap.parse_args(argv)
    if args.rebuild or not args.db.exists():
        build(args.db)
    con = db.connect(args.db)
    con.execute("set enable_progress_bar = false")
    codes = [r[0] for r in con.execute("select code from campaigns order by code").fetchall()]
    largest = con.execute("select campaign_code from campaign_units group by 1 order by count(*) desc, 1 "
                          "limit 1").fetchone()[0]
    as_of = datetime.combine(START + timedelta(days=7 * WEEKS + 1), datetime.max.time())
    print(f"store: {args.db} ({con.execute('select count(*) from report_values').fetchone()[0]:,} values, "
          f"{con.execute('select count(*) from weekly_values').fetchone()[0]:,} rollup rows); "
          f"province = {largest} ({con.execute('select count(*) from campaign_units where campaign_code = $c', {'c': largest}).fetchone()[0]} units), "
          f"country = {len(codes)} campaigns; as_of {as_of:%Y-%m-%d}")
    if args.explain:
        for scope in ([largest], codes):
            p = params_for(args.explain, con, scope, as_of)
            sql = queries.load(args.explain).sql
            bound = {k: queries._bind(k, v) for k, v in p.items() if k in queries.load(args.explain).used}
            print(con.execute("explain analyze " + sql, bound).fetchall()[0][1])
        return 0
    names = args.only or queries.list_queries()
    rollup.ensure_fresh(con)          # the writer's job; queries.run only reads
    runs = []
    for _ in range(9):
        t = time.perf_counter()
        queries.run("data_version", con)
        runs.append(1000 * (time.perf_counter() - t))
    load = os.getloadavg()
    print(f"change signal per page call (query data_version): {statistics.median(runs):.1f} ms; "
          f"{os.cpu_count()} CPUs, load average {load[0]:.1f} at start\n")
    print(f"{'query':30} {'province ms':>17} {'country ms':>17}  {'rows':>8}")
    print(f"{'':30} {'median':>8} {'min':>8} {'median':>8} {'min':>8}  {'(country)':>8}")
    misses = 0
    for name in names:
        pp = params_for(name, con, [largest], as_of)
        pn = params_for(name, con, codes, as_of)
        tp, tp_min = time_query(name, con, pp, args.repeat)
        tn, tn_min = time_query(name, con, pn, args.repeat)
        rows = len(queries.run(name, con, timeout_s=120, **pn))
        flag = ("" if tp <= PROVINCE_TARGET_MS else " province>25") + ("" if tn <= NATION_TARGET_MS else " country>250")
        misses += bool(flag)
        print(f"{name:30} {tp:8.1f} {tp_min:8.1f} {tn:8.1f} {tn_min:8.1f}  {rows:8,}{flag}")
    load = os.getloadavg()
    print(f"\n{len(names) - misses}/{len(names)} queries within both targets (median of {args.repeat} warm "
          f"runs each, through queries.run: planning, execution, DataFrame); "
          f"load average {load[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
