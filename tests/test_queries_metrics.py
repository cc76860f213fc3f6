"""Hand-worked metrics on a tiny campaign built row by row (queries/, migration 020).

The campaign "tq" runs Monday 06/10/2025 – Sunday 30/11/2025: eight Monday weeks
    W1 06/10–12/10  W2 13/10–19/10  W3 20/10–26/10  W4 27/10–02/11
    W5 03/11–09/11  W6 10/11–16/11  W7 17/11–23/11  W8 24/11–30/11
report deadline: the Monday after the week, 17:00. Phase 1 runs 06/10–22/10 (17 days, ends on the
Wednesday of W3), phase 2 23/10–30/11 (39 days): W3 is split 3 days / 4 days.

Reporting units: communes X1, X2, X3 (xa), ward P1 (phuong), department S1 (so_nganh). A legacy-era
unit of the same province (L1) is not part of the campaign. Tasks:
    xa, phuong: ttcs_tin_bai 2 a week; the whole mxh group 10 a phase; tq_co without minimum
                (channel groups assigned: ttcs, mxh, truc_quan)
    so_nganh:   web_tin_bai 1 a week (group web)
Targets: ttcs_tin_bai phase 1 = 2 × 17/7 = 34/7, phase 2 = 2 × 39/7 = 78/7; mxh 10; web_tin_bai
phase 2 = 39/7.

Reports (received_at is the arrival of the version):
    X1  W1–W6 weekly, each on the Monday after at 09:00 (on time). ttcs_tin_bai 3, mxh_facebook 5,
        tq_co 2 a week in W1–W4 (activity 10/week), then 1, 1, 0 in W5–W6 (activity 2/week): a
        sharp drop. Lũy kế of ttcs_tin_bai 3, 6, 9, 15 (wrong: 12), 13, 14.
    X2  W1 on time (ttcs 2, zalo 3); W2 late, Tue 21/10 09:00 (ttcs 2); W3 version 1 on time
        (ttcs 1), replaced on Wed 29/10 by version 2 (ttcs 7, zalo 0); nothing after.
    X3  never reports.
    P1  W1 (ttcs 3, fb 2); one report for W2+W3 (13/10–26/10, 14 days: ttcs 14, fb 28) received
        Mon 27/10 12:00 — late for W2 (deadline 20/10), on time for W3; W4–W6 weekly (ttcs 3, fb 4,
        tq_co 1). Post lists: W4 lists a, b, b; W5 lists b, c.
    S1  W1–W6 weekly on Mondays 10:00, web_tin_bai 1.
    X1's W1 report lists post a (the URL P1 lists too).
The main as-of day is Wednesday 19/11/2025 (end of day): W1–W6 are due (W7's deadline is 24/11).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

import queries
from loaders.store import db
from loaders.store import rollup
from loaders.reference import indicators

CAMPAIGN = "tq"
AS_OF = date(2025, 11, 19)
START = date(2025, 10, 6)
WEEKS = [START + timedelta(days=7 * i) for i in range(8)]     # W1 … W8 (week starts)


def monday_after(week: int, hour: int, day_offset: int = 0) -> datetime:
    """The Monday after week `week` (1-based) at `hour`, plus day_offset days."""
    return datetime.combine(WEEKS[week - 1] + timedelta(days=7 + day_offset), datetime.min.time()) \
        + timedelta(hours=hour)


def _insert(con, table: str, rows: list[dict]) -> None:
    df = pd.DataFrame(rows)
    con.register("_rows", df)
    con.execute(f"insert into {table} by name select * from _rows")
    con.unregister("_rows")


_built: dict[str, str] = {}      # params → a finished fixture file, copied for each new one


def build_fixture(path, params: dict | None = None) -> None:
    """Write the fixture store to `path` (built once per parameter set, then copied)."""
    key = json.dumps(params or {}, sort_keys=True)
    if key in _built and os.path.exists(_built[key]):
        shutil.copyfile(_built[key], path)
        return
    _build(path, params)
    template = os.path.join(tempfile.mkdtemp(prefix="cm_queries_"), "template.duckdb")
    shutil.copyfile(path, template)
    _built[key] = template


def _build(path, params: dict | None) -> None:
    con = db.connect(path)
    indicators.load(con)
    _insert(con, "provinces", [{"era": "2025", "code": "99", "name": "Tỉnh Thử", "short_name": "Thử"}])
    _insert(con, "units", [
        {"era": "2025", "code": c, "name": n, "short_name": n.split(" ", 1)[1], "kind": k,
         "province_code": "99"}
        for c, n, k in [("X1", "Xã An", "xa"), ("X2", "Xã Bình", "xa"), ("X3", "Xã Cường", "xa"),
                        ("P1", "Phường Đông", "phuong")]
    ] + [{"era": "legacy", "code": "L1", "name": "Xã Cũ", "short_name": "Cũ", "kind": "xa",
          "province_code": "99"}])
    _insert(con, "campaigns", [{
        "code": CAMPAIGN, "title": "Kế hoạch thử", "issuer": "Sở thử", "province_code": "99",
        "era": "2025", "start_date": START, "end_date": date(2025, 11, 30), "week_start": 1,
        "deadline_days": 1, "deadline_hour": 17, "demo_today": AS_OF,
        "params": json.dumps(params or {}), "source_file": "test", "loaded_at": datetime(2025, 1, 1),
    }])
    _insert(con, "phases", [
        {"campaign_code": CAMPAIGN, "number": 1, "name": "Đợt 1", "start_date": START,
         "end_date": date(2025, 10, 22)},
        {"campaign_code": CAMPAIGN, "number": 2, "name": "Đợt 2", "start_date": date(2025, 10, 23),
         "end_date": date(2025, 11, 30)},
    ])
    _insert(con, "milestones", [{"campaign_code": CAMPAIGN, "code": "dh", "name": "Đại hội",
                                 "date": date(2025, 10, 22)}])
    _insert(con, "reporting_kinds", [{"campaign_code": CAMPAIGN, "kind": k, "name": n}
                                     for k, n in [("xa", "Xã"), ("phuong", "Phường"),
                                                  ("so_nganh", "Sở, ban, ngành")]])
    _insert(con, "org_units", [{"campaign_code": CAMPAIGN, "code": "S1", "name": "Sở Văn hóa",
                                "kind": "so_nganh"}])
    commune_tasks = [("ttcs", "ttcs_tin_bai", 2.0, None), ("mxh", None, None, 10.0),
                     ("truc_quan", "tq_co", None, None)]
    _insert(con, "tasks", [
        {"campaign_code": CAMPAIGN, "unit_kind": k, "group_code": g, "indicator_code": i,
         "min_per_week": w, "min_per_phase": p, "is_example": True}
        for k in ("xa", "phuong") for g, i, w, p in commune_tasks
    ] + [{"campaign_code": CAMPAIGN, "unit_kind": "so_nganh", "group_code": "web",
          "indicator_code": "web_tin_bai", "min_per_week": 1.0, "is_example": True}])

    subs, vals, posts = [], [], []

    def report(unit, start, end, received, values, version=1, current=True, cumulative=None,
               urls=()):
        sid = len(subs) + 1
        subs.append({"id": sid, "campaign_code": CAMPAIGN, "unit_code": unit, "period_start": start,
                     "period_end": end, "version": version, "is_current": current,
                     "file_name": f"{unit}_{start:%m%d}_v{version}.xlsx", "file_hash": f"h{sid}",
                     "file_size": 1000, "received_at": received, "submitted_by": "test",
                     "source_format": "template"})
        for code, v in values.items():
            vals.append({"submission_id": sid, "indicator_code": code, "value": float(v),
                         "cumulative": (cumulative or {}).get(code)})
        for u in urls:
            posts.append({"submission_id": sid, "platform": "Facebook", "url": u, "url_norm": u})
        return sid

    def week(unit, w, received, values, **kw):
        return report(unit, WEEKS[w - 1], WEEKS[w - 1] + timedelta(days=6), received, values, **kw)

    x1_cum = [3, 6, 9, 15, 13, 14]
    for w in range(1, 7):
        v = {"ttcs_tin_bai": 3, "mxh_facebook": 5, "tq_co": 2} if w <= 4 else \
            {"ttcs_tin_bai": 1, "mxh_facebook": 1, "tq_co": 0}
        week("X1", w, monday_after(w, 9), v, cumulative={"ttcs_tin_bai": float(x1_cum[w - 1])},
             urls=["https://fb.com/a"] if w == 1 else ())
    week("X2", 1, monday_after(1, 8), {"ttcs_tin_bai": 2, "mxh_zalo": 3})
    week("X2", 2, monday_after(2, 9, day_offset=1), {"ttcs_tin_bai": 2})
    week("X2", 3, monday_after(3, 10), {"ttcs_tin_bai": 1}, current=False)
    week("X2", 3, monday_after(3, 15, day_offset=2), {"ttcs_tin_bai": 7, "mxh_zalo": 0}, version=2)
    week("P1", 1, monday_after(1, 11), {"ttcs_tin_bai": 3, "mxh_facebook": 2})
    report("P1", WEEKS[1], WEEKS[2] + timedelta(days=6), monday_after(3, 12),
           {"ttcs_tin_bai": 14, "mxh_facebook": 28})
    for w in (4, 5, 6):
        week("P1", w, monday_after(w, 12), {"ttcs_tin_bai": 3, "mxh_facebook": 4, "tq_co": 1},
             urls={4: ["https://fb.com/a", "https://fb.com/b", "https://fb.com/b"],
                   5: ["https://fb.com/b", "https://fb.com/c"]}.get(w, ()))
    for w in range(1, 7):
        week("S1", w, monday_after(w, 10), {"web_tin_bai": 1})
    _insert(con, "submissions", subs)
    _insert(con, "report_values", vals)
    _insert(con, "report_posts", posts)
    # a unit's contact and a reminder sent to it (issue 15: unit_contacts, reminder_log)
    _insert(con, "unit_contacts", [{"campaign_code": CAMPAIGN, "unit_code": "X2", "person": "Nguyễn Văn An",
                                    "phone": "0912345678", "email": "xabinh@example.vn", "zalo": None,
                                    "updated_at": datetime(2025, 10, 1), "updated_by": "test"}])
    _insert(con, "reminders", [{"campaign_code": CAMPAIGN, "unit_code": "X2", "week_start": WEEKS[3],
                                "channel": "email", "recipient": "xabinh@example.vn",
                                "sent_at": datetime(2025, 11, 4, 8), "sent_by": "test"}])
    con.close()


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = tmp_path_factory.mktemp("queries") / "tq.duckdb"
    build_fixture(path)
    c = db.connect(path)
    yield c
    c.close()


def run(con, name, **params):
    params.setdefault("campaign", CAMPAIGN)
    wanted = {p.lstrip("$") for p in queries.header(name)["params"]}
    defaults = {"as_of": AS_OF, "units": None}
    return queries.run(name, con, **{k: v for k, v in {**defaults, **params}.items() if k in wanted})


def by(df: pd.DataFrame, *keys) -> dict:
    """Rows keyed by one or more columns, as dicts."""
    out = {}
    for r in df.to_dict("records"):
        out[r[keys[0]] if len(keys) == 1 else tuple(r[k] for k in keys)] = r
    return out


# ---------------------------------------------------------------------------------------------
# Calendar and reporting


def test_weeks_deadlines_and_phase_of_each_week(con):
    w = run(con, "campaign_week_list")
    assert list(w["week_start"].dt.date) == WEEKS
    assert w.loc[0, "week_label"] == "06/10–12/10"
    assert w.loc[0, "deadline"] == pd.Timestamp("2025-10-13 17:00")
    # W3 ends on Sunday 26/10, inside phase 2, so it counts in phase 2
    assert list(w["phase_number"]) == [1, 1, 2, 2, 2, 2, 2, 2]


def test_reporting_rate_by_unit(con):
    r = by(run(con, "reporting_rate_by_unit"), "unit_code")
    assert set(r) == {"X1", "X2", "X3", "P1", "S1"}         # L1 is of the legacy era: not expected
    # six due weeks (W1–W6) for everyone
    assert {u: r[u]["expected"] for u in r} == {u: 6 for u in r}
    # X2: W1 on time, W2 late, W3 on time by its first version (replaced later) → 3 of 6, 2 on time
    assert (r["X2"]["received"], r["X2"]["on_time"], r["X2"]["late"], r["X2"]["missing"]) == (3, 2, 1, 3)
    assert r["X2"]["reporting_rate"] == pytest.approx(0.5)
    assert r["X2"]["on_time_rate"] == pytest.approx(2 / 6)
    # X3 never reported
    assert (r["X3"]["received"], r["X3"]["reporting_rate"]) == (0, 0.0)
    # P1: the two-week report covers W2 (late: deadline 20/10) and W3 (on time: 27/10 17:00)
    assert (r["P1"]["received"], r["P1"]["on_time"]) == (6, 5)
    assert (r["X1"]["received"], r["X1"]["on_time"], r["S1"]["on_time"]) == (6, 6, 6)


def test_reporting_rate_by_kind_week_phase(con):
    k = by(run(con, "reporting_rate_by_kind"), "kind")
    # xa: 3 units × 6 weeks = 18 expected; received X1 6 + X2 3 = 9; on time 6 + 2 = 8
    assert (k["xa"]["units"], k["xa"]["expected"], k["xa"]["received"], k["xa"]["on_time"]) == (3, 18, 9, 8)
    assert (k["phuong"]["expected"], k["phuong"]["received"], k["phuong"]["on_time"]) == (6, 6, 5)
    assert k["xa"]["reporting_rate"] == pytest.approx(0.5)
    w = run(con, "reporting_rate_by_week")
    assert list(w["expected"]) == [5] * 6
    # received: W1 X1 X2 P1 S1; W2 the same (X2, P1 late); W3 X1 X2 P1 S1; W4–W6 X1 P1 S1
    assert list(w["received"]) == [4, 4, 4, 3, 3, 3]
    assert list(w["on_time"]) == [4, 2, 4, 3, 3, 3]
    p = by(run(con, "reporting_rate_by_phase"), "phase_number")
    # phase 1 holds W1, W2 (10 expected, 8 received, 6 on time); phase 2 holds W3–W6
    assert (p[1]["weeks_due"], p[1]["expected"], p[1]["received"], p[1]["on_time"]) == (2, 10, 8, 6)
    assert (p[2]["weeks_due"], p[2]["expected"], p[2]["received"], p[2]["on_time"]) == (4, 20, 13, 13)


def test_as_of_a_date_means_the_end_of_that_day(con):
    # Monday 20/10: W1 and W2 are due (W2's deadline is 20/10 17:00). X2's late W2 report came on
    # Tuesday 21/10 09:00 and P1's two-week report on 27/10: neither is known yet.
    r = by(run(con, "reporting_rate_by_unit", as_of=date(2025, 10, 20)), "unit_code")
    assert r["X2"]["expected"] == 2 and r["X2"]["received"] == 1
    assert r["P1"]["received"] == 1
    # an hour after X2's late report arrived
    r = by(run(con, "reporting_rate_by_unit", as_of=datetime(2025, 10, 21, 10)), "unit_code")
    assert (r["X2"]["received"], r["X2"]["on_time"]) == (2, 1)
    # a datetime at midnight is a date (pandas turns DATE columns into midnight timestamps)
    r = by(run(con, "reporting_rate_by_unit", as_of=pd.Timestamp("2025-10-20")), "unit_code")
    assert r["X2"]["received"] == 1 and r["X2"]["expected"] == 2


def test_submission_grid_and_unit_reports(con):
    g = by(run(con, "submission_grid"), "unit_code", "week_no")
    assert (g["X2", 1]["status"], g["X2", 2]["status"], g["X2", 3]["status"], g["X2", 4]["status"]) == \
        ("on_time", "late", "on_time", "missing")
    assert g["X2", 2]["status_label"] == "Nộp muộn"
    assert g["P1", 2]["status"] == "late" and g["P1", 3]["status"] == "on_time"
    assert len(g) == 5 * 6
    u = run(con, "unit_reports", unit="P1")
    assert list(u["week_no"]) == [1, 2, 3, 4, 5, 6, 7]        # weeks started by Wednesday 19/11
    assert list(u["status"]) == ["on_time", "late", "on_time", "on_time", "on_time", "on_time", "not_due"]
    two = u.set_index("week_no").loc[2]
    assert bool(two["spread"]) and two["periods"] == "13/10/2025–26/10/2025"
    # the two-week report's 14 tin bài + 28 posts spread by days: 7 + 14 = 21 in each of W2 and W3
    assert two["activity"] == pytest.approx(21)
    x2 = run(con, "unit_reports", unit="X2").set_index("week_no")
    assert x2.loc[3, "activity"] == pytest.approx(7)            # only the newest version counts
    assert len(x2.loc[3, "submission_ids"]) == 1


def test_submission_versions(con):
    v = run(con, "submission_versions", unit="X2", period_start=WEEKS[2],
            period_end=WEEKS[2] + timedelta(days=6))
    assert list(v["version"]) == [2, 1]
    assert list(v["is_current"]) == [True, False]
    assert list(v["values_total"]) == [7.0, 1.0]
    vals = run(con, "submission_values", submission=int(v.loc[0, "submission_id"]))
    assert by(vals, "indicator_code")["ttcs_tin_bai"]["value"] == 7.0


# ---------------------------------------------------------------------------------------------
# Coverage, completion, posts


def test_channel_coverage_by_unit(con):
    c = by(run(con, "channel_coverage_by_unit"), "unit_code", "phase_number")
    # whole campaign: X2 has ttcs and mxh (zalo 3 in W1), never truc_quan
    assert (c["X2", 0]["groups_assigned"], c["X2", 0]["groups_active"]) == (3, 2)
    assert c["X2", 0]["silent_groups"] == ["Tuyên truyền trực quan"]
    # phase 2: only W3's version 2 counts (ttcs 7 × 4/7 = 4 in phase 2; zalo 0)
    assert c["X2", 2]["coverage"] == pytest.approx(1 / 3)
    # phase 1: P1 showed tq_co only from W4
    assert c["P1", 1]["coverage"] == pytest.approx(2 / 3)
    assert c["X3", 0]["coverage"] == 0 and c["S1", 2]["coverage"] == 1
    assert c["X1", 1]["window_name"] == "Đợt 1" and c["X1", 0]["window_name"] == "Toàn kế hoạch"


def test_coverage_by_group(con):
    g = by(run(con, "coverage_by_group"), "unit_scope", "phase_number", "group_code")
    # phase 2, communes X1 X2 X3 P1: ttcs active in X1 X2 P1; mxh and truc_quan in X1 P1
    assert (g["commune", 2, "ttcs"]["units_assigned"], g["commune", 2, "ttcs"]["units_active"]) == (4, 3)
    assert g["commune", 2, "mxh"]["coverage"] == pytest.approx(0.5)
    assert g["commune", 2, "truc_quan"]["coverage"] == pytest.approx(0.5)
    assert ("commune", 2, "web") not in g                     # no commune is assigned web
    assert g["all", 2, "web"]["coverage"] == 1


def test_phase_completion(con):
    u = by(run(con, "phase_completion_by_unit"), "unit_code", "phase_number")
    expected = 28 / 39            # Wednesday 19/11 is day 28 of phase 2's 39
    # X1, phase 2: ttcs 3 × 4/7 (W3's share) + 3 + 1 + 1 = 47/7 of 78/7; mxh 5 × 4/7 + 5 + 1 + 1 = 69/7 of 10
    x1 = (47 / 78 + (69 / 7) / 10) / 2
    assert u["X1", 2]["completion"] == pytest.approx(x1)
    assert u["X1", 2]["expected"] == pytest.approx(expected)
    assert bool(u["X1", 2]["on_track"])
    # X2, phase 2: ttcs 7 × 4/7 = 4 of 78/7; mxh 0
    assert u["X2", 2]["completion"] == pytest.approx((4 / (78 / 7)) / 2)
    assert u["X3", 2]["completion"] == 0
    # P1 beats every target, capped at 1
    assert u["P1", 1]["completion"] == 1 and u["P1", 2]["completion"] == 1
    # S1, phase 2: web_tin_bai 4/7 + 3 of 39/7
    assert u["S1", 2]["completion"] == pytest.approx(25 / 39)
    assert u["X1", 1]["expected"] == 1                          # phase 1 is over
    t = by(run(con, "phase_completion_by_task"), "unit_code", "phase_number", "task_code")
    assert t["X1", 2, "ttcs_tin_bai"]["target"] == pytest.approx(78 / 7)
    assert t["X1", 2, "ttcs_tin_bai"]["actual"] == pytest.approx(47 / 7)
    assert t["X1", 2, "mxh"]["target"] == 10
    assert t["X1", 1, "ttcs_tin_bai"]["target"] == pytest.approx(34 / 7)
    assert ("X1", 2, "tq_co") not in t                          # no minimum: coverage only
    p = by(run(con, "phase_completion_province"), "unit_scope", "phase_number")
    units = [x1, (4 / (78 / 7)) / 2, 0.0, 1.0, 25 / 39]
    assert p["all", 2]["completion"] == pytest.approx(sum(units) / 5)
    assert (p["all", 2]["units"], p["all", 2]["units_on_track"]) == (5, 2)   # X1, P1
    assert p["commune", 2]["completion"] == pytest.approx(sum(units[:4]) / 4)
    assert p["commune", 2]["share_on_track"] == pytest.approx(0.5)


def test_phase_progress(con):
    p = by(run(con, "phase_progress"), "phase_number")
    assert (p[1]["status"], p[2]["status"]) == ("done", "running")
    assert p[2]["expected"] == pytest.approx(28 / 39) and bool(p[2]["is_current"])
    assert p[2]["days_elapsed"] == 28
    early = by(run(con, "phase_progress", as_of=date(2025, 10, 8)), "phase_number")
    assert early[1]["expected"] == pytest.approx(3 / 17) and early[2]["status"] == "upcoming"


def test_posting_counts(con):
    p = by(run(con, "posting_counts"), "unit_code", "phase_number", "indicator_code")
    # X1's Facebook posts: 5 a week in W1–W4, 1 in W5–W6 = 22; phase 1 gets W1, W2 and 3/7 of W3
    assert p["X1", 0, "mxh_facebook"]["posts"] == pytest.approx(22)
    assert p["X1", 1, "mxh_facebook"]["posts"] == pytest.approx(10 + 15 / 7)
    assert p["X1", 2, "mxh_facebook"]["posts"] == pytest.approx(20 / 7 + 7)
    # P1: 2 + the two-week report's 28 (2 a day) + 4 × 3; its phase-1 share: 2 + 14 + 6
    assert p["P1", 0, "mxh_facebook"]["posts"] == pytest.approx(42)
    assert p["P1", 1, "mxh_facebook"]["posts"] == pytest.approx(22)
    assert p["X2", 0, "mxh_zalo"]["posts"] == pytest.approx(3)
    assert p["S1", 0, "web_tin_bai"]["posts"] == pytest.approx(6)


def test_unique_posts_and_gap(con):
    u = by(run(con, "unique_posts"), "unit_code")
    # P1 lists a, b, b (W4) and b, c (W5): 5 rows, 3 unique; those reports declare 4 + 4 posts
    assert (u["P1"]["reports_with_list"], u["P1"]["listed_rows"], u["P1"]["unique_posts"]) == (2, 5, 3)
    assert u["P1"]["declared_posts_listed"] == pytest.approx(8)
    assert u["P1"]["gap"] == pytest.approx(5)
    assert u["X1"]["unique_posts"] == 1 and u["X1"]["gap"] == pytest.approx(4)
    assert pd.isna(u["X3"]["gap"])
    s = run(con, "campaign_summary").iloc[0]
    assert s["unique_posts"] == 3                                 # a, b, c: a counted once for both units


def test_weekly_timeline_and_unit_weekly_activity(con):
    t = by(run(con, "weekly_timeline"), "week_no", "series_kind", "series_code")
    # W1, ttcs: X1 3 + X2 2 + P1 3
    assert (t[1, "group", "ttcs"]["value"], t[1, "group", "ttcs"]["units_active"]) == (8, 3)
    # W2 Facebook: X1 5 + P1's two-week 28 spread, 14
    assert t[2, "posting", "mxh_facebook"]["value"] == pytest.approx(19)
    assert t[7, "group", "ttcs"]["value"] == 0                    # the running week: nothing yet
    a = by(run(con, "unit_weekly_activity"), "unit_code", "week_no")
    # W1 activity: X1 10, X2 5, X3 0, P1 5 → median of the communes 5
    assert a["X1", 1]["activity"] == 10 and a["X1", 1]["median_activity"] == 5
    assert not a["X3", 1]["reported"] and a["X3", 1]["activity"] == 0
    assert a["S1", 1]["median_activity"] == 1                      # compared with the non-communes
    only = run(con, "unit_weekly_activity", units=["X1"])
    assert set(only["unit_code"]) == {"X1"} and only.loc[0, "median_activity"] == 5


# ---------------------------------------------------------------------------------------------
# Lagging units


def test_lagging_reasons(con):
    # metrics.md "Lagging communes" (revised), as of Wednesday 19/11: W1–W6 are due
    r = by(run(con, "lagging_reasons"), "unit_code", "rule_code")
    assert set(r) == {("X3", "reporting"), ("X2", "reporting"), ("X2", "progress"),
                      ("X1", "sharp_drop")}
    # X3 never reported: one reason, no "behind plan" or "silent channel" for the same fact
    assert r["X3", "reporting"]["reason"] == "Chưa gửi báo cáo nào"
    # X2, last 4 due weeks W3–W6: only W3 received; the words name the two missing weeks. The
    # silent channels are not a reason: X2 reported only 1 of the last 4 weeks (missing reports
    # are the reporting reason), and neither is a drop (the last 2 weeks were not received)
    assert r["X2", "reporting"]["reason"] == "Không nộp 2 tuần gần nhất (03/11–09/11, 10/11–16/11)"
    assert r["X2", "reporting"]["value"] == pytest.approx(0.25)
    # X2 phase 2 completion (4/(78/7) + 0/10)/2 = 17.9 %, expected 28/39 = 71.8 %
    assert r["X2", "progress"]["reason"] == "Hoàn thành 18% đợt 2, cần đạt 72%"
    # X1: 10 a week in W1–W4, 2 a week in W5–W6, both received
    assert r["X1", "sharp_drop"]["reason"] == \
        "2 tuần gần nhất trung bình 2/tuần, giảm từ 10/tuần (4 tuần có báo cáo trước đó)"
    assert (r["X2", "reporting"]["weight"], r["X2", "progress"]["weight"],
            r["X1", "sharp_drop"]["weight"]) == (3, 3, 1)
    assert (r["X3", "reporting"]["rule_name"], r["X2", "progress"]["rule_name"],
            r["X1", "sharp_drop"]["rule_name"]) == ("Báo cáo", "Chậm so với kế hoạch", "Giảm mạnh")


def test_lagging_units_never_reporting_first_then_score(con):
    u = run(con, "lagging_units")
    # X3 scores 3, X2 3 + 3 = 6, X1 1: X3 never sent a report and comes first all the same
    assert list(u["unit_code"]) == ["X3", "X2", "X1"]
    assert list(u["rank"]) == [1, 2, 3] and list(u["score"]) == [3, 6, 1]
    assert list(u["never_reported"]) == [True, False, False]
    x2 = u.iloc[1]
    assert list(x2["rule_codes"]) == ["reporting", "progress"]
    assert x2["reasons_text"] == ("Không nộp 2 tuần gần nhất (03/11–09/11, 10/11–16/11). "
                                  "Hoàn thành 18% đợt 2, cần đạt 72%.")
    assert bool(x2["territorial"]) and x2["phase_number"] == 2
    assert x2["reporting_rate"] == pytest.approx(3 / 6)
    s = run(con, "campaign_summary").iloc[0]
    assert (s["lagging_units"], s["lagging_communes"]) == (3, 3)


def test_lagging_weeks_in_a_row_and_previous_week(con):
    u = by(run(con, "lagging_units"), "unit_code")
    # X3 has lagged as of every Wednesday since 15/10 (W1 due 13/10): 19/11, 12/11, … 15/10 = 6
    assert (u["X3"]["weeks_lagging"], u["X3"]["status"]) == (6, "still")
    assert u["X3"]["status_label"] == "Chậm liên tiếp 6 tuần"
    # X1's drop needs 4 reported weeks before the last 2: as of 12/11 only W1–W3 precede W4–W5
    assert (u["X1"]["weeks_lagging"], u["X1"]["status"], u["X1"]["status_label"]) == \
        (1, "new", "Mới chậm tuần này")
    ch = by(run(con, "lagging_changes"), "unit_code")
    assert {k: v["status"] for k, v in ch.items()} == {"X1": "new", "X2": "still", "X3": "still"}
    assert list(ch["X1"]["reasons_before"]) == [] and ch["X1"]["status_label"] == "Mới chậm tiến độ"
    # as of 12/11 X2's last two due weeks were W4 and W5
    assert list(ch["X2"]["reasons_before"])[0] == \
        "Không nộp 2 tuần gần nhất (27/10–02/11, 03/11–09/11)"


def test_lagging_ties_broken_by_lower_completion(tmp_path):
    # only "progress" weighs: X2 (18 %) and Y1 (about 48 %) both score 1; X2's completion is lower.
    # X3 (never reported) still comes first with score 0.
    path = tmp_path / "tie.duckdb"
    build_fixture(path, params={"weights": {"reporting": 0, "progress": 1, "silent_channel": 0,
                                            "sharp_drop": 0}})
    c = db.connect(path)
    try:
        _add_commune(c, "Y1", "Xã Yên", {w: {"ttcs_tin_bai": 1, "mxh_facebook": 2} for w in (1, 2, 3, 4, 5, 6)})
        u = run(c, "lagging_units")
        assert list(u["unit_code"]) == ["X3", "X2", "Y1", "X1"]
        assert list(u["score"]) == [0, 1, 1, 0]
    finally:
        c.close()


def _add_commune(c, code: str, name: str, weeks: dict, received: dict | None = None,
                 reports: list | None = None) -> None:
    """A commune of the fixture's province with weekly reports ({week: values}, received on the
    Monday after at 09:00 unless `received` says otherwise) and other reports ((start, end,
    received, values))."""
    c.execute("insert into units (era, code, name, short_name, kind, province_code) "
              "values ('2025', ?, ?, ?, 'xa', '99')", [code, name, name])
    rows = [(WEEKS[w - 1], WEEKS[w - 1] + timedelta(days=6), (received or {}).get(w, monday_after(w, 9)), v)
            for w, v in weeks.items()] + list(reports or [])
    for start, end, at, values in rows:
        sid = c.execute("select coalesce(max(id), 0) + 1 from submissions").fetchone()[0]
        c.execute("insert into submissions (id, campaign_code, unit_code, period_start, period_end, "
                  "version, is_current, file_name, file_hash, file_size, received_at, submitted_by) "
                  "values (?, ?, ?, ?, ?, 1, true, 'f.xlsx', ?, 1, ?, 'test')",
                  [sid, CAMPAIGN, code, start, end, f"{code}-{sid}", at])
        for ind, v in values.items():
            c.execute("insert into report_values (submission_id, indicator_code, value) values (?, ?, ?)",
                      [sid, ind, float(v)])
    rollup.refresh(c)                          # the writer's refresh (reads never write)


@pytest.fixture(scope="module")
def ext(tmp_path_factory):
    """The fixture plus communes made for the lagging rules:
    Y2  reports W3 and W5 only (full, steady values)
    Y3  reports W1–W3 (ttcs 1 a week and nothing else)
    Y4  one report 01/11–16/11 (Saturday to Sunday, 16 days), received Mon 17/11 09:00
    Y5  reports W1–W3 on time, W4–W6 all on Mon 17/11 09:00 (ttcs 3, fb 5, tq_co 1 a week)"""
    path = tmp_path_factory.mktemp("lagging") / "ext.duckdb"
    build_fixture(path)
    c = db.connect(path)
    full = {"ttcs_tin_bai": 3, "mxh_facebook": 5, "tq_co": 1}
    _add_commune(c, "Y2", "Xã Yên Hòa", {3: full, 5: full})
    _add_commune(c, "Y3", "Xã Yên Lạc", {w: {"ttcs_tin_bai": 1} for w in (1, 2, 3)})
    _add_commune(c, "Y4", "Xã Yên Phú", {}, reports=[
        (date(2025, 11, 1), date(2025, 11, 16), monday_after(6, 9), {"ttcs_tin_bai": 16})])
    _add_commune(c, "Y5", "Xã Yên Thế", {w: full for w in range(1, 7)},
                 received={w: monday_after(6, 9) for w in (4, 5, 6)})
    yield c
    c.close()


def test_a_week_counts_as_received_when_a_report_covers_4_of_its_days(ext):
    # Y4's report covers 2 days of W4 (Sat 01/11, Sun 02/11), all of W5 and W6: W4 is missing,
    # though 2/16 of the values are spread into it
    rates = by(run(ext, "reporting_rate_by_unit"), "unit_code")
    assert (rates["Y4"]["received"], rates["Y4"]["expected"]) == (2, 6)
    weeks = by(run(ext, "unit_reports", unit="Y4"), "week_label")
    assert weeks["27/10–02/11"]["status"] == "missing"
    assert weeks["03/11–09/11"]["status"] != "missing"
    act = by(run(ext, "unit_weekly_activity", units=["Y4"]), "week_label")
    assert act["27/10–02/11"]["activity"] == pytest.approx(2)


def test_reporting_reason_in_words(ext):
    r = by(run(ext, "lagging_reasons"), "unit_code", "rule_code")
    # Y2: of the last 2 due weeks W5 was received, of the last 4 (W3–W6) 2: 50 % < 75 %
    assert r["Y2", "reporting"]["reason"] == "Nộp 2/4 tuần gần nhất"
    # Y4: W5, W6 received; W3, W4 not: 2/4
    assert r["Y4", "reporting"]["reason"] == "Nộp 2/4 tuần gần nhất"
    # Y5 sent W4–W6 late but before the as-of day: nothing missing, nothing lagging
    assert not [k for k in r if k[0] == "Y5"]


def test_rules_roll_across_phases(ext):
    # Tuesday 28/10 (12:00): day 6 of phase 2's 39 (expected 15 %); W1–W3 are due, 2 of them in
    # phase 1. Windows of due weeks run across the phase boundary.
    r = by(run(ext, "lagging_reasons", as_of=datetime(2025, 10, 28, 12)), "unit_code", "rule_code")
    # Y3 reported all 3 weeks with ttcs 1 a week: activity 3 against the pace phase 2 needs,
    # (78/7 + 10) ÷ (39/7) = 148/39 a week × 3 weeks = 11.38 → 26 %, below half, on day 6 already.
    # Its completion (4/78 + 0)/2 = 2.6 % is not 15 points below 15 %.
    assert r["Y3", "progress"]["reason"] == "3 tuần có báo cáo gần nhất đạt 26% nhịp độ cần thiết"
    # silent channels: Y3 had no activity in mxh and trực quan in any of the 3 due weeks
    assert r["Y3", "silent_channel"]["reason"] == \
        "Không có hoạt động Mạng xã hội và Tuyên truyền trực quan trong 3 tuần gần nhất"
    # X2 (W1–W3 reported, zalo 3 in W1): only trực quan is silent
    assert r["X2", "silent_channel"]["reason"] == \
        "Không có hoạt động Tuyên truyền trực quan trong 3 tuần gần nhất"
    # Y2 reported 1 of the 3 due weeks: its silence is the missing reports, not a second reason
    assert ("Y2", "silent_channel") not in r and ("Y2", "reporting") in r


def test_progress_reasons_combine_into_one(ext):
    # as of 19/11 Y3 (nothing since W3) is behind plan and behind pace: one reason, both facts
    r = by(run(ext, "lagging_reasons"), "unit_code", "rule_code")
    assert r["Y3", "progress"]["reason"] == (
        "Hoàn thành 3% đợt 2, cần đạt 72%; 3 tuần có báo cáo gần nhất đạt 26% nhịp độ cần thiết")
    assert [k[1] for k in r if k[0] == "Y3"].count("progress") == 1


def test_recovered_units_in_the_weekly_comparison(ext):
    # Y5: as of 12/11 W4 and W5 were missing (sent 17/11); as of 19/11 it is no longer lagging
    ch = by(run(ext, "lagging_changes"), "unit_code")
    assert ch["Y5"]["status"] == "recovered" and ch["Y5"]["status_label"] == "Hết chậm tiến độ"
    assert list(ch["Y5"]["reasons_before"])[0] == \
        "Không nộp 2 tuần gần nhất (27/10–02/11, 03/11–09/11)"
    assert list(ch["Y5"]["reasons_now"]) == []
    assert "Y5" not in set(run(ext, "lagging_units")["unit_code"])


# ---------------------------------------------------------------------------------------------
# Plausibility


def test_cumulative_check(con):
    f = run(con, "plausibility_flags")
    cum = f[f["check_code"] == "cumulative"]
    # X1's lũy kế 15 in W4 against 3 + 3 + 3 + 3 = 12 (25 % off); 13 and 14 later are right
    assert list(cum["unit_code"]) == ["X1"]
    row = cum.iloc[0]
    assert row["period_start"].date() == WEEKS[3] and row["reference"] == 12
    assert row["message"] == ("Lũy kế 15 lệch 25% so với tổng các báo cáo đến kỳ này (12), "
                              "quá mức cho phép 10%")
    assert (f["check_code"] == "outlier").sum() == 0            # fewer than 8 units report


def test_outliers_against_median_and_mad(tmp_path):
    # nine more communes report ttcs_tin_bai in W1: 10, 11, 12, 12, 13, 14, 15, 16 and 60. With X1 (3)
    # and X2 (2), 11 communes report it that week (P1 is a ward: another kind):
    # 2 3 10 11 12 12 13 14 15 16 60 → median 12; |x − 12| → 0 0 1 1 2 2 3 4 9 10 48 → MAD 2;
    # threshold 12 + 5 × 2 = 22: only 60 is flagged.
    path = tmp_path / "outliers.duckdb"
    build_fixture(path)
    c = db.connect(path)
    try:
        extra = [(f"Y{i}", f"Xã Y{i}") for i in range(9)]
        c.executemany("insert into units (era, code, name, short_name, kind, province_code) "
                      "values ('2025', ?, ?, ?, 'xa', '99')", [(u, n, n) for u, n in extra])
        for i, ((u, _), v) in enumerate(zip(extra, [10, 11, 12, 12, 13, 14, 15, 16, 60])):
            sid = 1000 + i
            c.execute("insert into submissions (id, campaign_code, unit_code, period_start, period_end, "
                      "version, is_current, file_name, file_hash, file_size, received_at, submitted_by) "
                      "values (?, ?, ?, ?, ?, 1, true, 'f.xlsx', ?, 1, ?, 'test')",
                      [sid, CAMPAIGN, u, WEEKS[0], WEEKS[0] + timedelta(days=6), f"y{i}",
                       monday_after(1, 9)])
            c.execute("insert into report_values (submission_id, indicator_code, value) "
                      "values (?, 'ttcs_tin_bai', ?)", [sid, v])
        # mxh_tiktok in W1 (only these nine report it): 0 0 0 0 0 0 0 1 40 → median 0, MAD 0, taken
        # as 1 (counts: a spread under one item says nothing): threshold 5 flags 40, not 1
        for i, v in enumerate([0, 0, 0, 0, 0, 0, 0, 1, 40]):
            c.execute("insert into report_values (submission_id, indicator_code, value) "
                      "values (?, 'mxh_tiktok', ?)", [1000 + i, v])
        rollup.refresh(c)                      # the writer's refresh (reads never write)
        f = run(c, "plausibility_flags")
        tiktok = f[(f["check_code"] == "outlier") & (f["indicator_code"] == "mxh_tiktok")]
        assert list(tiktok["unit_code"]) == ["Y8"] and list(tiktok["threshold"]) == [5]
        assert tiktok.iloc[0]["message"] == (
            "Giá trị 40 vượt ngưỡng 5 (trung vị 0 + 5 × MAD 1 của 9 đơn vị cùng loại; MAD thực bằng 0, "
            "tính tối thiểu 1) trong tuần 06/10–12/10")
        out = f[(f["check_code"] == "outlier") & (f["indicator_code"] == "ttcs_tin_bai")]
        assert list(out["unit_code"]) == ["Y8"]
        row = out.iloc[0]
        assert (row["value"], row["reference"], row["threshold"]) == (60, 12, 22)
        assert row["message"] == ("Giá trị 60 vượt ngưỡng 22 (trung vị 12 + 5 × MAD 2 của 11 đơn vị "
                                  "cùng loại) trong tuần 06/10–12/10")
    finally:
        c.close()


# ---------------------------------------------------------------------------------------------
# Summary and catalogue queries


def test_campaign_summary(con):
    s = run(con, "campaign_summary").iloc[0]
    assert (s["weeks"], s["weeks_due"], s["phase_number"]) == (8, 6, 2)
    assert (s["units"], s["communes"]) == (5, 4)
    assert (s["expected"], s["received"], s["on_time"]) == (30, 21, 19)
    assert s["reporting_rate"] == pytest.approx(21 / 30)
    # current phase coverage of the communes: X1 1, X2 1/3, X3 0, P1 1
    assert s["commune_coverage"] == pytest.approx((1 + 1 / 3 + 0 + 1) / 4)
    assert s["share_on_track"] == pytest.approx(2 / 5)


def test_catalogue_queries(con):
    assert list(run(con, "campaign_list")["campaign_code"]) == [CAMPAIGN]
    assert list(run(con, "campaign_phases")["days"]) == [17, 39]
    k = by(run(con, "reporting_units_by_kind"), "kind")
    assert (k["xa"]["units"], k["phuong"]["units"], k["so_nganh"]["units"]) == (3, 1, 1)
    assert not k["so_nganh"]["territorial"]
    u = run(con, "reporting_units")
    assert set(u["unit_code"]) == {"X1", "X2", "X3", "P1", "S1"}
