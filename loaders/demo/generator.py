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
import math
import random
import shutil
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

import duckdb

from loaders.demo import office_formats as of
from loaders.store.db import ROOT
from loaders.outputs.template import TemplateFiller, Unit, load_campaign, template_filename
from loaders.reference.campaign_model import Campaign

DEFAULT_CAMPAIGN = "daklak-2025"
DEFAULT_SEED = 2025
DEMO_ROOT = ROOT / "data" / "db" / "demo"
MARKER = ".cm-demo"
ACTOR = "demo"

Progress = Callable[[int, int, str], None]

# Weekly mean of each indicator for an average commune when its task sets no minimum.
BASE_RATE = {
    "bc_tin_bai": 10, "bc_truyen_hinh": 2, "bc_phat_thanh": 3, "bc_chuyen_muc": 0.4,
    "ttcs_tin_bai": 6, "ttcs_thoi_luong": 120, "ttcs_ban_tin": 1,
    "web_tin_bai": 3, "mxh_facebook": 4, "mxh_zalo": 4, "mxh_youtube": 0.6, "mxh_tiktok": 0.8,
    "mxh_khac": 0.5, "mxh_tuong_tac": 350, "mxh_avatar": 15,
    "tq_bang_ron": 2, "tq_pano": 1, "tq_co": 15, "tq_to_gap": 60, "tq_led": 0.5,
    "m_hoi_nghi": 2, "m_luot_nguoi": 150, "m_bao_cao_vien": 0.8,
    "vh_bieu_dien": 0.6, "vh_luu_dong": 0.6, "vh_trien_lam": 0.2, "vh_the_thao": 0.8,
    "ct_cuoc_thi": 0.2, "ct_luot_du_thi": 40, "pb_tin_bai": 1.5,
}
# Phường post more on the web and social networks; xã broadcast and meet more.
KIND_MIX = {
    "phuong": {"web": 1.6, "mxh": 1.5, "ttcs": 0.8, "mieng": 0.8, "truc_quan": 1.1},
    "xa": {"web": 0.6, "mxh": 0.8, "ttcs": 1.3, "mieng": 1.3, "truc_quan": 0.9},
    "thi_tran": {"web": 1.0, "mxh": 1.1, "ttcs": 1.1, "mieng": 1.0},
    "bao_chi": {"bao_chi": 3.0, "phan_bac": 2.0},
    "so_nganh": {"web": 1.5, "mxh": 1.5},
}
# Share of territorial units in each cohort (at least two units each).
COHORTS = (("stopped", 0.03), ("sporadic", 0.04), ("weak", 0.05), ("silent", 0.05),
           ("dropping", 0.04), ("late", 0.08))
# Free-form habits of the units that do not use the template, with their weights.
HABITS = (("copied", 24), ("no_diacritics", 12), ("tcvn3", 12), ("text_numbers", 12), ("xls", 12),
          ("ods", 8), ("activity_list", 8), ("old_name", 8), ("multi_week", 4))
FREE_FORM_UNITS = 0.16      # share of units whose habit is a free-form file
TEMPLATE_SLIP = 0.04        # chance a template unit sends a free-form file one week
HABIT_SLIP = 0.12           # chance a free-form unit uses the template one week

POST_TITLES = [
    "{unit} tổ chức hội nghị tuyên truyền Đại hội Đảng bộ các cấp",
    "{unit}: Treo cờ, băng rôn chào mừng Đại hội",
    "Đoàn viên thanh niên {unit} ra quân tuyên truyền Đại hội",
    "{unit} phát động thay ảnh đại diện chào mừng Đại hội",
    "Người dân {unit} phấn khởi hướng về Đại hội",
    "Hội Liên hiệp Phụ nữ {unit} tuyên truyền Đại hội tại các thôn, buôn",
    "{unit} tổ chức giải thể thao chào mừng Đại hội",
]
SHARED_TITLES = [
    "Đại hội đại biểu Đảng bộ tỉnh {prov}: Đoàn kết - Dân chủ - Kỷ cương - Đột phá - Phát triển",
    "Toàn văn dự thảo các văn kiện trình Đại hội XIV của Đảng",
    "Tỉnh {prov} sẵn sàng cho Đại hội đại biểu Đảng bộ tỉnh",
    "Infographic: Những con số ấn tượng của tỉnh {prov} nhiệm kỳ qua",
    "Lấy ý kiến Nhân dân góp ý dự thảo văn kiện Đại hội XIV",
    "Khai mạc trọng thể Đại hội đại biểu Đảng bộ tỉnh {prov}",
    "Bế mạc Đại hội: Ban Chấp hành Đảng bộ tỉnh {prov} khóa mới ra mắt",
    "Đại hội XIV của Đảng: Kỷ nguyên vươn mình của dân tộc",
]


# ---------------------------------------------------------------------------------------------
# Campaign context

@dataclass
class Context:
    """The campaign (the one model) and what the generator needs beside it: units and assignments."""
    campaign: Campaign
    tasks: dict[str, list[tuple[str, str, float | None, float | None]]]  # kind → (code, group, min/wk, min/phase)
    flags: set[str]
    groups: dict[str, str]                                               # code → group
    units: list[Unit]
    province_slug: str
    districts: dict[str, str]        # unit code → its district's name (legacy-era communes)

    @property
    def era(self) -> str:
        return self.campaign.era

    @property
    def demo_today(self) -> date | None:
        return self.campaign.demo_today

    @property
    def milestones(self) -> list[date]:
        return sorted(m.date for m in self.campaign.milestones)

    def deadline(self, week_end: date) -> datetime:
        return self.campaign.deadline(week_end)

    def phase_of(self, day: date) -> tuple[date, date]:
        p = self.campaign.phase_of(day)
        return (p.start, p.end) if p else (self.campaign.start, self.campaign.end)


def load_context(con: duckdb.DuckDBPyConnection, campaign_code: str) -> Context:
    campaign = load_campaign(con, campaign_code)
    tasks: dict[str, list] = {}
    for kind, code, group, mw, mp in con.execute(
            """select t.unit_kind, i.code, i.group_code, max(t.min_per_week), max(t.min_per_phase)
               from tasks t
               join indicators i on i.code = t.indicator_code
                                 or (t.indicator_code is null and i.group_code = t.group_code)
               where t.campaign_code = ?
               group by all order by t.unit_kind, min(i.sort)""", [campaign_code]).fetchall():
        tasks.setdefault(kind, []).append((code, group, mw, mp))
    flags = {c for (c,) in con.execute("select code from indicators where is_flag").fetchall()}
    groups = dict(con.execute("select code, group_code from indicators").fetchall())
    units = [Unit(*r) for r in con.execute(
        """select unit_code, name, short_name, kind, territorial from campaign_units
           where campaign_code = ? order by territorial desc, unit_code""", [campaign_code]).fetchall()]
    slug = of.ascii_name(campaign.province_name or campaign.province).lower().replace("_", "")
    for prefix in ("tinh", "thanhpho"):
        if slug.startswith(prefix) and len(slug) > len(prefix) + 2:
            slug = slug[len(prefix):]
    districts = dict(con.execute(
        """select cu.unit_code, d.name from campaign_units cu join districts d on d.code = cu.district_code
           where cu.campaign_code = ? and cu.territorial""", [campaign_code]).fetchall())
    return Context(campaign, tasks, flags, groups, units, slug, districts)


def old_names(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, list[tuple[str, str]]]:
    """New unit code → [(old commune name, old district short name)] of the pre-2025 communes whose
    default successor it is (2025-era campaigns only)."""
    if ctx.era != "2025":
        return {}
    rows = con.execute(
        """select h.new_code, o.name, d.name
           from unit_history h
           join units o on o.era = 'legacy' and o.code = h.old_code
           join districts d on d.code = o.district_code
           join campaign_units cu on cu.campaign_code = ? and cu.unit_code = h.new_code
           where h.is_default and o.kind in ('xa', 'phuong', 'thi_tran')
           order by h.new_code, h.old_code""", [ctx.campaign.code]).fetchall()
    out: dict[str, list] = {}
    for new, old, district in rows:
        out.setdefault(new, []).append((old, district_short(district)))
    return out


def district_short(name: str) -> str:
    """"Thành phố Buôn Ma Thuột" → "TP Buôn Ma Thuột", "Thị Xã Buôn Hồ" → "TX Buôn Hồ"."""
    low = name.lower()
    for long, short in (("thành phố ", "TP "), ("thị xã ", "TX "), ("huyện ", "Huyện ")):
        if low.startswith(long):
            return short + name[len(long):]
    return name


# ---------------------------------------------------------------------------------------------
# Units: size, cohort, habit

@dataclass
class Profile:
    unit: Unit
    size: float
    seed: int = 0
    cohort: str = "regular"
    habit: str = "template"
    stop_after: int | None = None        # index of the last week reported (stopped cohort)
    silent_group: str | None = None
    old_name: tuple[str, str] | None = None
    fills_cumulative: bool = False
    posts_rate: float = 0.0
    leaves_zero_blank: bool = False
    scale: dict[str, float] = field(default_factory=dict)  # indicator → the unit's own multiplier


def make_profiles(ctx: Context, seed: int, n_weeks: int, olds: dict) -> list[Profile]:
    rng = random.Random(f"{seed}:profiles:{ctx.campaign.code}")
    profiles = []
    for u in ctx.units:
        r = random.Random(f"{seed}:unit:{u.code}")
        p = Profile(u, size=math.exp(r.gauss(0, 0.35)), seed=seed)
        p.fills_cumulative = r.random() < 0.5
        p.leaves_zero_blank = r.random() < 0.4
        p.posts_rate = {"phuong": 0.45, "so_nganh": 0.5, "bao_chi": 0.6}.get(u.kind, 0.2)
        for code, *_ in ctx.tasks.get(u.kind, []):
            p.scale[code] = r.uniform(1.15, 1.8)
        if u.code in olds and r.random() < 0.5:
            p.old_name = olds[u.code][r.randrange(len(olds[u.code]))]
        profiles.append(p)

    territorial = [p for p in profiles if p.unit.territorial]
    rng.shuffle(territorial)
    i = 0
    for cohort, share in COHORTS:
        n = max(2, round(share * len(territorial)))
        for p in territorial[i:i + n]:
            p.cohort = cohort
            r = random.Random(f"{seed}:cohort:{p.unit.code}")
            if cohort == "stopped":
                p.stop_after = max(0, n_weeks - 1 - r.choice([2, 3, 4, 5]))
            elif cohort == "silent":
                groups = sorted({g for _, g, *_ in ctx.tasks.get(p.unit.kind, [])})
                p.silent_group = r.choice(groups) if len(groups) > 1 else None
        i += n

    # Units with a free-form habit: every habit at least once (old names only where a pre-2025
    # commune maps to the unit), then by weight.
    pool = sorted(profiles, key=lambda p: p.unit.code)
    rng.shuffle(pool)
    free = pool[:max(len(HABITS), round(FREE_FORM_UNITS * len(pool)))]
    names, weights = zip(*HABITS)
    for i, p in enumerate(free):
        habit = names[i] if i < len(names) else rng.choices(names, weights)[0]
        if habit in ("old_name", "multi_week") and not p.unit.territorial:
            habit = "copied"
        if habit == "old_name" and not p.old_name:
            with_old = [q for q in profiles if q.old_name and q.habit == "template" and q not in free]
            if with_old:
                q = with_old[0]
                q.habit = "old_name"
                habit = "copied"
            else:
                habit = "copied"
        p.habit = habit
    return profiles


# ---------------------------------------------------------------------------------------------
# Values

def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    k, p, limit = 0, rng.random(), math.exp(-lam)
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def milestone_boost(ctx: Context, day: date) -> float:
    """Activity rises over the weeks before a milestone and ebbs after it."""
    b = 0.0
    for m in ctx.milestones:
        d = (m - day).days
        b += 1.1 * math.exp(-d / 12) if d >= 0 else 0.5 * math.exp(d / 8)
    return 1.0 + b


def lump_week(ctx: Context, p: Profile, code: str, phase: tuple[date, date]) -> date:
    """The week (start) of a phase in which a unit does the bulk of a per-phase task (hangs its
    flags, runs its avatar drive): one of the first third of the phase's weeks."""
    weeks = [w for w in ctx.campaign.weeks() if phase[0] <= w[0] + timedelta(days=3) <= phase[1]]
    if not weeks:
        return phase[0]
    r = random.Random(f"{p.seed}:lump:{p.unit.code}:{code}:{phase[0]}")
    return weeks[r.randrange(max(1, len(weeks) // 3))][0]


def week_values(ctx: Context, p: Profile, wi: int, n_weeks: int, week: tuple[date, date],
                rng: random.Random) -> dict[str, float]:
    """One unit's values for one week: the tasks of its kind, around (mostly above) their minimums,
    scaled by the unit's size and kind, raised near milestones, lowered for the lagging cohorts."""
    mid = week[0] + timedelta(days=3)
    boost = milestone_boost(ctx, mid)
    phase = ctx.phase_of(mid)
    phase_weeks = max(1.0, ((phase[1] - phase[0]).days + 1) / 7)
    mix = KIND_MIX.get(p.unit.kind, {})
    cohort = 1.0
    if p.cohort == "weak":
        cohort = 0.3
    if p.cohort == "dropping" and wi >= n_weeks - 2:
        cohort = 0.1
    values: dict[str, float] = {}
    for code, group, mw, mp in ctx.tasks.get(p.unit.kind, []):
        if p.silent_group == group:
            values[code] = 0
            continue
        if code in ctx.flags:
            values[code] = 1 if rng.random() < (0.5 if p.cohort == "weak" else 0.92) else 0
            continue
        scale = p.scale.get(code, 1.3)
        size = p.size * mix.get(group, 1.0)
        if mw:      # a weekly minimum: a small unit still aims at it
            mean = mw * scale * max(0.9, size)
        elif mp and mp / phase_weeks >= 0.5:   # a minimum per phase: spread over its weeks
            mean = mp / phase_weeks * scale * max(0.9, size)
        elif mp:    # a few per phase (one conference, five banners): done in one early week
            mean = 0.1 * mp / phase_weeks
            if week[0] == lump_week(ctx, p, code, phase):
                mean += mp * scale
        else:
            mean = BASE_RATE.get(code, 1.0) * scale * size
        values[code] = poisson(rng, mean * boost * cohort)
    return values


# ---------------------------------------------------------------------------------------------
# Posts

def slug(text: str) -> str:
    return of.ascii_name(text).lower().replace("_", "-")


def shared_pool(ctx: Context, week: tuple[date, date], seed: int) -> list[dict]:
    """Articles of the province portal and newspaper that week, which many units re-share."""
    r = random.Random(f"{seed}:shared:{week[0]}")
    prov = ctx.campaign.province_name.replace("Tỉnh ", "")
    out = []
    for k in range(4):
        title = r.choice(SHARED_TITLES).format(prov=prov)
        n = 100000 + r.randrange(900000)
        host = r.choice([f"https://{ctx.province_slug}.gov.vn/tin-tuc/", f"https://bao{ctx.province_slug}.vn/chinh-tri/"])
        out.append({"title": title, "url": f"{host}{slug(title)}-{n}.html",
                    "posted_on": week[0] + timedelta(days=r.randrange(7))})
    return out


def make_posts(ctx: Context, p: Profile, week: tuple[date, date], values: dict[str, float],
               pool: list[dict], rng: random.Random) -> list[dict]:
    counts = [("Facebook", values.get("mxh_facebook", 0)), ("Zalo", values.get("mxh_zalo", 0)),
              ("YouTube", values.get("mxh_youtube", 0)), ("TikTok", values.get("mxh_tiktok", 0)),
              ("Cổng TTĐT", values.get("web_tin_bai", 0)), ("Báo điện tử", values.get("bc_tin_bai", 0))]
    posts, used = [], set()
    name = p.unit.short_name if p.unit.territorial else p.unit.name
    page = slug(name).replace("-", "")
    for platform, n in counts:
        for _ in range(min(int(n), 4)):
            day = week[0] + timedelta(days=rng.randrange(7))
            fresh = [a for a in pool if a["url"] not in used]
            if fresh and rng.random() < 0.35:   # a re-share of a provincial article: same URL elsewhere
                a = rng.choice(fresh)
                used.add(a["url"])
                url = a["url"]
                if rng.random() < 0.3:    # the same link as people paste it
                    url = rng.choice([url.replace("https://", "http://"), url + "?utm_source=zalo",
                                      url + "/", url.replace("https://", "https://www.")])
                posts.append({"posted_on": a["posted_on"], "platform": platform, "title": a["title"], "url": url})
                continue
            title = rng.choice(POST_TITLES).format(unit=name)
            n_id = rng.randrange(10**14, 10**15)
            url = {
                "Facebook": f"https://www.facebook.com/{page}/posts/{n_id}",
                "Zalo": f"https://zalo.me/s/{page}/{n_id % 10**9}",
                "YouTube": f"https://www.youtube.com/watch?v={of.ascii_name(str(n_id))[:11]}",
                "TikTok": f"https://www.tiktok.com/@{page}/video/{n_id}",
                "Cổng TTĐT": f"https://{page}.{ctx.province_slug}.gov.vn/tin-tuc/{slug(title)}-{n_id % 10**6}.html",
                "Báo điện tử": f"https://bao{ctx.province_slug}.vn/{slug(title)}-{n_id % 10**6}.html",
            }[platform]
            posts.append({"posted_on": day, "platform": platform, "title": title, "url": url})
    rng.shuffle(posts)
    return posts[:12]


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

    return ingest.ingest_paths(con, [str(p) for p in paths], campaign_code, actor=ACTOR, progress=progress)


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
