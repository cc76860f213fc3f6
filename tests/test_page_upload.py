"""AppTest of the upload page (Nộp báo cáo): a good and a bad workbook through the real ingestion."""
from __future__ import annotations

from datetime import date, timedelta

from streamlit.testing.v1 import AppTest  # noqa: F401 (type of open_app)

from tests.apptest import open_app

from tests import workbooks as wb

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WEEK = (date(2025, 9, 15), date(2025, 9, 21))


def _app(db_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("CM_DB", str(db_path))
    monkeypatch.setenv("CM_DEMO", "0")
    at = open_app(default_timeout=60)
    at.switch_page("pages/upload.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_good_and_bad_workbook(db_path, monkeypatch):
    good = wb.xlsx(wb.report("Phường Tân Lập", *WEEK, {"ttcs_tin_bai": 7, "mxh_facebook": "1.200"},
                             unit_code="24121"))
    bad = wb.xlsx(wb.report("Phường Ea Kao", *WEEK, {"ttcs_tin_bai": -3}, unit_code="24169"))
    bad_cell = wb.value_cells(wb.report("Phường Ea Kao", *WEEK, {}, unit_code="24169"), "ttcs_tin_bai")

    at = _app(db_path, monkeypatch)
    assert at.title[0].value == "Nộp báo cáo tuần"
    at.file_uploader(key="up_files").set_value([("tan-lap.xlsx", good, XLSX), ("ea-kao.xlsx", bad, XLSX)])
    at.run()
    at.button(key="up_submit").click().run()
    assert not at.exception, at.exception

    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Đã nhận": "1", "Không thay đổi": "0", "Bị từ chối": "1"}
    assert "tan-lap.xlsx" in at.success[0].value and "Phường Tân Lập" in at.success[0].value
    assert "ea-kao.xlsx" in at.error[0].value and "Bị từ chối" in at.error[0].value
    # the rejection names the sheet and the cell, in Vietnamese
    messages = [t.value for t in at.table]
    errors = [m for m in messages if (m["Mức"] == "Lỗi").any()]
    assert errors, messages
    row = errors[0][errors[0]["Mức"] == "Lỗi"].iloc[0]
    assert row["Trang tính"] == "Báo cáo" and row["Ô"] == bad_cell
    assert "âm" in row["Nội dung"]
    # the annotated workbook is offered back for the rejected file only
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("Tải lại tệp có ghi chú tại các ô lỗi") == 1

    # stored: the good file's values, nothing of the bad one
    import duckdb
    con = duckdb.connect(str(db_path))  # same process as the app: same configuration
    stored = dict(con.execute(
        "select indicator_code, value from v_report_values where unit_code = '24121'").fetchall())
    # rows left blank in the report count as 0 done
    assert {k: v for k, v in stored.items() if v} == {"ttcs_tin_bai": 7, "mxh_facebook": 1200}
    assert con.execute("select count(*) from submissions where unit_code = '24169'").fetchone()[0] == 0
    con.close()


def test_same_file_again_changes_nothing(db_path, monkeypatch):
    good = wb.xlsx(wb.report("Phường Tân Lập", *WEEK, {"ttcs_tin_bai": 4}, unit_code="24121"))
    at = _app(db_path, monkeypatch)
    for _ in range(2):
        # the box is emptied after each send (a new widget): set the file on the one shown
        assert len(at.file_uploader) == 1 and not at.file_uploader[0].value
        at.file_uploader[0].set_value([("tan-lap.xlsx", good, XLSX)])
        at.run()
        at.button(key="up_submit").click().run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Không thay đổi"] == "1" and metrics["Đã nhận"] == "0"
    assert "đã được nộp trước đó" in at.info[0].value


def test_a_replacement_is_a_visible_warning_with_old_and_new_values(db_path, monkeypatch):
    first = wb.xlsx(wb.report("Phường Tân Lập", *WEEK, {"ttcs_tin_bai": 3}, unit_code="24121"))
    again = wb.xlsx(wb.report("Phường Tân Lập", *WEEK, {"ttcs_tin_bai": 7}, unit_code="24121"))
    at = _app(db_path, monkeypatch)
    for name, data in (("lan-1.xlsx", first), ("lan-2.xlsx", again)):
        at.file_uploader[0].set_value([(name, data, XLSX)])
        at.run()
        at.button(key="up_submit").click().run()
        assert not at.exception, at.exception
    warning = at.warning[0].value
    assert "lan-2.xlsx" in warning and "thay báo cáo đã nộp trước" in warning
    assert "Phường Tân Lập" in warning and "3 → 7" in warning and "24121" not in warning
    assert not at.file_uploader[0].value                     # the box is empty again


def test_template_defaults_to_the_week_that_is_due(db_path, monkeypatch):
    at = _app(db_path, monkeypatch)
    import pandas as pd

    as_of = pd.Timestamp(at.session_state["as_of:daklak-2025"]).date()
    week = pd.Timestamp(at.selectbox(key="up_tpl_week").value).date()
    # the latest week already over on the reference day: its report is the one due now
    assert week + timedelta(days=6) < as_of <= week + timedelta(days=13)


def test_zip_of_reports_uploaded_at_once(db_path, monkeypatch):
    """A .zip holding several reports: each inside file is checked and stored as a file of its own."""
    from tests import hostile

    at = _app(db_path, monkeypatch)
    at.file_uploader[0].set_value([("tuan-38.zip", hostile.reports_zip(), "application/zip")])
    at.run()
    at.button(key="up_submit").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Đã nhận": "2", "Không thay đổi": "0", "Bị từ chối": "1"}
    assert any("tuan-38.zip/tuan-38/tan-lap.xlsx" in s.value for s in at.success)
    assert any("tuan-38.zip/tuan-38/hong.xlsx" in e.value for e in at.error)
