"""AppTest of the overview page (Tổng quan) on the demo database of daklak-2025 as of 19/11/2025.

The numbers the page shows are checked against the named queries on the same database and, for some,
against a computation from the raw tables (tests/demo_db.py) that does not go through queries/.
"""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from streamlit.testing.v1 import AppTest  # noqa: F401 (type of open_app)

from tests.apptest import open_app

import queries
from loaders.store import db
from ui.common import vn_number, vn_percent
from ui.charts import pct_points
from tests import demo_db

AS_OF = demo_db.AS_OF
PREV = AS_OF - timedelta(days=7)


@pytest.fixture(scope="module")
def expected(demo_path):
    """What the page should show, computed before the app opens the database."""
    con = db.connect(demo_path)
    try:
        run = lambda name, **p: queries.run(name, con, campaign=demo_db.CAMPAIGN, **p)  # noqa: E731
        province = run("phase_completion_province", as_of=AS_OF)
        province = province[(province["unit_scope"] == "all")].set_index("phase_number")
        before = run("phase_completion_province", as_of=PREV)
        before = before[(before["unit_scope"] == "all")].set_index("phase_number")
        lagging = run("lagging_units", as_of=AS_OF)
        posts = run("posting_counts", as_of=AS_OF)
        posts_before = run("posting_counts", as_of=PREV)
        summary = run("campaign_summary", as_of=AS_OF).iloc[0]

        # by hand, from submissions: the latest due week and the one before
        units = demo_db.reporting_units(con)
        weeks = demo_db.due_weeks(AS_OF)
        rates = []
        for week in weeks[-2:]:
            got = demo_db.reported(con, week)
            deadline = datetime.combine(week[1] + timedelta(days=1), time(17))
            rates.append((len(got) / len(units),
                          int((got["first_received_at"] <= deadline).sum()) / len(units)))
        received_all = sum(len(demo_db.reported(con, w)) for w in weeks)
        phase2_posts = demo_db.spread_posts(con, date(2025, 10, 2), date(2026, 1, 23))
        phase2_posts_before = demo_db.spread_posts(con, date(2025, 10, 2), date(2026, 1, 23), as_of=PREV)
        all_posts = demo_db.spread_posts(con, demo_db.START, date(2026, 3, 31))
    finally:
        con.close()
    return dict(province=province, before=before, lagging=lagging, posts=posts, posts_before=posts_before,
                summary=summary, units=units, weeks=weeks, rates=rates, received_all=received_all,
                phase2_posts=phase2_posts, phase2_posts_before=phase2_posts_before, all_posts=all_posts)


@pytest.fixture
def at(demo_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("CM_DB", str(demo_path))
    monkeypatch.setenv("CM_DEMO", "0")
    app = open_app(default_timeout=60)
    app.switch_page("pages/overview.py")
    app.run()
    assert not app.exception, app.exception
    return app


def _metrics(at) -> dict:
    return {m.label: (m.value, m.proto.delta, m.proto.help) for m in at.metric}


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_phase_progress_against_expected(at, expected):
    m = _metrics(at)
    assert at.title[0].value == "Tổng quan — Đắk Lắk"
    assert at.sidebar.selectbox(key="phase:daklak-2025").value == 2      # the phase of 19/11/2025
    p2, b2 = expected["province"].loc[2], expected["before"].loc[2]
    assert m["Hoàn thành đợt"][0] == vn_percent(p2["completion"])
    assert m["Hoàn thành đợt"][1] == pct_points(p2["completion"], b2["completion"])
    # by hand: Đợt II runs 02/10/2025–23/01/2026 (114 days); 19/11 is its 49th day → 49/114 = 43%
    assert m["Mức cần đạt"][0] == "43%"
    gap = round(100 * (p2["completion"] - 49 / 114))
    label = "Cao hơn mức cần đạt" if gap >= 0 else "Thấp hơn mức cần đạt"
    assert m[label][0] == f"{abs(gap)} điểm %"
    assert m["Đơn vị đạt mức cần đạt"][0] == vn_percent(p2["share_on_track"])
    assert "Mức hoàn thành đợt" in m["Hoàn thành đợt"][2]            # the definition, one hover away
    # every started phase as a bar, the expected pace as a marker
    bars = next(c for c in _charts(at) if c["data"][0].get("name") == "Mức hoàn thành")
    assert bars["data"][0]["y"] == ["Đợt I", "Đợt II"]
    assert demo_db.chart_values(bars["data"][1]["x"]) == pytest.approx([100.0, 100 * 49 / 114])


def test_reporting_rates_of_the_latest_due_week_by_hand(at, expected):
    m = _metrics(at)
    weeks = expected["weeks"]
    assert len(weeks) == 10 and weeks[-1] == (date(2025, 11, 10), date(2025, 11, 16))
    assert "Nộp báo cáo — tuần 10/11–16/11 (tuần gần nhất đã đến hạn)" in [h.value for h in at.subheader]
    (prev_rate, prev_on_time), (rate, on_time) = expected["rates"]
    assert m["Tỷ lệ nộp báo cáo"][0] == vn_percent(rate, 1)
    assert m["Tỷ lệ nộp báo cáo"][1] == pct_points(rate, prev_rate)
    assert m["Tỷ lệ nộp đúng hạn"][0] == vn_percent(on_time, 1)
    assert m["Tỷ lệ nộp đúng hạn"][1] == pct_points(on_time, prev_on_time)
    # 105 units × 10 due weeks
    assert m["Nộp từ đầu kế hoạch"][0] == vn_percent(expected["received_all"] / 1050, 1)
    # the trend: one point per due week, the last one the metric above
    trend = next(c for c in _charts(at) if c["data"][0].get("name") == "Nộp báo cáo")
    assert len(demo_db.chart_values(trend["data"][0]["x"])) == 10
    assert demo_db.chart_values(trend["data"][0]["y"])[-1] == pytest.approx(100 * rate)


def test_coverage_posts_and_lagging_communes(at, expected):
    m = _metrics(at)
    communes = expected["lagging"][expected["lagging"]["territorial"]].sort_values("rank")
    assert m["Xã chậm tiến độ"][0] == f"{len(communes)}/102"
    # posts in Đợt II: the query, and by hand (reports spread over their days)
    phase2 = expected["posts"][expected["posts"]["phase_number"] == 2]["posts"].sum()
    assert phase2 == pytest.approx(expected["phase2_posts"]["posts"].sum())
    assert m["Tổng số tin, bài"][0] == vn_number(phase2)
    before = expected["posts_before"][expected["posts_before"]["phase_number"] == 2]["posts"].sum()
    assert before == pytest.approx(expected["phase2_posts_before"]["posts"].sum())
    assert m["Tổng số tin, bài"][1] == f"+{vn_number(phase2 - before)}"
    assert m["Bài không trùng"][0] == vn_number(expected["summary"]["unique_posts"])
    # the ten communes most behind, ranked 1–10, each with its reasons
    top = at.dataframe[0].value
    assert list(top["Hạng"]) == list(range(1, 11))
    assert list(top["Xã, phường"]) == list(communes["unit_name"].head(10))
    assert list(top["Lý do"]) == [" • ".join(r) for r in communes["reasons"].head(10)]
    assert top["Lý do"].str.len().min() > 20


def test_whole_campaign_window(at, expected):
    at.sidebar.selectbox(key="phase:daklak-2025").set_value(0).run()
    assert not at.exception
    m = _metrics(at)
    total = expected["posts"][expected["posts"]["phase_number"] == 0]["posts"].sum()
    assert total == pytest.approx(expected["all_posts"]["posts"].sum())
    assert m["Tổng số tin, bài"][0] == vn_number(total)
    assert "Số tin, bài theo nền tảng — toàn kế hoạch" in [h.value for h in at.subheader]
    # with no phase chosen, progress is that of the current phase
    assert m["Hoàn thành đợt"][0] == vn_percent(expected["province"].loc[2]["completion"])


def test_first_screen_lagging_and_reporting_in_consistent_words(at, expected):
    # the four headline cards come first, lagging communes and reporting leading
    labels = [m.label for m in at.metric][:4]
    assert labels == ["Xã chậm tiến độ", "Tỷ lệ nộp báo cáo", "Hoàn thành đợt", "Xã đạt mức cần đạt"]
    # the communes most behind come right after them, before the charts
    assert at.subheader[0].value == "10 xã, phường chậm tiến độ nhất"
    # a delta of zero says so in words, never a bare 0
    for m in at.metric:
        assert m.proto.delta not in ("0", "+0", "-0")


def test_the_reporting_cards_draw_their_weekly_trend(at, expected):
    """The reporting and on-time cards show their trend under the number, one point per due week
    ending with the number shown (drawn as SVG: no chart code to load at sign-in, issue 13)."""
    import re

    drawings = [h.proto.body for h in at.get("html") if "cm-sparkline" in h.proto.body]
    assert len(drawings) == 2
    (_, _), (rate, on_time) = expected["rates"]
    for svg, last in zip(drawings, (rate, on_time)):
        points = [float(v) for v in re.search(r'data-values="([^"]+)"', svg).group(1).split()]
        assert len(points) == 10 and points[-1] == pytest.approx(100 * last)
        assert "qua 10 tuần đã đến hạn" in svg and "tuần 10/11–16/11" in svg
    assert not any(m.proto.chart_data for m in at.metric)        # no vega chart left on the page


def test_right_after_sign_in_the_charts_follow_the_first_screen(demo_path, monkeypatch):
    """The first page after sign-in (ui/later.py): the first screen as always, the sections below it
    in place of a button that the page presses by itself once drawn; should that not happen, a person
    pressing it gets them. Any other run draws them at once (the tests above)."""
    from ui import later

    monkeypatch.setenv("CM_DB", str(demo_path))
    monkeypatch.setenv("CM_DEMO", "0")
    at = open_app(default_timeout=60)
    at.switch_page("pages/overview.py")
    at.session_state[later._THIS_RUN] = True       # as app.py sets it on the run after sign-in
    at.run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric][:4] == ["Xã chậm tiến độ", "Tỷ lệ nộp báo cáo", "Hoàn thành đợt",
                                                "Xã đạt mức cần đạt"]
    assert [h.value for h in at.subheader] == ["10 xã, phường chậm tiến độ nhất"]
    assert not at.get("plotly_chart")
    button = at.button(key="cm_later_overview")
    assert button.label == "Hiện tiến độ các đợt, nộp báo cáo và độ phủ"
    button.click().run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 4
    assert any(h.value.startswith("Nộp báo cáo — tuần") for h in at.subheader)
