"""AppTest of the reminder page (Nhắc nộp báo cáo), the briefing buttons of the overview and the contact
tab of the settings page, on the demo of daklak-2025 as of 19/11/2025 (week 10/11–16/11 is due)."""
from __future__ import annotations

import html
import re
import shutil

import pytest
from streamlit.testing.v1 import AppTest  # noqa: F401 (type of open_app)

import queries
from loaders.accounts import auth, contacts
from loaders.store import db
from tests import demo_db
from tests.apptest import open_app
from tests.smtp import env as smtp_env, local_smtp

CODE = demo_db.CAMPAIGN
ADMIN = auth.User("quantri", "Quản trị", "quan_tri")


@pytest.fixture(scope="module")
def late(demo_path):
    con = db.connect(demo_path)
    try:
        grid = queries.run("submission_grid", con, campaign=CODE, as_of=demo_db.AS_OF)
    finally:
        con.close()
    late = grid[(grid["week_start"] == "2025-11-10") & (grid["status"] == "missing")]
    return dict(zip(late["unit_code"], late["unit_name"]))


def _open(path, monkeypatch, page: str, role: str = "quan_tri", **env) -> AppTest:
    monkeypatch.setenv("CM_DB", str(path))
    monkeypatch.setenv("CM_DEMO", "0")
    for k in ("CM_SMTP_HOST", "CM_SMTP_PORT", "CM_SMTP_USER", "CM_SMTP_PASSWORD", "CM_SMTP_FROM", "CM_SMTP_TLS"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    at = open_app(default_timeout=60, role=role)
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _messages(at) -> list[str]:
    """The messages to copy as a person reads them: the text of each block's <pre> (HTML unescaped)."""
    bodies = [h.proto.body for h in at.get("html") if "cm-msg-text" in h.proto.body]
    return [html.unescape(m) for body in bodies for m in re.findall(r'<pre class="cm-msg-text">(.*?)</pre>', body, re.S)]


def test_the_late_units_with_a_message_each(demo_path, monkeypatch, late):
    at = _open(demo_path, monkeypatch, "pages/reminders.py", role="kiem_tra")
    assert at.title[0].value == "Nhắc nộp báo cáo — Đắk Lắk"
    assert f"**{len(late)}** đơn vị chưa nộp báo cáo" in at.caption[0].value
    assert "Tuần **10/11–16/11/2025**" in at.caption[0].value
    shown = at.dataframe[0].value
    assert sorted(shown["Đơn vị"]) == sorted(late.values())
    codes = _messages(at)
    assert len(codes) == len(late)
    for name in late.values():
        assert any(f"Nhắc nộp báo cáo tuần 10/11–16/11/2025 — {name}" in c and f"({name})" in c for c in codes)
    assert not [b for b in at.button if b.label.startswith("Gửi email")]     # inspection may not send


def test_admin_sends_after_a_confirmation(demo_path, monkeypatch, late, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_path, path)
    con = db.connect(path)
    codes = list(late)
    contacts.import_contacts(con, CODE, [{"unit_code": u, "email": f"u{i}@example.vn"} for i, u in enumerate(codes[:3])],
                             ADMIN)
    con.close()
    with local_smtp() as (port, inbox):
        at = _open(path, monkeypatch, "pages/reminders.py", **smtp_env(port))
        send = next(b for b in at.button if b.label == "Gửi email nhắc cho 3 đơn vị")
        send.click().run()
        assert inbox.messages == []                                        # nothing before the confirmation
        assert "tới:" in at.warning[0].value and "u0@example.vn" in at.warning[0].value
        next(b for b in at.button if b.label == "Xác nhận gửi").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.success[0].value == "Đã gửi 3 email nhắc nộp báo cáo."
        assert sorted(to[0] for to, _ in inbox.messages) == ["u0@example.vn", "u1@example.vn", "u2@example.vn"]
        assert not [b for b in at.button if b.label.startswith("Gửi email")]  # nobody left to e-mail
        shown = at.dataframe[0].value.set_index("Đơn vị")
        assert all(shown.loc[late[u], "Đã nhắc"] for u in codes[:3])
    con = db.connect(path)
    try:
        rows = con.execute("select actor, object from audit_log where action = 'reminder.email' order by object").fetchall()
    finally:
        con.close()
    assert rows == sorted(("quantri", f"{CODE}/{u}") for u in codes[:3])


def test_without_smtp_settings_the_admin_copies_the_messages(demo_path, monkeypatch):
    at = _open(demo_path, monkeypatch, "pages/reminders.py")
    assert any("Chưa cấu hình máy chủ thư" in i.value for i in at.info)
    assert not [b for b in at.button if b.label.startswith("Gửi email")]


def test_overview_offers_the_weekly_and_phase_briefings(demo_path, monkeypatch):
    at = _open(demo_path, monkeypatch, "pages/overview.py", role="lanh_dao")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Báo cáo tuần 10/11–16/11 (Word)", "Báo cáo Đợt II (Word)"]


def test_settings_has_the_contact_tab(demo_path, monkeypatch):
    at = _open(demo_path, monkeypatch, "pages/settings.py")
    assert "Danh bạ đơn vị" in [t.label for t in at.tabs]
    assert any(b.proto.label == "Tải danh bạ hiện có (Excel, để điền)" for b in at.get("download_button"))
    editor = next(e for e in at.data_editor if e.key and e.key.startswith("con_editor_"))
    assert len(editor.value) == 105
