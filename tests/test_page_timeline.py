"""AppTest of the timeline page (Tiến độ) on the demo database of daklak-2025 as of 19/11/2025.

What the charts draw is read back from their plotly figures and checked against the named queries
and, for the posts per week, the weeks each commune reported and one week's province median, against
computations from the raw tables (tests/demo_db.py).
"""
from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest  # noqa: F401 (type of open_app)

from tests.apptest import open_app

import queries
from loaders.store import db
from tests import demo_db

AS_OF = demo_db.AS_OF
LAST_DUE_SUNDAY = date(2025, 11, 16)          # the week of 17/11 is not due on 19/11
values = demo_db.chart_values


@pytest.fixture(scope="module")
def expected(demo_path):
    con = db.connect(demo_path)
    try:
        run = lambda name, **p: queries.run(name, con, campaign=demo_db.CAMPAIGN, **p)  # noqa: E731
        timeline = run("weekly_timeline", as_of=AS_OF)
        lagging = run("lagging_units", as_of=AS_OF)
        units = demo_db.reporting_units(con)
        communes = units[units["territorial"]]
        weeks = demo_db.due_weeks(AS_OF)
        reported = {w: set(demo_db.reported(con, w)["unit_code"]) for w in weeks}
        posts_by_hand = demo_db.spread_posts(con, demo_db.START, LAST_DUE_SUNDAY)
        week = (date(2025, 10, 27), date(2025, 11, 2))
        activity = demo_db.spread(con, *week, demo_db.activity_codes(con))
        per_commune = (activity.groupby("unit_code")["value"].sum()
                       .reindex(communes["unit_code"], fill_value=0.0))
    finally:
        con.close()
    return dict(timeline=timeline, lagging=lagging, communes=communes, weeks=weeks, reported=reported,
                posts_by_hand=posts_by_hand, median_week=week, median_by_hand=float(per_commune.median()))


@pytest.fixture
def at(demo_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("CM_DB", str(demo_path))
    monkeypatch.setenv("CM_DEMO", "0")
    app = open_app(default_timeout=60)
    app.switch_page("pages/timeline.py")
    app.run()
    assert not app.exception, app.exception
    return app


CHARTS = {"groups": "Hoạt động theo hình thức tuyên truyền", "posts": "Số tin, bài theo tuần",
          "units": "So sánh xã, phường với trung vị toàn tỉnh"}


def _chart(at, role: str) -> dict:
    """The figure the page draws with `role` chosen in its chart selector (one chart at a time)."""
    if at.segmented_control(key="tl_chart").value != role:
        at.segmented_control(key="tl_chart").set_value(role).run()
        assert not at.exception, at.exception
    charts = at.get("plotly_chart")
    assert len(charts) == 1 and [h.value for h in at.subheader] == [CHARTS[role]]
    return json.loads(charts[0].proto.spec)


def _by_week(fig: dict) -> pd.Series:
    """Sum over the traces of a figure, per x (the middle of each week)."""
    rows = [(x, y) for t in fig["data"] for x, y in zip(values(t["x"]), values(t["y"]))]
    return pd.DataFrame(rows, columns=["x", "y"]).groupby("x")["y"].sum()


def test_activity_per_channel_group(at, expected):
    assert at.title[0].value == "Tiến độ theo tuần — Đắk Lắk"
    fig = _chart(at, "groups")
    groups = expected["timeline"][(expected["timeline"]["series_kind"] == "group")
                                   & (pd.to_datetime(expected["timeline"]["week_start"]) <= pd.Timestamp(date(2025, 11, 10)))]
    active = groups.groupby("series_name")["value"].sum()
    assert {t["name"] for t in fig["data"]} == set(active[active > 0].index)
    assert all(t.get("stackgroup") == "groups" for t in fig["data"])           # stacked area
    per_week = _by_week(fig)
    assert len(per_week) == 10                                                 # the due weeks only
    assert list(per_week.round(6)) == list(groups.groupby("week_start")["value"].sum().round(6))
    # switching to units with activity and to lines
    at.radio(key="tl_group_measure").set_value("Số đơn vị có hoạt động")
    at.radio(key="tl_group_style").set_value("Đường").run()
    fig = _chart(at, "groups")
    assert not any(t.get("stackgroup") for t in fig["data"])
    mxh = next(t for t in fig["data"] if t["name"] == "Mạng xã hội")
    assert values(mxh["y"]) == list(groups[groups["series_code"] == "mxh"].sort_values("week_start")["units_active"])


def test_posts_per_week_by_hand(at, expected):
    fig = _chart(at, "posts")
    assert fig["layout"]["barmode"] == "stack"
    names = {t["name"] for t in fig["data"]}
    assert {"Facebook", "Zalo", "Cổng/Trang TTĐT"} <= names
    # every post of every report known by 19/11, spread over its days, through the last due week
    total = sum(sum(values(t["y"])) for t in fig["data"])
    assert total == pytest.approx(expected["posts_by_hand"]["posts"].sum())
    facebook = next(t for t in fig["data"] if t["name"] == "Facebook")
    by_hand = expected["posts_by_hand"]
    assert sum(values(facebook["y"])) == pytest.approx(by_hand[by_hand["indicator_code"] == "mxh_facebook"]["posts"].sum())


def test_one_chart_at_a_time(at):
    """The page opens on the activity chart; the selector shows each chart in turn, alone, and the
    time span chosen applies to whichever is shown."""
    assert at.segmented_control(key="tl_chart").value == "groups"
    assert [h.value for h in at.subheader] == [CHARTS["groups"]] and len(at.get("plotly_chart")) == 1
    assert at.segmented_control(key="tl_chart").options == ["Hoạt động theo hình thức", "Số tin, bài theo tuần",
                                                            "So sánh xã, phường"]
    at.segmented_control(key="tl_span").set_value("Toàn kế hoạch").run()
    for role in ("posts", "units", "groups"):
        fig = _chart(at, role)
        assert fig["data"], role
        assert [x[:10] for x in fig["layout"]["xaxis"]["range"]] == ["2025-09-04", "2026-04-04"]
    assert not at.dataframe or at.segmented_control(key="tl_chart").value == "units"


def test_phases_milestones_and_time_span(at):
    fig = _chart(at, "groups")
    layout = fig["layout"]
    texts = [a.get("text") for a in layout["annotations"]]
    assert {"<b>Đợt I</b>", "<b>Đợt II</b>", "<b>Đợt III</b>"} <= set(texts)
    assert "Đại hội đại biểu Đảng bộ tỉnh Đắk Lắk lần thứ I" in texts          # milestone in view
    assert "Ngày xem 19/11/2025" in texts
    dashed = [s for s in layout["shapes"] if s.get("line", {}).get("dash") == "dash"]
    assert [s["x0"][:10] for s in dashed] == ["2025-10-01"]
    bands = [s for s in layout["shapes"] if s.get("fillcolor", "").startswith("rgba") and s.get("x0", "")[:10] in
             ("2025-09-08", "2025-10-02", "2026-01-24")]
    assert len(bands) == 3
    # default span: from the start to ten days after the reference day
    assert [x[:10] for x in layout["xaxis"]["range"]] == ["2025-09-04", "2025-12-03"]
    at.segmented_control(key="tl_span").set_value("Toàn kế hoạch").run()
    layout = _chart(at, "groups")["layout"]
    assert [x[:10] for x in layout["xaxis"]["range"]] == ["2025-09-04", "2026-04-04"]
    dashed = [s for s in layout["shapes"] if s.get("line", {}).get("dash") == "dash"]
    assert [s["x0"][:10] for s in dashed] == ["2025-10-01", "2026-01-23"]       # both congresses


def test_communes_against_the_province_median(at, expected):
    _chart(at, "units")
    lagging = expected["lagging"][expected["lagging"]["territorial"]].sort_values("rank")
    assert at.multiselect(key="tl_units:daklak-2025").value == list(lagging["unit_code"].head(2))
    communes = expected["communes"].set_index("unit_code")["name"]
    chosen = ["24133", "22015"]                       # Phường Buôn Ma Thuột, Phường Tuy Hòa
    at.multiselect(key="tl_units:daklak-2025").set_value(chosen).run()
    assert not at.exception
    fig = _chart(at, "units")
    assert [t["name"] for t in fig["data"]] == ["Trung vị toàn tỉnh"] + [communes[c] for c in chosen]
    # the median of one week, by hand over the 102 communes (a commune without report counts 0)
    mid = pd.Timestamp(expected["median_week"][0]) + pd.Timedelta(days=3.5)
    median = dict(zip(pd.to_datetime(values(fig["data"][0]["x"])), values(fig["data"][0]["y"])))
    assert median[mid] == pytest.approx(expected["median_by_hand"])
    # weeks with a report, by hand from the submissions
    table = at.dataframe[0].value
    assert list(table["Xã, phường"]) == [communes[c] for c in chosen]
    for c, shown in zip(chosen, table["Tuần có báo cáo"]):
        n = sum(c in got for got in expected["reported"].values())
        assert shown == f"{n}/10"
    # posts instead of activity
    at.radio(key="tl_cmp_measure").set_value("Tin, bài").run()
    fig = _chart(at, "units")
    by_hand = expected["posts_by_hand"]
    for t, c in zip(fig["data"][1:], chosen):
        assert sum(values(t["y"])) == pytest.approx(by_hand[by_hand["unit_code"] == c]["posts"].sum())
