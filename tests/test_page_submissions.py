"""AppTest of the submissions page: the unit × week grid and the history of a report's versions."""
from __future__ import annotations

from datetime import date, datetime

from streamlit.testing.v1 import AppTest  # noqa: F401 (type of open_app)

from tests.apptest import open_app

from loaders.store import db
from loaders.store import rollup
from loaders.ingest import pipeline as ingest
from tests import workbooks as wb

W1 = (date(2025, 9, 8), date(2025, 9, 14))   # deadline Mon 15/09 17:00
W2 = (date(2025, 9, 15), date(2025, 9, 21))  # deadline Mon 22/09 17:00


def _ingest(con, unit_name, unit_code, week, values, received):
    r = ingest.ingest_bytes(con, wb.xlsx(wb.report(unit_name, *week, values, unit_code=unit_code)),
                            f"{unit_code}-{week[0]}.xlsx", "daklak-2025", actor="can-bo-tan-lap")
    assert r.status == "accepted", r.messages
    # arrival time as if sent then (the demo does the same for its history)
    con.execute("update submissions set received_at = ? where id = ?", [received, r.submission_ids[0]])
    return r.submission_ids[0]


def test_grid_and_versions(db_path, monkeypatch):
    con = db.connect(db_path)
    first = _ingest(con, "Phường Tân Lập", "24121", W1, {"ttcs_tin_bai": 3}, datetime(2025, 9, 15, 9))
    _ingest(con, "Phường Tân Lập", "24121", W1, {"ttcs_tin_bai": 5}, datetime(2025, 9, 16, 9))   # correction
    _ingest(con, "Phường Ea Kao", "24169", W2, {"ttcs_tin_bai": 2}, datetime(2025, 9, 23, 8))    # late
    units = con.execute("select count(*) from campaign_units where campaign_code = 'daklak-2025'").fetchone()[0]
    rollup.refresh(con)      # the arrival times set above: the writer's refresh (reads never write)
    con.close()

    monkeypatch.setenv("CM_DB", str(db_path))
    monkeypatch.setenv("CM_DEMO", "0")
    at = open_app(default_timeout=60)
    at.switch_page("pages/submissions.py")
    at.run()
    at.sidebar.date_input(key="as_of:daklak-2025").set_value(date(2025, 9, 23)).run()
    assert not at.exception, at.exception

    m = {x.label: x.value for x in at.metric}
    # two due weeks for every reporting unit; a corrected report keeps its first arrival (on time)
    assert m["Báo cáo phải nộp"] == str(2 * units)
    assert m["Đúng hạn"] == "1" and m["Nộp muộn"] == "1"
    assert m["Chưa nộp"] == str(2 * units - 2)

    # the grid: units as rows (most missing first), weeks as columns, a mark per cell
    grid = at.dataframe[0].value
    assert list(grid.columns) == ["Đơn vị", "Chưa nộp", "08/09–14/09", "15/09–21/09"]
    assert len(grid) == units
    row = grid.set_index("Đơn vị")
    assert list(row.loc["Phường Tân Lập", ["08/09–14/09", "15/09–21/09"]]) == ["✓", "✗"]
    assert list(row.loc["Phường Ea Kao", ["08/09–14/09", "15/09–21/09"]]) == ["✗", "muộn"]
    at.selectbox(key="sub_unit").set_value("24121").run()
    versions = at.dataframe[1].value
    assert list(versions["Phiên bản"]) == [2, 1]
    assert list(versions["Hiện hành"]) == ["✔", ""]
    assert list(versions["Người gửi"]) == ["can-bo-tan-lap"] * 2
    values = at.dataframe[2].value
    assert values.set_index("Chỉ tiêu").loc[
        "Tin, bài phát trên hệ thống truyền thanh cơ sở", "Trong kỳ"] == 5
    assert not values.isna().any().any()                   # nothing shows as "None"
    # any earlier version can be looked at too
    at.selectbox(key="sub_version").set_value(first).run()
    values = at.dataframe[2].value
    assert values.set_index("Chỉ tiêu").loc[
        "Tin, bài phát trên hệ thống truyền thanh cơ sở", "Trong kỳ"] == 3
