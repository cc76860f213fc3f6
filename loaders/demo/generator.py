"""Demo data: a campaign's weekly reports as the units would send them, written to real files and
ingested through the same path as `python -m loaders ingest`.

For every reporting unit of the campaign and every week from the campaign start to "today" (the
campaign's demo_today unless given), the generator decides, deterministically for a seed, whether the
unit reported, when (on time or late), what (values that follow the tasks assigned to its kind, larger
near milestones, larger web/social activity in phường and more radio and meetings in xã), and how (the
product's template for most files; about a fifth are free-form office files from
loaders/demo/office_formats.py: other layouts, no diacritics, TCVN3, old unit names, .xls, .ods, …).

So that the lagging list has something to say, a few units belong to cohorts that fire each rule of
metrics.md: `stopped` (no report for the last weeks), `sporadic` (low reporting rate), `weak` (behind
plan), `silent` (one assigned channel group always zero), `dropping` (sharp drop in the last two
weeks); `late` units mostly report after the deadline. On top of that come a few broken files that are
rejected, corrected re-sends (a replacing version) and exact re-sends (unchanged).

Files go to data/db/demo/<campaign>/<week>/ (ignored by git), with a manifest.json listing each file
with its unit, week, family and time of receipt.

The time of receipt: ingest_paths takes none (it stamps the current time), so the generator sets
submissions.received_at afterwards (`set_received_at`, demo rows only). Generating again first removes
the campaign's earlier demo submissions (`clear_demo`).

CLI: python -m loaders demo --campaign CODE [--seed N] [--today YYYY-MM-DD] [--out DIR] [--db FILE]
"""
from __future__ import annotations

import json
import random
import shutil
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

import duckdb

from loaders.demo import office_formats as of
# bench/bench_ingest.py imports some of these from here
from loaders.demo.behaviour import (HABIT_SLIP, TEMPLATE_SLIP, Context, Profile, load_context,  # noqa: F401
                                    make_posts, make_profiles, old_names, shared_pool, week_values)
from loaders.store import rollup
from loaders.store.db import ROOT
from loaders.outputs.template import TemplateFiller, Unit, template_filename

DEFAULT_CAMPAIGN = "daklak-2025"
DEFAULT_SEED = 2025
DEMO_ROOT = ROOT / "data" / "db" / "demo"
MARKER = ".cm-demo"
ACTOR = "demo"

Progress = Callable[[int, int, str], None]


# ---------------------------------------------------------------------------------------------
# Planning the files

@dataclass
class Planned:
    rel: str                  # path under the demo folder
    data: bytes
    received_at: datetime
    unit_code: str | None
    week: date | None
    family: str
    intent: str               # report | correction | resend | broken


class Planner:
    def __init__(self, con: duckdb.DuckDBPyConnection, ctx: Context, seed: int, today: date):
        self.con, self.ctx, self.seed, self.today = con, ctx, seed, today
        self.now = datetime(today.year, today.month, today.day, 12, 0)
        self.filler = TemplateFiller(con, ctx.campaign.code)
        self.weeks = [w for w in ctx.campaign.weeks(until=today) if w[1] < today]
        self.files: list[Planned] = []
        self.names: set[str] = set()
        self.province_authority = ctx.campaign.province_authority

    # -- file naming and placing
    def place(self, week: date | None, name: str) -> str:
        folder = week.isoformat() if week else "khac"
        rel = f"{folder}/{name}"
        stem, dot, ext = name.rpartition(".")
        k = 2
        while rel in self.names:
            rel = f"{folder}/{stem} ({k}).{ext}"
            k += 1
        self.names.add(rel)
        return rel

    def add(self, name: str, data: bytes, received: datetime, unit: str | None, week: date | None,
            family: str, intent: str = "report") -> Planned:
        f = Planned(self.place(week, name), data, received, unit, week, family, intent)
        self.files.append(f)
        return f

    # -- one unit's report for one or more weeks
    def received_time(self, week: tuple[date, date], on_time: bool, rng: random.Random) -> datetime:
        deadline = self.ctx.deadline(week[1])
        if on_time:
            start = datetime.combine(week[1] - timedelta(days=2), datetime.min.time()) + timedelta(hours=14)
            span = (deadline - start).total_seconds()
            return start + timedelta(seconds=int(rng.random() * span))
        # late is mostly a day late, now and then a week
        return deadline + timedelta(seconds=int(min(2 * 3600 + rng.expovariate(1 / 86400), 8 * 86400)))

    def parent(self, u: Unit) -> str | None:
        """The line above the unit in a letterhead: the province for a department; under the
        three-level structure (legacy era) the commune's district ("UBND HUYỆN BẮC SƠN"), which also
        tells apart the communes of one name in several districts."""
        if not u.territorial:
            return self.province_authority
        return self.ctx.districts.get(u.code)

    def free_form(self, p: Profile, family: str, week: tuple[date, date], values: dict, cumulative,
                  posts: list[dict], rng: random.Random) -> of.OfficeFile:
        u = p.unit
        parent = self.parent(u)
        seed = rng.randrange(1 << 30)
        kw = dict(seed=seed, parent=parent)
        if family == "old_name" and p.old_name:
            return of.old_name(p.old_name[0], p.old_name[1], week, values, posts, seed=seed, cumulative=cumulative)
        if family == "activity_list":
            return of.activity_list(u.name, week, values, posts, **kw)
        writer = {"copied": of.copied_from_last_year, "no_diacritics": of.no_diacritics, "tcvn3": of.tcvn3,
                  "text_numbers": of.text_numbers, "xls": of.xls, "ods": of.ods}.get(family, of.copied_from_last_year)
        return writer(u.name, week, values, posts, cumulative=cumulative, **kw)

    def plan(self, progress: Progress | None = None) -> dict:
        ctx, seed = self.ctx, self.seed
        n = len(self.weeks)
        olds = old_names(self.con, ctx)
        self.profiles = make_profiles(ctx, seed, n, olds)
        pools = {w[0]: shared_pool(ctx, w, seed) for w in self.weeks}
        stats = {"late": 0, "missing": 0}
        self.reports: list[tuple[Planned, Profile, tuple[date, date], dict, dict | None, list]] = []
        for ui, p in enumerate(self.profiles):
            if progress:
                progress(ui, len(self.profiles), p.unit.name)
            rng = random.Random(f"{seed}:weeks:{p.unit.code}")
            running: dict[str, float] = {}
            held: list = []            # multi_week habit: weeks waiting to go out together
            for wi, week in enumerate(self.weeks):
                values = week_values(ctx, p, wi, n, week, rng)
                send = True
                if p.cohort == "stopped" and wi > (p.stop_after or 0):
                    send = False
                elif p.cohort == "sporadic":
                    send = rng.random() < 0.45
                elif rng.random() < (0.08 if p.cohort == "late" else 0.03):
                    send = False
                on_time = rng.random() < {"late": 0.3, "sporadic": 0.6}.get(p.cohort, 0.9)
                received = self.received_time(week, on_time, rng)
                if not send or received > self.now:
                    stats["missing"] += 1
                    continue
                for code, v in values.items():
                    running[code] = running.get(code, 0) + v
                cumulative = dict(running) if p.fills_cumulative else None
                posts = make_posts(ctx, p, week, values, pools[week[0]], rng) if rng.random() < p.posts_rate else []

                family = p.habit
                if family == "template" and rng.random() < TEMPLATE_SLIP:
                    family = rng.choice(["copied", "no_diacritics", "xls", "text_numbers"])
                elif family != "template" and rng.random() < HABIT_SLIP:
                    family = "template"

                if family == "multi_week" and p.unit.territorial:
                    held.append((week, values))
                    if len(held) < 2 and wi < n - 1:
                        continue
                    received = self.received_time(week, on_time, rng)
                    if received > self.now:
                        received = self.now - timedelta(hours=1)
                    f = of.multi_week(p.unit.name, held, posts, seed=rng.randrange(1 << 30),
                                      parent=self.parent(p.unit))
                    stats["late"] += int(received > ctx.deadline(held[0][0][1]))
                    self.add(f.name, f.data, received, p.unit.code, held[0][0][0], f.family)
                    held = []
                    continue
                stats["late"] += int(received > ctx.deadline(week[1]))

                if family == "template":
                    shown = {c: v for c, v in values.items() if v or not p.leaves_zero_blank}
                    data = self.filler.fill(p.unit.code, week[0], shown, cumulative, posts)
                    f = self.add(template_filename(ctx.campaign.code, p.unit.code, week[0]), data, received,
                                 p.unit.code, week[0], "template")
                else:
                    o = self.free_form(p, family, week, values, cumulative, posts, rng)
                    f = self.add(o.name, o.data, received, p.unit.code, week[0], o.family)
                self.reports.append((f, p, week, values, cumulative, posts))
        self.extras()
        return stats

    # -- re-sends and broken files
    def extras(self) -> None:
        rng = random.Random(f"{self.seed}:extras")
        ctx = self.ctx
        templates = [r for r in self.reports if r[0].family == "template"]
        frees = [r for r in self.reports if r[0].family != "template"]
        if not templates:
            return
        picks = rng.sample(templates, min(len(templates), 6))
        # corrected re-sends: a replacing version a day or two later
        for f, p, week, values, cumulative, posts in picks[:3]:
            fixed = dict(values)
            code = rng.choice(sorted(c for c in values if c not in ctx.flags) or sorted(values))
            fixed[code] = values[code] + rng.randint(1, 5)
            when = min(f.received_at + timedelta(hours=rng.randint(20, 40)), self.now - timedelta(minutes=30))
            if when <= f.received_at:
                continue
            data = self.filler.fill(p.unit.code, week[0], fixed, cumulative, posts)
            name = template_filename(ctx.campaign.code, p.unit.code, week[0]).replace(".xlsx", " - sua lai.xlsx")
            self.add(name, data, when, p.unit.code, week[0], "template", "correction")
        # exact re-sends: the same bytes, minutes later
        for f, *_ in picks[3:]:
            when = f.received_at + timedelta(minutes=rng.randint(5, 90))
            if when < self.now:
                name = f.rel.split("/", 1)[1].replace(".xlsx", " (1).xlsx")
                self.add(name, f.data, when, f.unit_code, f.week, f.family, "resend")

        # broken files, each some hours before the unit's good file (it then sent a fixed one)
        base = rng.sample(frees or templates, min(len(frees or templates), 5))
        kinds = ["broken_random_bytes", "broken_truncated_zip", "broken_negative", "broken_unknown_unit",
                 "broken_period_outside"]
        for kind, (f, p, week, values, cumulative, posts) in zip(kinds, base):
            when = f.received_at - timedelta(hours=rng.randint(1, 20))
            s = rng.randrange(1 << 30)
            if kind == "broken_random_bytes":
                o = of.broken_random_bytes(s, name=f"Bao cao tuan {week[0].day:02d}-{week[0].month:02d}.xlsx")
            elif kind == "broken_truncated_zip":
                o = of.broken_truncated_zip(p.unit.name, week, values, seed=s, parent=self.parent(p.unit))
            elif kind == "broken_negative":
                o = of.broken_negative(p.unit.name, week, values, seed=s, parent=self.parent(p.unit))
            elif kind == "broken_unknown_unit":
                o = of.broken_unknown_unit(week, values, seed=s)
            else:  # last year's file sent again without changing the dates
                old = (week[0] - timedelta(days=364), week[1] - timedelta(days=364))
                o = of.broken_period_outside(p.unit.name, old, values, seed=s, parent=self.parent(p.unit))
            self.add(o.name, o.data, when, None if kind == "broken_unknown_unit" else p.unit.code,
                     week[0], o.family, "broken")


# ---------------------------------------------------------------------------------------------
# Ingestion and receipt times

def _ingest(con, paths: list[Path], campaign_code: str, progress):
    """The same path as `python -m loaders ingest`: ingest_paths, files in the order given."""
    from loaders.ingest import pipeline as ingest

    return ingest.ingest_paths(con, [str(p) for p in paths], campaign_code, actor=ACTOR, progress=progress,
                               refresh=False)   # generate refreshes once the receipt times are set


def set_received_at(con: duckdb.DuckDBPyConnection, campaign_code: str,
                    times: dict[str, datetime]) -> int:
    """Give the demo's submissions their time of receipt (stored file name → time): ingest_paths has
    no received_at parameter and stamps now(). Only rows submitted by the demo actor are touched.
    Returns the rows updated."""
    if not times:
        return 0
    con.execute("create or replace temp table _demo_received (file_name varchar, received_at timestamp)")
    con.executemany("insert into _demo_received values (?, ?)", [[k, v] for k, v in times.items()])
    n = con.execute(
        """update submissions s set received_at = r.received_at
           from _demo_received r
           where s.campaign_code = ? and s.file_name = r.file_name and s.submitted_by = ?""",
        [campaign_code, ACTOR]).fetchall()
    con.execute("drop table _demo_received")
    return int(n[0][0]) if n else 0


# ---------------------------------------------------------------------------------------------
# API

def clear_demo(con: duckdb.DuckDBPyConnection, campaign_code: str) -> int:
    """Remove an earlier demo of the campaign (submissions by the demo actor, their values and
    posts), so that generating again gives the same store; returns the submissions removed."""
    from loaders.store.db import audit, transaction

    ids = "select id from submissions where campaign_code = ? and submitted_by = ?"
    n = con.execute(f"select count(*) from ({ids})", [campaign_code, ACTOR]).fetchone()[0]
    if n:
        with transaction(con):
            con.execute(f"delete from report_values where submission_id in ({ids})", [campaign_code, ACTOR])
            con.execute(f"delete from report_posts where submission_id in ({ids})", [campaign_code, ACTOR])
            con.execute("delete from submissions where campaign_code = ? and submitted_by = ?", [campaign_code, ACTOR])
            audit(con, ACTOR, "demo.clear", campaign_code, json.dumps({"submissions": n}))
    return n


def default_out(campaign_code: str) -> Path:
    return DEMO_ROOT / campaign_code


def _prepare_out(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise ValueError(f"Thư mục “{out}” đã có tệp không phải do trình sinh dữ liệu minh họa tạo; "
                             "chọn một thư mục trống.")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("Thư mục dữ liệu minh họa: bị xóa và tạo lại mỗi lần sinh.\n", encoding="utf-8")


def generate(con: duckdb.DuckDBPyConnection, campaign_code: str = DEFAULT_CAMPAIGN, seed: int = DEFAULT_SEED,
             today: date | None = None, out_dir: str | Path | None = None,
             progress: Progress | None = None) -> dict:
    """Write the demo files of a campaign and ingest them; return a summary (deterministic for a
    seed: same files, same statuses, same stored values)."""
    ctx = load_context(con, campaign_code)
    today = today or ctx.demo_today or date.today()
    out = Path(out_dir) if out_dir else default_out(campaign_code)
    _prepare_out(out)
    clear_demo(con, campaign_code)

    # One bar for the three stages: make the files (30%), write them (10%), ingest them (60%).
    ticks = 1000
    stage = lambda lo, hi, label: (lambda i, n, _name="": progress(lo + (hi - lo) * i // max(n, 1), ticks, label)) \
        if progress else None

    planner = Planner(con, ctx, seed, today)
    stats = planner.plan(stage(0, 300, "Tạo tệp báo cáo"))
    files = sorted(planner.files, key=lambda f: (f.received_at, f.rel))
    total = len(files)
    write = stage(300, 400, "Ghi tệp báo cáo")
    for i, f in enumerate(files):
        path = out / f.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f.data)
        if write and i % 50 == 0:
            write(i, total)
    manifest = [{"file": f.rel, "unit": f.unit_code, "week": f.week.isoformat() if f.week else None,
                 "family": f.family, "intent": f.intent, "received_at": f.received_at.isoformat()}
                for f in files]
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")

    results = _ingest(con, [out / f.rel for f in files], campaign_code, stage(400, ticks, "Nạp báo cáo"))
    # ingest_paths stores str(path) as the file name and stamps now(): give each file its time
    set_received_at(con, campaign_code, {str(out / f.rel): f.received_at for f in files})
    rollup.refresh(con, campaign_code)      # the writer refreshes the rollup: reads never write
    if progress:
        progress(ticks, ticks, "Xong")

    status: dict[str, int] = {}
    by_intent: dict[str, dict[str, int]] = {}
    for f, r in zip(files, results):
        status[r.status] = status.get(r.status, 0) + 1
        d = by_intent.setdefault(f.intent, {})
        d[r.status] = d.get(r.status, 0) + 1
    families: dict[str, int] = {}
    for f in files:
        families[f.family] = families.get(f.family, 0) + 1
    cohorts: dict[str, list[str]] = {}
    for p in planner.profiles:
        if p.cohort != "regular":
            cohorts.setdefault(p.cohort, []).append(p.unit.code)
    return {
        "campaign": campaign_code, "seed": seed, "today": today.isoformat(), "out_dir": str(out),
        "units": len(ctx.units), "weeks": len(planner.weeks), "files": total,
        "status": dict(sorted(status.items())), "by_intent": by_intent,
        "families": dict(sorted(families.items())),
        "free_form_share": round(1 - families.get("template", 0) / total, 3) if total else 0.0,
        "late": stats["late"], "missing": stats["missing"],
        "cohorts": cohorts,
    }


def ensure_demo(con: duckdb.DuckDBPyConnection, progress: Progress | None = None) -> bool:
    """Fill an empty store with the demo of the default campaign; False when submissions exist."""
    if con.execute("select count(*) from submissions").fetchone()[0]:
        return False
    if not con.execute("select count(*) from campaigns where code = ?", [DEFAULT_CAMPAIGN]).fetchone()[0]:
        from loaders import setup as bootstrap

        bootstrap.ensure_ready(con)
    generate(con, DEFAULT_CAMPAIGN, progress=progress)
    return True
