"""How demo units behave: the campaign context, each unit's profile (cohort, habit, reliability) and
what it reports each week (values that follow its tasks, larger near milestones; posts with titles).

Used by loaders/demo/generator.py (which writes and ingests the files) and bench/bench_ingest.py.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb

from loaders.demo import office_formats as of
from loaders.outputs.template import Unit, load_campaign
from loaders.reference.campaign_model import Campaign

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
