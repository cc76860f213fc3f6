"""AppTest of the campaign summary page (Kế hoạch) on a database made by the real bootstrap."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest  # noqa: F401 (type of open_app)

from tests.apptest import open_app



def _app(db_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("CM_DB", str(db_path))
    monkeypatch.setenv("CM_DEMO", "0")  # this page needs no reports
    at = open_app(default_timeout=60)
    at.switch_page("pages/plan.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_summary_shows_daklak_with_its_102_communes(db_path, monkeypatch):
    at = _app(db_path, monkeypatch)
    assert at.sidebar.selectbox(key="campaign").value == "daklak-2025"
    assert at.title[0].value == "Kế hoạch tuyên truyền — Đắk Lắk"
    m = _metrics(at)
    assert m["Xã, phường, đặc khu báo cáo"] == "102"
    assert m["Số đợt"] == "3"
    phases = at.dataframe[0].value
    assert list(phases["Đợt"]) == ["Đợt I", "Đợt II", "Đợt III"]
    assert list(phases["Bắt đầu"]) == ["08/09/2025", "02/10/2025", "24/01/2026"]
    milestones = at.dataframe[1].value
    assert "Đại hội đại biểu toàn quốc lần thứ XIV của Đảng" in list(milestones["Sự kiện"])


def test_switching_to_a_legacy_campaign(db_path, monkeypatch):
    at = _app(db_path, monkeypatch)
    at.sidebar.selectbox(key="campaign").set_value("langson-2020").run()
    assert not at.exception
    assert "Lạng Sơn" in at.title[0].value
    m = _metrics(at)
    # Lạng Sơn before 2025: its communes, wards and townships report on the legacy units
    assert int(m["Xã, phường, thị trấn báo cáo"]) > 150
    assert m["Số đợt"] == "4"
