"""AppTest of the settings page (Cài đặt): edits refused with a Vietnamese message or stored and
audited; a boundary file previewed (matched by code and by name, unmatched, missing) and imported."""
from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import pytest
import shapely
from streamlit.testing.v1 import AppTest  # noqa: F401 (type of open_app)

from tests.apptest import open_app

from loaders.reference import boundaries as bnd
from loaders.store import db
from loaders.common.text import fold

CODE = "daklak-2025"
PROVINCE = "66"


def _app(db_path, monkeypatch, **state) -> AppTest:
    monkeypatch.setenv("CM_DB", str(db_path))
    monkeypatch.setenv("CM_DEMO", "0")  # settings need no reports
    at = open_app(default_timeout=60)
    at.switch_page("pages/settings.py")
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _editor_key(at, prefix: str) -> str:
    return next(e.key for e in at.data_editor if e.key and e.key.startswith(prefix))


def _button(at, label: str):
    return next(b for b in at.button if b.label.startswith(label))


def _read(db_path, sql: str, params=()):
    con = db.connect(db_path)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _phases(db_path):
    return _read(db_path, "select number, start_date, end_date from phases where campaign_code = ? order by number",
                 [CODE])


def _settings_audit(db_path):
    return _read(db_path, "select actor, action, object, details from audit_log where action like 'settings.%' "
                          "order by id")


def test_the_page_says_the_file_stays_the_default(db_path, monkeypatch):
    at = _app(db_path, monkeypatch)
    note = at.info[0].value
    assert f"data/campaigns/{CODE}.yaml" in note and "bản mặc định" in note
    assert "python -m loaders init" in note and "Khôi phục từ tệp kế hoạch" in note
    phases = at.data_editor[0].value
    assert list(phases["Tên đợt"]) == ["Đợt I", "Đợt II", "Đợt III"]


def test_an_invalid_phase_edit_is_refused_and_nothing_changes(db_path, monkeypatch):
    at = _app(db_path, monkeypatch)
    before = _phases(db_path)
    at.session_state[_editor_key(at, "set_phases_")] = {
        "edited_rows": {1: {"Bắt đầu": "2025-10-03"}}, "added_rows": [], "deleted_rows": []}
    _button(at, "Lưu thời gian và các đợt").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Chưa lưu: Đợt II — ngày bắt đầu: Đợt II bắt đầu 03/10/2025, cách Đợt I (kết thúc 01/10/2025) "
        "1 ngày trống"]
    assert not at.success
    assert _phases(db_path) == before
    assert _settings_audit(db_path) == []


def test_a_valid_phase_edit_is_stored_and_audited(db_path, monkeypatch):
    from loaders.accounts import auth

    at = _app(db_path, monkeypatch, auth_user=auth.User("nguyenvana", "Nguyễn Văn A", "quan_tri"))
    at.session_state[_editor_key(at, "set_phases_")] = {
        "edited_rows": {0: {"Kết thúc": "2025-10-05"}, 1: {"Bắt đầu": "2025-10-06"}},
        "added_rows": [], "deleted_rows": []}
    _button(at, "Lưu thời gian và các đợt").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Đã lưu 2 thay đổi:")
    assert "Đợt I — ngày kết thúc: 01/10/2025 → 05/10/2025" in at.success[0].value
    assert _phases(db_path)[:2] == [(1, date(2025, 9, 8), date(2025, 10, 5)),
                                    (2, date(2025, 10, 6), date(2026, 1, 23))]
    log = _settings_audit(db_path)
    assert [(a, act, obj) for a, act, obj, _ in log] == [
        ("nguyenvana", "settings.phase", f"{CODE}/1"), ("nguyenvana", "settings.phase", f"{CODE}/2")]
    assert json.loads(log[1][3]) == {"phase": "Đợt II — ngày bắt đầu", "before": "2025-10-02",
                                     "after": "2025-10-06"}
    # the editor now starts from the stored dates, and the log tab lists the change
    assert list(at.data_editor[0].value["Kết thúc"].astype(str))[:1] == ["2025-10-05"]
    shown = next(d.value for d in at.dataframe if "Người thực hiện" in d.value.columns)
    assert shown["Nội dung"].iloc[0] == "Đợt II — ngày bắt đầu: 02/10/2025 → 06/10/2025"
    assert shown["Thao tác"].iloc[0] == "Sửa đợt"


def test_a_task_minimum_is_stored_and_a_negative_one_refused(db_path, monkeypatch):
    at = _app(db_path, monkeypatch)
    key = _editor_key(at, "set_tasks_")
    tasks = next(e for e in at.data_editor if e.key == key).value
    assert tasks["Chỉ tiêu (đơn vị tính)"].iloc[0] == "Tin, bài phát trên hệ thống truyền thanh cơ sở (tin, bài)"
    at.session_state[key] = {"edited_rows": {0: {"Mỗi tuần": -2}}, "added_rows": [], "deleted_rows": []}
    _button(at, "Lưu mức tối thiểu").click().run()
    assert at.error[0].value == ("Chưa lưu: Nhiệm vụ của Xã: Tin, bài phát trên hệ thống truyền thanh cơ sở — "
                                 "tối thiểu mỗi tuần: -2 phải lớn hơn hoặc bằng 0")
    assert _settings_audit(db_path) == []

    at = _app(db_path, monkeypatch)
    key = _editor_key(at, "set_tasks_")
    at.session_state[key] = {"edited_rows": {0: {"Mỗi tuần": 4}}, "added_rows": [], "deleted_rows": []}
    _button(at, "Lưu mức tối thiểu").click().run()
    assert at.success and not at.error
    assert _read(db_path, "select min_per_week, is_example from tasks where campaign_code = ? and unit_kind = 'xa' "
                          "and indicator_code = 'ttcs_tin_bai'", [CODE]) == [(4.0, False)]
    assert [a[1] for a in _settings_audit(db_path)] == ["settings.task"]


def test_campaign_details_are_edited(db_path, monkeypatch):
    at = _app(db_path, monkeypatch)
    number = next(t for t in at.text_input if t.label == "Số văn bản")
    number.set_value("12/KH-SVHTTDL")
    _button(at, "Lưu thông tin kế hoạch").click().run()
    assert at.success and "Số văn bản: (trống) → 12/KH-SVHTTDL" in at.success[0].value
    assert _read(db_path, "select doc_number from campaigns where code = ?", [CODE]) == [("12/KH-SVHTTDL",)]


# --- boundary file --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def boundary_file(ready_db_path, tmp_path_factory) -> bytes:
    """A GeoJSON of Đắk Lắk's communes as a deployment might have it: the approximate polygons with
    ma_xa/ten_xa columns; 3 units left out, 8 without a code (4 of them written without diacritics,
    matched by name), 2 features of no unit of the province."""
    con = db.connect(ready_db_path, read_only=True)
    try:
        geo = bnd.derive_geometries(con, "2025", PROVINCE)
        names = dict(con.execute("select code, name from units where era = '2025' and province_code = ?",
                                 [PROVINCE]).fetchall())
    finally:
        con.close()
    geo = geo.sort_values("unit_code").reset_index(drop=True)
    rows = [{"ma_xa": c, "ten_xa": names[c], "geometry": g} for c, g in zip(geo["unit_code"], geo["geometry"])]
    rows = rows[3:]                                     # units 0–2: not in the file
    for i, r in enumerate(rows[:8]):                   # no code: matched by name
        r["ma_xa"] = None
        if i < 4:
            r["ten_xa"] = fold(r["ten_xa"]).title()    # "Phuong Tan Lap"
    rows += [{"ma_xa": "99998", "ten_xa": "Xã Không Có Thật", "geometry": shapely.Point(100, 10).buffer(0.05)},
             {"ma_xa": None, "ten_xa": "Phường Ngoài Tỉnh", "geometry": shapely.Point(101, 11).buffer(0.05)}]
    path = tmp_path_factory.mktemp("boundary") / "ranh_gioi.geojson"
    gpd.GeoDataFrame(rows, geometry="geometry", crs=4326).to_file(path, driver="GeoJSON")
    return path.read_bytes()


def test_a_boundary_file_is_previewed_then_imported(db_path, monkeypatch, boundary_file):
    at = _app(db_path, monkeypatch)
    at.file_uploader[0].set_value(("ranh_gioi.geojson", boundary_file, "application/geo+json")).run()
    assert not at.exception and not at.error
    assert "Xem trước: ranh_gioi.geojson" in [s.value for s in at.subheader]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Vùng trong tệp": "101", "Khớp theo mã": "91", "Khớp theo tên": "8", "Không khớp": "2"}
    assert any("Khớp **99/102** đơn vị của kế hoạch" in m.value for m in at.markdown)
    labels = [e.label for e in at.expander]
    assert "2 vùng trong tệp không khớp đơn vị nào của tỉnh" in labels
    assert "3 đơn vị không có trong tệp (vẫn dùng ranh giới gần đúng)" in labels
    assert "8 đơn vị khớp theo tên — kiểm tra lại" in labels
    unmatched = next(d.value for d in at.dataframe if "Vùng trong tệp" in d.value.columns)
    assert set(unmatched["Vùng trong tệp"]) == {"Xã Không Có Thật (99998)", "Phường Ngoài Tỉnh"}
    missing = next(d.value for d in at.dataframe if list(d.value.columns) == ["Mã", "Tên"])
    assert len(missing) == 3
    by_name = next(d.value for d in at.dataframe if "Tên trong tệp" in d.value.columns)
    assert len(by_name) == 8 and by_name["Tên trong tệp"].str.startswith(("Xa ", "Phuong ")).sum() == 4
    assert len(at.get("plotly_chart")) == 1  # the small preview map
    assert _read(db_path, "select count(*) from boundaries where not approximate") == [(0,)]

    _button(at, "Nạp ranh giới cho 99 đơn vị").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == ("Đã nạp ranh giới của 99 đơn vị từ tệp 'ranh_gioi.geojson'; "
                                   "3 đơn vị của kế hoạch vẫn dùng ranh giới gần đúng.")
    stored = dict(_read(db_path, """select approximate, count(*) from boundaries b
                                    join units u on u.era = b.era and u.code = b.unit_code
                                    where b.era = '2025' and u.province_code = ? group by 1""", [PROVINCE]))
    assert stored == {False: 99, True: 3}
    assert _read(db_path, "select distinct source from boundaries where not approximate") == [("file:ranh_gioi.geojson",)]
    assert _read(db_path, "select actor from audit_log where action = 'boundaries.import'") == [("quantri",)]  # the signed-in admin (tests/apptest.py)


def test_a_broken_boundary_file_is_named_in_the_error(db_path, monkeypatch):
    at = _app(db_path, monkeypatch)
    at.file_uploader[0].set_value(("hong.geojson", b'{"type": "FeatureCollection", "features": [', "application/json")).run()
    assert not at.exception
    assert len(at.error) == 1 and "'hong.geojson'" in at.error[0].value
    assert not [b for b in at.button if b.label.startswith("Nạp ranh giới")]
