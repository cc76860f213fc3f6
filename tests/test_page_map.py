"""AppTest of the map page (Bản đồ) on a demo database: every commune drawn, the mapped numbers equal
the named queries, communes without reports shown as "Không có dữ liệu", the detail of a commune."""
from __future__ import annotations

import json
import shutil
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest  # noqa: F401 (type of open_app)

from tests.apptest import open_app

import queries
from loaders.store import db
from loaders.demo import generator as demo
from loaders.store import rollup

CODE = "daklak-2025"
AS_OF = date(2025, 10, 22)   # a Wednesday in Đợt II (02/10/2025 – 23/01/2026), 7 weeks into the plan
SILENT = 3                   # communes whose every report is removed: "no data" on the activity maps


@pytest.fixture(scope="module")
def map_db(ready_db_path, tmp_path_factory):
    """The ready database with the demo reports to AS_OF, minus every report of SILENT communes."""
    pytest.importorskip("loaders.ingest.pipeline")
    tmp = tmp_path_factory.mktemp("map")
    path = tmp / "map.duckdb"
    shutil.copyfile(ready_db_path, path)
    con = db.connect(path)
    demo.generate(con, CODE, today=AS_OF, out_dir=tmp / "demo", progress=lambda *a: None)
    silent = [c for (c,) in con.execute(
        "select unit_code from campaign_units where campaign_code = ? and territorial "
        "order by unit_code limit ?", [CODE, SILENT]).fetchall()]
    ids = "select id from submissions where campaign_code = $c and list_contains($u, unit_code)"
    for table, col in (("report_values", "submission_id"), ("report_posts", "submission_id")):
        con.execute(f"delete from {table} where {col} in ({ids})", {"c": CODE, "u": silent})
    con.execute(f"delete from submissions where id in ({ids})", {"c": CODE, "u": silent})
    rollup.refresh(con, CODE)
    con.execute("checkpoint")
    con.close()
    return path, silent


@pytest.fixture(scope="module")
def expected(map_db):
    """The named queries the page maps, run directly."""
    path, _ = map_db
    con = db.connect(path)
    out = {name: queries.run(name, con, campaign=CODE, as_of=AS_OF) for name in (
        "channel_coverage_by_unit", "reporting_rate_by_unit_phase", "reporting_rate_by_unit", "posting_counts",
        "phase_completion_by_unit", "lagging_units", "reporting_units")}

    def communes(code):
        units = queries.run("reporting_units", con, campaign=code)
        return set(units.loc[units["territorial"], "unit_code"])

    out["ninhthuan_territory"] = communes("ninhthuan-2025")
    out["langson_communes"] = communes("langson-2020")
    out["khanhhoa_units"] = con.execute(
        "select count(*) from units where era = '2025' and province_code = '56'").fetchone()[0]
    con.close()
    return out


def _app(map_db, monkeypatch, campaign: str = CODE, **state) -> AppTest:
    monkeypatch.setenv("CM_DB", str(map_db[0]))
    monkeypatch.setenv("CM_DEMO", "0")
    at = open_app(default_timeout=90)
    at.switch_page("pages/map.py")
    at.session_state["campaign"] = campaign
    if campaign == CODE:
        at.session_state[f"as_of:{CODE}"] = AS_OF
        at.session_state[f"phase:{CODE}"] = 2  # Đợt II, the phase holding AS_OF
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _figure(at) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def _features(fig: dict) -> list[str]:
    return [f["id"] for trace in fig["data"] for f in trace["geojson"]["features"]]


def _legend(at) -> str:
    """The legend under the map (HTML: plotly would leave out the empty classes)."""
    (legend,) = [h.proto.body for h in at.get("html")]
    return legend


def _table(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "Điểm chậm tiến độ" in d.value.columns).set_index("Mã")


def test_every_commune_of_daklak_is_drawn_once(map_db, monkeypatch, expected):
    at = _app(map_db, monkeypatch)
    fig = _figure(at)
    features = _features(fig)
    communes = expected["reporting_units"].query("territorial")["unit_code"]
    assert len(features) == len(set(features)) == len(communes) == 102
    assert set(features) == set(communes)
    assert sorted(loc for t in fig["data"] for loc in t["locations"]) == sorted(communes)
    assert fig["layout"]["map"]["style"] == "white-bg"  # no tile server: the map reads offline
    assert any("Ranh giới gần đúng (dựng từ tọa độ trung tâm)" in c.value for c in at.caption)
    # the legend: five readable classes and "Không có dữ liệu", each with its count
    names = [t["name"] for t in fig["data"]]
    assert [n.rsplit(" (", 1)[0] for n in names] == ["80–100%", "60–80%", "40–60%", "20–40%", "0–20%",
                                                     "Không có dữ liệu"]
    assert sum(int(n.rsplit("(", 1)[1].rstrip(")")) for n in names) == 102
    assert not fig["layout"]["showlegend"]
    legend = _legend(at)
    assert legend.index("0–20%") < legend.index("20–40%") < legend.index("80–100%") < legend.index("Không có dữ liệu")


def test_mapped_values_equal_the_queries_for_the_current_phase(map_db, monkeypatch, expected):
    at = _app(map_db, monkeypatch)
    assert at.sidebar.selectbox(key=f"phase:{CODE}").value == 2
    table = _table(at)
    assert len(table) == 102
    rate = expected["reporting_rate_by_unit_phase"].query("phase_number == 2 and territorial").set_index("unit_code")
    reported = rate.index[rate["weeks_reported"] > 0]
    cov = expected["channel_coverage_by_unit"].query("phase_number == 2").set_index("unit_code")
    comp = expected["phase_completion_by_unit"].query("phase_number == 2").set_index("unit_code")
    posts = expected["posting_counts"].query("phase_number == 2").groupby("unit_code")["posts"].sum()
    lag = expected["lagging_units"].set_index("unit_code")["score"]

    pd.testing.assert_series_equal(table.loc[reported, "Độ phủ hình thức (%)"],
                                   (100 * cov.loc[reported, "coverage"]).round(1), check_names=False)
    pd.testing.assert_series_equal(table.loc[reported, "Hoàn thành đợt (%)"],
                                   (100 * comp.loc[reported, "completion"]).round(1), check_names=False)
    pd.testing.assert_series_equal(table.loc[reported, "Tin, bài đăng"], posts.loc[reported].round(1),
                                   check_names=False)
    pd.testing.assert_series_equal(table["Nộp báo cáo (%)"], (100 * rate.loc[table.index, "reporting_rate"]).round(1),
                                   check_names=False)
    assert (table["Đã nộp"] == rate.loc[table.index, "received"]).all()
    assert (table["Phải nộp"] == rate.loc[table.index, "expected"]).all()
    pd.testing.assert_series_equal(table["Điểm chậm tiến độ"],
                                   lag.reindex(table.index).fillna(0).astype(float), check_names=False)
    # the class shown is the class of the mapped value
    assert (table.loc[table["Độ phủ hình thức (%)"] >= 80, "Nhóm"] == "80–100%").all()


def test_whole_campaign_reporting_rate_equals_reporting_rate_by_unit(map_db, monkeypatch, expected):
    at = _app(map_db, monkeypatch, map_metric="reporting", **{f"phase:{CODE}": 0})
    table = _table(at)
    by_unit = expected["reporting_rate_by_unit"].set_index("unit_code").loc[table.index]
    pd.testing.assert_series_equal(table["Nộp báo cáo (%)"], (100 * by_unit["reporting_rate"]).round(1),
                                   check_names=False)
    fig = _figure(at)
    assert "Tỷ lệ nộp báo cáo — Toàn bộ kế hoạch" in _legend(at)


def test_communes_without_reports_are_no_data(map_db, monkeypatch, expected):
    _, silent = map_db
    rate = expected["reporting_rate_by_unit_phase"].query("phase_number == 2 and territorial")
    # the communes stripped of their reports, and any the demo stopped before Đợt II
    nothing = sorted(rate.loc[rate["weeks_reported"] == 0, "unit_code"])
    assert set(silent) <= set(nothing)
    at = _app(map_db, monkeypatch)
    fig = _figure(at)
    no_data = [t for t in fig["data"] if t["name"].startswith("Không có dữ liệu")]
    assert len(no_data) == 1 and sorted(no_data[0]["locations"]) == nothing
    assert no_data[0]["name"] == f"Không có dữ liệu ({len(nothing)})"
    table = _table(at)
    rows = table.loc[nothing]
    assert (rows["Nhóm"] == "Không có dữ liệu").all()
    assert rows[["Độ phủ hình thức (%)", "Hoàn thành đợt (%)", "Tin, bài đăng"]].isna().all().all()
    # their missing reports are data: a reporting rate of 0 and a lag score
    assert (table.loc[silent, "Nộp báo cáo (%)"] == 0).all() and (table.loc[silent, "Điểm chậm tiến độ"] > 0).all()
    # on the lag map every commune has a value
    at = _app(map_db, monkeypatch, map_metric="lag")
    assert not any(t["name"].startswith("Không có dữ liệu") and t["locations"] for t in _figure(at)["data"])


def test_a_phase_not_started_has_no_data_anywhere(map_db, monkeypatch):
    at = _app(map_db, monkeypatch, **{f"phase:{CODE}": 3})
    assert any("Đợt III chưa bắt đầu" in w.value for w in at.warning)
    names = [t["name"] for t in _figure(at)["data"] if t["locations"]]
    assert names == ["Không có dữ liệu (102)"]
    legend = _legend(at)  # every class still listed, with its count
    assert all(f"{label}" in legend for label in ("0–20%", "20–40%", "40–60%", "60–80%", "80–100%"))
    assert "(102)" in legend


def test_choosing_a_commune_in_the_selectbox_shows_its_detail(map_db, monkeypatch, expected):
    at = _app(map_db, monkeypatch)
    units = expected["reporting_units"].query("territorial").set_index("unit_code")
    unit = "24373" if "24373" in units.index else units.index[10]
    at.selectbox(key="map_unit").set_value(unit).run()
    assert not at.exception
    assert units.loc[unit, "unit_name"] in [s.value for s in at.subheader]
    metrics = {m.label: m.value for m in at.metric}
    rate = expected["reporting_rate_by_unit_phase"].query("phase_number == 2").set_index("unit_code").loc[unit]
    assert metrics["Nộp báo cáo"] == f"{round(100 * rate['reporting_rate'])}%"
    cov = expected["channel_coverage_by_unit"].query("phase_number == 2").set_index("unit_code").loc[unit]
    assert metrics["Độ phủ hình thức"] == f"{round(100 * cov['coverage'])}%"
    weeks = next(d.value for d in at.dataframe if "Trạng thái" in d.value.columns)
    # Đợt II to AS_OF: the weeks of 29/09 (ends in Đợt II), 06/10, 13/10 and 20/10 (not due yet)
    assert list(weeks["Tuần"]) == ["20/10–26/10", "13/10–19/10", "06/10–12/10", "29/09–05/10"]
    assert weeks["Trạng thái"].iloc[0] == "Chưa đến hạn"


def test_a_silent_commune_says_why_its_numbers_are_empty(map_db, monkeypatch):
    _, silent = map_db
    at = _app(map_db, monkeypatch, map_unit=silent[0])
    assert any("chưa gửi báo cáo nào" in i.value for i in at.info)
    assert {m.label: m.value for m in at.metric}["Độ phủ hình thức"] == "—"


@pytest.mark.parametrize("metric", ["coverage", "completion", "reporting", "posts", "lag"])
def test_every_metric_has_five_classes_in_its_legend(map_db, monkeypatch, metric):
    at = _app(map_db, monkeypatch, map_metric=metric)
    fig = _figure(at)
    classes = [t for t in fig["data"] if not t["name"].startswith("Không có dữ liệu")]
    assert len(classes) == 5
    assert sum(len(t["locations"]) for t in fig["data"]) == 102
    assert at.get("download_button")


def test_ninhthuan_maps_only_its_own_territory(map_db, monkeypatch, expected):
    at = _app(map_db, monkeypatch, campaign="ninhthuan-2025")
    assert set(_features(_figure(at))) == expected["ninhthuan_territory"]
    assert len(expected["ninhthuan_territory"]) < expected["khanhhoa_units"]


def test_a_legacy_campaign_draws_its_legacy_communes(map_db, monkeypatch, expected):
    at = _app(map_db, monkeypatch, campaign="langson-2020")
    communes = expected["langson_communes"]
    assert set(_features(_figure(at))) == communes and len(communes) > 150
