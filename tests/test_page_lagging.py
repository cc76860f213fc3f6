"""AppTest of the lagging page (Xã chậm tiến độ) on the demo database of daklak-2025 as of 19/11/2025:
the ranked list, its filters (unit kind, reason, name), one unit in detail and the Excel export.

Checked against the named queries on the same database and, for the "missing reports" reason and a
unit's reporting rate, against the raw submissions (tests/demo_db.py).
"""
from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest  # noqa: F401 (type of open_app)

from tests.apptest import open_app

import queries
from loaders.store import db
from ui.common import vn_percent
from tests import demo_db

AS_OF = demo_db.AS_OF


@pytest.fixture(scope="module")
def expected(demo_path):
    con = db.connect(demo_path)
    try:
        run = lambda name, **p: queries.run(name, con, campaign=demo_db.CAMPAIGN, **p)  # noqa: E731
        lagging = run("lagging_units", as_of=AS_OF)
        reasons = run("lagging_reasons", as_of=AS_OF)
        units = demo_db.reporting_units(con)
        weeks = demo_db.due_weeks(AS_OF)
        reported = {w: set(demo_db.reported(con, w)["unit_code"]) for w in weeks}
    finally:
        con.close()
    # by hand: communes without a report for either of the last two due weeks
    last_two = weeks[-2:]
    silent = units[units["territorial"] & ~units["unit_code"].isin(reported[last_two[0]] | reported[last_two[1]])]
    return dict(lagging=lagging, reasons=reasons, units=units, weeks=weeks, reported=reported,
                missing_two=set(silent["name"]))


@pytest.fixture
def media(monkeypatch) -> list:
    """The in-memory media storages AppTest creates (where st.download_button puts its file)."""
    made = []

    class Recording(MemoryMediaFileStorage):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            made.append(self)

    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", Recording)
    return made


@pytest.fixture
def at(demo_path, monkeypatch, media) -> AppTest:
    monkeypatch.setenv("CM_DB", str(demo_path))
    monkeypatch.setenv("CM_DEMO", "0")
    app = open_app(default_timeout=60)
    app.switch_page("pages/lagging.py")
    app.run()
    assert not app.exception, app.exception
    return app


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def _list(at):
    return at.dataframe[0].value


def test_ranked_list_of_communes(at, expected):
    assert at.title[0].value == "Xã, phường chậm tiến độ — Đắk Lắk"
    assert at.multiselect(key="lag_kinds").value == ["xa", "phuong"]
    communes = expected["lagging"][expected["lagging"]["territorial"]].sort_values("rank")
    assert _metrics(at)["Đơn vị chậm tiến độ"] == f"{len(communes)}/102"
    table = _list(at)
    assert list(table["Hạng"]) == list(range(1, len(communes) + 1))
    assert list(table["Đơn vị"]) == list(communes["unit_name"])
    assert list(table["Điểm"]) == list(communes["score"])
    assert list(table["Lý do"]) == [" • ".join(r) for r in communes["reasons"]]
    # units that never sent a report first, then by score
    never = list(communes["never_reported"])
    assert never == sorted(never, reverse=True)
    rest = table[~communes["never_reported"].to_numpy()]
    assert list(rest["Điểm"]) == sorted(rest["Điểm"], reverse=True)
    assert list(table["Số tuần chậm"]) == list(communes["weeks_lagging"])
    # every reason in words and numbers
    assert all(any(ch.isdigit() for ch in r) for r in table["Lý do"])
    # the score is the sum of the weights of the fired rules
    weights = expected["reasons"].groupby("unit_code")["weight"].sum()
    assert list(communes["score"]) == list(weights[communes["unit_code"]])


def test_filter_by_reason_missing_reports_by_hand(at, expected):
    at.multiselect(key="lag_rules").set_value(["reporting"]).run()
    assert not at.exception
    table = _list(at)
    # by hand: the communes that sent nothing for 03/11–09/11 nor for 10/11–16/11 are all there,
    # with the weeks named (or "no report at all")
    assert expected["weeks"][-2:] == [(date(2025, 11, 3), date(2025, 11, 9)), (date(2025, 11, 10), date(2025, 11, 16))]
    assert expected["missing_two"], "the demo has stopped communes"
    assert expected["missing_two"] <= set(table["Đơn vị"])
    reason = dict(zip(table["Đơn vị"], table["Lý do"]))
    assert all(reason[n].startswith(("Không nộp 2 tuần gần nhất (03/11–09/11, 10/11–16/11)",
                                     "Chưa gửi báo cáo nào")) for n in expected["missing_two"])
    assert list(table["Hạng"]) == list(range(1, len(table) + 1))            # renumbered
    r = expected["reasons"]
    reporting = r[r["territorial"] & (r["rule_code"] == "reporting")]
    assert set(table["Đơn vị"]) == set(reporting["unit_name"])
    assert _metrics(at)["Trong danh sách"] == str(len(reporting))
    # two reasons: units with either
    at.multiselect(key="lag_rules").set_value(["reporting", "silent_channel"]).run()
    either = r[r["territorial"] & r["rule_code"].isin(["reporting", "silent_channel"])]
    assert set(_list(at)["Đơn vị"]) == set(either["unit_name"])
    assert len(_list(at)) >= len(reporting)


def test_filter_by_kind_and_name(at, expected):
    at.multiselect(key="lag_kinds").set_value(["so_nganh", "bao_chi"]).run()
    others = expected["lagging"][expected["lagging"]["kind"].isin(["so_nganh", "bao_chi"])]
    assert len(others), "the demo's departments leave a channel silent"
    assert set(_list(at)["Đơn vị"]) == set(others["unit_name"])
    assert _metrics(at)["Đơn vị chậm tiến độ"] == f"{len(others)}/3"
    at.multiselect(key="lag_kinds").set_value(["phuong"]).run()
    wards = expected["lagging"][expected["lagging"]["kind"] == "phuong"]
    assert set(_list(at)["Đơn vị"]) == set(wards["unit_name"])
    assert len(wards) >= 1
    term = wards["unit_name"].iloc[0].split(" ", 1)[1].lower()            # a name without "Phường"
    at.text_input(key="lag_search").input(term).run()
    assert set(_list(at)["Đơn vị"]) == {n for n in wards["unit_name"] if term in n.lower()}
    at.text_input(key="lag_search").input("không có xã nào tên này").run()
    assert at.success[0].value == "Không có đơn vị nào chậm tiến độ theo bộ lọc đã chọn."


def test_unit_detail_by_hand(at, expected):
    first = expected["lagging"][expected["lagging"]["territorial"]].sort_values("rank").iloc[0]
    assert at.selectbox(key="lag_unit").value == first["unit_code"]          # the top of the list
    # another unit: its weekly reports and missing weeks
    unit = "22015"                                                            # Phường Tuy Hòa
    at.selectbox(key="lag_unit").set_value(unit).run()
    assert not at.exception
    weeks = expected["weeks"]
    got = [w for w in weeks if unit in expected["reported"][w]]
    m = _metrics(at)
    assert m["Nộp báo cáo"] == vn_percent(len(got) / len(weeks))
    assert [x.proto.delta for x in at.metric if x.label == "Nộp báo cáo"] == [f"{len(got)}/10 tuần"]
    reports = at.dataframe[1].value
    assert len(reports) == 11                                                 # 10 due + the current week
    missing = [f"{w[0]:%d/%m}–{w[1]:%d/%m}" for w in weeks if unit not in expected["reported"][w]]
    assert list(reports.loc[reports["Tình trạng"] == "Chưa nộp", "Tuần"]) == missing
    assert reports["Tình trạng"].iloc[-1] == "Chưa đến hạn"
    channels = at.dataframe[2].value
    assert set(channels.loc[channels["Được giao"] == "Có", "Hình thức"]) == {
        "Hệ thống thông tin cơ sở", "Cổng/Trang thông tin điện tử", "Mạng xã hội", "Tuyên truyền trực quan"}


def test_excel_export_of_the_filtered_list(at, expected, media):
    at.multiselect(key="lag_rules").set_value(["reporting"]).run()
    button = at.download_button[0]
    assert button.label.startswith("Tải danh sách (Excel")
    data = next(s.get_file(button.proto.url.rsplit("/", 1)[1]) for s in media
                if button.proto.url.rsplit("/", 1)[1].split(".")[0] in s._files_by_id).content
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == "DANH SÁCH XÃ, PHƯỜNG CHẬM TIẾN ĐỘ"
    assert ws["A2"].value.startswith("Kế hoạch tăng cường công tác thông tin")
    assert ws["A3"].value.startswith("Đợt II · Xã, Phường; lý do: Báo cáo · Tính đến ngày 19/11/2025")
    assert [c.value for c in ws[5]] == ["STT", "Đơn vị", "Loại đơn vị", "Điểm", "Lý do chậm tiến độ",
                                        "Hoàn thành đợt", "Mức cần đạt", "Tỷ lệ nộp báo cáo"]
    names = [ws.cell(row=r, column=2).value for r in range(6, ws.max_row + 1)]
    r = expected["reasons"]
    assert set(names) == set(r.loc[r["territorial"] & (r["rule_code"] == "reporting"), "unit_name"])
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$5:$5"
    assert ws.cell(row=6, column=4).value == expected["lagging"].set_index("unit_name").loc[names[0], "score"]
