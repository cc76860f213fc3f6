"""Rows no indicator is named for (issue 10): kept whole with a warning instead of refusing the report,
mapped once on the page "Chỉ tiêu chưa phân loại", counted at once in every metric, undone exactly.
Real files built in code, the real pipeline, queries and rollup; the page through AppTest."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest

import queries
from loaders.store import rollup
from loaders.accounts import auth
from loaders.ingest.pipeline import ingest_bytes
from loaders.ingest.unclassified import MappingError, map_wording, undo_mapping
from loaders.store import db
from tests.apptest import open_app
from tests.workbooks import SheetSpec, build, free_form

CAMPAIGN = "daklak-2025"
W1 = (date(2025, 9, 8), date(2025, 9, 14))
EA_DRONG, EA_KAO = "24328", "24169"
ADMIN = auth.User("quantri", "Quản trị", "quan_tri")
INSPECTOR = auth.User("kiemtra", "Kiểm tra", "kiem_tra")
LEADER = auth.User("lanhdao", "Lãnh đạo", "lanh_dao")
WORDING = "Phông, bạt chào mừng Đại hội"
AS_OF = date(2025, 9, 30)


def _report(unit_title: str, rows: list[list]) -> bytes:
    return build("xlsx", [free_form([unit_title], "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025", rows)])


def _send(con, unit_title, rows, name="bc.xlsx"):
    r = ingest_bytes(con, _report(unit_title, rows), name, CAMPAIGN, actor="can-bo")
    # arrival time as if sent on time (metrics count what had arrived by their as-of day)
    for sid in r.submission_ids:
        con.execute("update submissions set received_at = ? where id = ?", [datetime(2025, 9, 15, 9), sid])
    rollup.refresh(con, CAMPAIGN)     # the arrival times set above: the writer's refresh (reads never write)
    return r


def _truc_quan_active(con) -> int:
    cov = queries.run("coverage_by_group", con, campaign=CAMPAIGN, as_of=AS_OF)
    return int(cov[(cov["group_code"] == "truc_quan") & (cov["phase_number"] == 1)]["units_active"].max())


def _completion(con, unit: str) -> float:
    lag = queries.run("lagging_units", con, campaign=CAMPAIGN, as_of=AS_OF)
    return float(lag.set_index("unit_code").loc[unit, "completion"])


def _audit(con, action: str) -> list[dict]:
    return [json.loads(d) for (d,) in con.execute(
        "select details::varchar from audit_log where action = ? order by id", [action]).fetchall()]


def test_unknown_row_kept_with_a_warning_then_mapped_and_undone(con):
    r = _send(con, "UBND XÃ EA DRÔNG", [[1, "Bài đăng trên Facebook", "bài", 2, None, None],
                                         [2, WORDING, "cái", 6, None, None]], "ea drong.xlsx")
    assert r.status == "accepted", [m.text for m in r.messages]
    warn = [m for m in r.messages if m.level == "warning" and WORDING in m.text]
    assert len(warn) == 1 and warn[0].sheet == "Sheet1" and warn[0].cell.startswith("B")
    kept = con.execute("select label, value, raw_value, uom, sheet, cell, value_cell, file_name, unit_code, "
                       "period_start, period_end, mapping_id from unclassified_rows").fetchall()
    assert kept == [(WORDING, 6.0, "6", "cái", "Sheet1", warn[0].cell, "D" + warn[0].cell[1:], "ea drong.xlsx",
                     EA_DRONG, *W1, None)]
    words = queries.run("unclassified_wordings", con, campaign=CAMPAIGN)
    assert list(words["label"]) == [WORDING] and int(words["waiting_rows"][0]) == 1
    before_cov, before_done = _truc_quan_active(con), _completion(con, EA_DRONG)
    assert before_cov == 0

    with pytest.raises(MappingError):
        map_wording(con, words["wording_key"][0], WORDING, "tq_bang_ron", CAMPAIGN, LEADER)
    res = map_wording(con, words["wording_key"][0], WORDING, "tq_bang_ron", CAMPAIGN, INSPECTOR)
    assert res["rows_counted"] == 1
    # counted at once, without sending again: the overview's coverage and the lagging list's completion
    assert _truc_quan_active(con) == 1
    assert _completion(con, EA_DRONG) > before_done
    assert con.execute("select value from v_report_values where indicator_code = 'tq_bang_ron'").fetchall() == [(6.0,)]

    # a later report with the same wording is counted as it arrives, without a warning
    r2 = _send(con, "UBND XÃ EA KAO", [[1, WORDING.lower(), "cái", 4, None, None]], "ea kao.xlsx")
    assert r2.status == "accepted" and not any(WORDING.lower() in m.text for m in r2.messages)
    assert sorted(con.execute("select unit_code, value from v_report_values where indicator_code = 'tq_bang_ron'")
                  .fetchall()) == [(EA_KAO, 4.0), (EA_DRONG, 6.0)]
    assert _truc_quan_active(con) == 2

    out = undo_mapping(con, res["mapping_id"], ADMIN)
    assert out["rows"] == 2
    assert con.execute("select count(*) from v_report_values where indicator_code = 'tq_bang_ron'").fetchone() == (0,)
    assert con.execute("select count(*) from unclassified_rows where mapping_id is null").fetchone() == (2,)
    assert _truc_quan_active(con) == 0 and _completion(con, EA_DRONG) == before_done
    assert [d["indicator"] for d in _audit(con, "wording.map")] == ["tq_bang_ron"]
    assert [d["rows"] for d in _audit(con, "wording.unmap")] == [2]
    with pytest.raises(MappingError):
        undo_mapping(con, res["mapping_id"], ADMIN)


def test_not_counted_and_all_campaigns(con):
    _send(con, "UBND XÃ EA DRÔNG", [[1, "Bài đăng trên Facebook", "bài", 2, None, None],
                                     [2, "Hoạt động khác", "lượt", 3, None, None]])
    key = queries.run("unclassified_wordings", con, campaign=CAMPAIGN)["wording_key"][0]
    res = map_wording(con, key, "Hoạt động khác", None, None, ADMIN)
    assert (res["rows"], res["rows_counted"]) == (1, 0)
    words = queries.run("unclassified_wordings", con, campaign=CAMPAIGN)
    assert int(words["waiting_rows"][0]) == 0 and words["mapping_scope"][0] == "all"
    maps = queries.run("wording_mappings", con, campaign=CAMPAIGN)
    assert list(maps["indicator_code"].isna()) == [True] and bool(maps["in_force"][0])


def test_several_kinds_are_kept_not_split(con):
    r = _send(con, "UBND XÃ EA DRÔNG", [[1, "Bài đăng trên Facebook", "bài", 2, None, None],
                                         [2, "Cờ, băng rôn, khẩu hiệu, pa nô, tranh, ảnh", "cái", 30, None, None]])
    assert r.status == "accepted"
    assert any("nhiều loại chỉ tiêu" in m.text for m in r.messages if m.level == "warning")
    assert con.execute("select reason, value from unclassified_rows").fetchall() == [("several", 30.0)]
    assert con.execute("select count(*) from v_report_values where indicator_code like 'tq_%'").fetchone() == (0,)


def test_a_file_that_cannot_be_a_report_is_refused_with_the_reason_first(con):
    rows = [[i, f"Chỉ số thống kê số {i}", "đơn vị", 10 + i, None, None] for i in range(1, 21)]
    r = _send(con, "CÔNG TY CỔ PHẦN ABC", rows, "thong ke.xlsx")
    assert r.status == "rejected"
    assert r.messages[0].level == "error" and "Không xác định được đơn vị" in r.messages[0].text
    assert sum(1 for m in r.messages[1:] if m.cell) <= 5
    r = _send(con, "UBND XÃ EA DRÔNG", rows, "thong ke 2.xlsx")
    assert r.status == "rejected"
    assert r.messages[0].level == "error" and "Không nhận ra dòng chỉ tiêu nào" in r.messages[0].text
    assert sum(1 for m in r.messages[1:] if m.cell) <= 5
    assert con.execute("select count(*) from unclassified_rows").fetchone() == (0,)


def test_activity_list_rows_it_cannot_name_are_kept(con):
    sheet = SheetSpec("Nhật ký", [
        ["UBND XÃ EA DRÔNG"], ["Tuần từ ngày 08/9/2025 đến ngày 14/9/2025"], [],
        ["STT", "Ngày", "Hình thức", "Số lượng", "Đơn vị tính"],
        [1, date(2025, 9, 8), "Đăng bài trên Facebook", 2, "bài"],
        [2, date(2025, 9, 9), "Dọn vệ sinh đường làng", 1, "buổi"],
    ])
    r = ingest_bytes(con, build("xlsx", [sheet]), "nhat ky.xlsx", CAMPAIGN)
    assert r.status == "accepted", [m.text for m in r.messages]
    assert con.execute("select label, value, period_start from unclassified_rows").fetchall() == [
        ("Dọn vệ sinh đường làng", 1.0, W1[0])]


def test_page_maps_and_undoes(db_path, monkeypatch):
    c = db.connect(db_path)
    _send(c, "UBND XÃ EA DRÔNG", [[1, "Bài đăng trên Facebook", "bài", 2, None, None],
                                   [2, WORDING, "cái", 6, None, None]])
    c.close()
    monkeypatch.setenv("CM_DB", str(db_path))
    monkeypatch.setenv("CM_DEMO", "0")
    at = open_app(default_timeout=60, role="kiem_tra")
    at.switch_page("pages/unclassified.py")
    at.run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["Cách ghi"]) == [WORDING] and list(table["Chờ phân loại"]) == [1]
    key = at.selectbox(key="uc_wording").value
    at.selectbox(key=f"uc_indicator:{key}").set_value("tq_bang_ron").run()
    at.button(key="uc_map").click().run()
    assert not at.exception, at.exception
    assert any("Đã phân loại" in s.value for s in at.success)
    c = db.connect(db_path)
    assert c.execute("select value from v_report_values where indicator_code = 'tq_bang_ron'").fetchall() == [(6.0,)]
    c.close()
    at.button(key="uc_undo").click().run()
    assert not at.exception, at.exception
    assert any("Đã hoàn tác" in s.value for s in at.success)
    c = db.connect(db_path)
    assert c.execute("select count(*) from v_report_values where indicator_code = 'tq_bang_ron'").fetchone() == (0,)
    assert [a for (a,) in c.execute("select action from audit_log where action like 'wording.%' order by id")
            .fetchall()] == ["wording.map", "wording.unmap"]
    c.close()


def test_page_is_for_admins_and_inspection(db_path, monkeypatch):
    monkeypatch.setenv("CM_DB", str(db_path))
    monkeypatch.setenv("CM_DEMO", "0")
    at = open_app(default_timeout=60, role="lanh_dao")
    at.switch_page("pages/unclassified.py")
    at.run()
    assert any("Chỉ quản trị viên và cán bộ kiểm tra" in e.value for e in at.error)
