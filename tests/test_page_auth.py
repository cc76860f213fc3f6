"""Sign-in, roles and the audit page, through the real app.py."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from streamlit.testing.v1 import AppTest

from loaders.accounts import auth
from loaders.store import db
from loaders.ingest import pipeline as ingest
from tests import workbooks as wb
from tests.apptest import open_app

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WEEK = (date(2025, 9, 15), date(2025, 9, 21))


def _accounts(db_path):
    con = db.connect(db_path)
    auth.create_account(con, "lanhdao", "mat-khau-lanh-dao", "lanh_dao", "Lãnh đạo Sở")
    staff = auth.create_account(con, "canbo", "mat-khau-can-bo", "can_bo", "Cán bộ Tân Lập",
                                [("daklak-2025", "24121")])
    con.close()
    return staff


def _signed_out(db_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("CM_DB", str(db_path))
    monkeypatch.setenv("CM_DEMO", "0")
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_sign_in_with_lockout_message_and_role_navigation(db_path, monkeypatch):
    _accounts(db_path)
    at = _signed_out(db_path, monkeypatch)
    assert at.title[0].value == "Theo dõi công tác tuyên truyền"
    at.text_input(key="login_username").set_value("lanhdao")
    at.text_input(key="login_password").set_value("sai-mat-khau")
    at.button[0].click().run()
    assert at.error[0].value == "Sai tên đăng nhập hoặc mật khẩu."
    at.text_input(key="login_password").set_value("mat-khau-lanh-dao")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert at.session_state["auth_user"].role == "lanh_dao"
    assert any("Lãnh đạo Sở · Lãnh đạo" in c.value for c in at.sidebar.caption)
    con = db.connect(db_path)
    log = con.execute("select action from audit_log where object = 'lanhdao' and action like 'login%' order by id"
                      ).fetchall()
    con.close()
    assert log == [("login.failure",), ("login.success",)]


def test_expired_session_asks_to_sign_in_again(db_path, monkeypatch):
    _accounts(db_path)
    monkeypatch.setenv("CM_DB", str(db_path))
    monkeypatch.setenv("CM_DEMO", "0")
    at = open_app(role="lanh_dao")
    at.session_state["auth_at"] = datetime.now() - timedelta(minutes=auth.SESSION_MINUTES + 1)
    at.run()
    assert "auth_user" not in at.session_state
    assert "hết hạn" in at.info[0].value


def test_unit_staff_cannot_store_for_another_unit(db_path, monkeypatch):
    staff = _accounts(db_path)
    monkeypatch.setenv("CM_DB", str(db_path))
    monkeypatch.setenv("CM_DEMO", "0")
    at = open_app(user=staff)
    at.switch_page("pages/upload.py")
    at.run()
    assert not at.exception, at.exception
    # the template picker offers only the staff's own unit
    assert at.selectbox(key="up_tpl_unit").options == ["Phường Tân Lập"]
    own = wb.xlsx(wb.report("Phường Tân Lập", *WEEK, {"ttcs_tin_bai": 3}, unit_code="24121"))
    other = wb.xlsx(wb.report("Phường Ea Kao", *WEEK, {"ttcs_tin_bai": 8}, unit_code="24169"))
    at.file_uploader(key="up_files").set_value([("own.xlsx", own, XLSX), ("other.xlsx", other, XLSX)])
    at.run()
    at.button(key="up_submit").click().run()
    assert {m.label: m.value for m in at.metric} == {"Đã nhận": "1", "Không thay đổi": "0", "Bị từ chối": "1"}
    errors = [df for df in (d.value for d in at.table) if (df["Mức"] == "Lỗi").any()]
    # the refusal names the commune, not its code
    assert "không được nộp báo cáo cho Phường Ea Kao; tài khoản chỉ nộp cho: Phường Tân Lập" \
        in errors[0]["Nội dung"].iloc[0]
    con = db.connect(db_path)
    assert con.execute("select count(*) from submissions where unit_code = '24169'").fetchone()[0] == 0
    assert con.execute("select submitted_by from submissions where unit_code = '24121'").fetchone()[0] == "canbo"
    con.close()


def test_crafted_file_is_refused_by_the_loader_itself(con):
    """Not only the page: ingestion checks the account against the unit the file names."""
    staff = auth.create_account(con, "cb2", "mat-khau-can-bo", "can_bo", units=[("daklak-2025", "24121")])
    crafted = wb.xlsx(wb.report("Phường Tân Lập", *WEEK, {"ttcs_tin_bai": 1}, unit_code="24169",
                                title_unit="UBND PHƯỜNG EA KAO"))
    r = ingest.ingest_bytes(con, crafted, "tan-lap.xlsx", "daklak-2025", user=staff)
    assert r.status == "rejected"
    assert con.execute("select count(*) from submissions").fetchone()[0] == 0


def test_audit_page_for_admins_only(db_path, monkeypatch):
    _accounts(db_path)
    monkeypatch.setenv("CM_DB", str(db_path))
    monkeypatch.setenv("CM_DEMO", "0")
    at = open_app(role="quan_tri")
    at.switch_page("pages/audit.py")
    at.run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert set(table["Đối tượng"]) >= {"lanhdao", "canbo"}
    assert (table["Hoạt động"] == "Tạo tài khoản (Lãnh đạo)").sum() == 1
    assert (table["Hoạt động"] == "Tạo tài khoản (Cán bộ đơn vị)").sum() == 1
    assert not table["Hoạt động"].str.contains(r"\w\.\w|_", regex=True).any()   # no event codes
    # leadership does not get the page, and the page itself refuses a non-admin
    at = open_app(role="lanh_dao")
    at.switch_page("pages/audit.py")
    at.run()
    assert at.error and "Chỉ quản trị viên" in at.error[0].value


def test_unit_staff_reads_only_their_units(db_path, monkeypatch):
    """The query layer cuts results for a unit's staff, whatever page asks."""
    import pytest

    import queries

    staff = _accounts(db_path)
    con = db.connect(db_path)
    for unit, name in [("24121", "Phường Tân Lập"), ("24169", "Phường Ea Kao")]:
        r = ingest.ingest_bytes(con, wb.xlsx(wb.report(name, *WEEK, {"ttcs_tin_bai": 2}, unit_code=unit)),
                                f"{unit}.xlsx", "daklak-2025")
        assert r.status == "accepted"
    grid = queries.run("submission_grid", con, user=staff, campaign="daklak-2025", as_of=date(2026, 1, 5))
    assert set(grid["unit_code"]) == {"24121"}
    everyone = queries.run("submission_grid", con, campaign="daklak-2025", as_of=date(2026, 1, 5))
    assert len(set(everyone["unit_code"])) > 100
    with pytest.raises(queries.NotAllowed):
        queries.run("coverage_by_group", con, user=staff, campaign="daklak-2025", as_of=date(2026, 1, 5), phase=0)
    other = con.execute("select id from submissions where unit_code = '24169'").fetchone()[0]
    with pytest.raises(queries.NotAllowed):
        queries.run("submission_values", con, user=staff, submission=other)
    con.close()

    # and the submissions page, signed in as that staff member, shows only their unit
    monkeypatch.setenv("CM_DB", str(db_path))
    monkeypatch.setenv("CM_DEMO", "0")
    at = open_app(user=staff)
    at.switch_page("pages/submissions.py")
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="sub_unit").options == ["Phường Tân Lập"]


def test_a_token_handed_to_the_cookie_route_is_taken_once_within_its_minute(monkeypatch):
    """The HttpOnly cookie's hand-over (ui/session.py): the browser gets the token for a one-time code,
    once; a made-up or an expired code gets nothing."""
    from ui import session

    code = session.handoff("token-1")
    assert session.take("made-up") is None
    assert session.take(code) == "token-1"
    assert session.take(code) is None
    monkeypatch.setattr(session, "HANDOFF_SECONDS", -1)
    assert session.take(session.handoff("token-2")) is None


def test_typing_in_the_sign_in_form_keeps_the_database_open(db_path, monkeypatch):
    """The sign-in form's fields ask the server (route /_cm/warm) to open the app's connection, which
    is released after some idle seconds, while the person types: the click on "Đăng nhập" finds it
    open. Once a second at most; the route answers only the app's own pages."""
    import asyncio

    from ui import session
    from ui.common import shared_connection

    monkeypatch.setenv("CM_DB", str(db_path))
    db.connect(db_path).close()                       # a store made and released
    shared = shared_connection()
    shared.close()
    assert not shared.is_open
    session._warmed[0] = 0.0
    session.keep_warm(shared_connection)
    assert shared.is_open                             # opened while the person types
    shared.close()
    session.keep_warm(shared_connection)              # within the second: not again
    assert not shared.is_open
    route = next(r for r in session.routes(shared_connection) if r.path.endswith(session.WARM_PATH))

    class Request:                                    # what the route reads of a request
        def __init__(self, headers):
            self.headers = headers

    session._warmed[0] = 0.0
    assert asyncio.run(route.endpoint(Request({}))).status_code == 403
    assert not shared.is_open
    assert asyncio.run(route.endpoint(Request({session.HEADER: "1"}))).status_code == 204
    assert shared.is_open
    shared.close()
