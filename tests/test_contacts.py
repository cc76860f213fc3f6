"""Contacts of units (an Excel list made in code, edits) and reminders to late units, sent through a
real local SMTP server (aiosmtpd) by `python -m loaders remind --send`, on the demo of daklak-2025
as of 19/11/2025 (week 10/11–16/11 is the latest due; 13 units have no report for it)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
import xlwt

import queries
from loaders.accounts import auth, contacts
from loaders.store import db
from tests import demo_db
from tests.browser import ROOT
from tests.smtp import env as smtp_env, local_smtp

ADMIN = auth.User("quantri", "Quản trị", "quan_tri")
CODE = demo_db.CAMPAIGN


def _xlsx(rows, sheet="Danh bạ", title_rows=1) -> bytes:
    import io

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for _ in range(title_rows):
        ws.append(["DANH BẠ NGƯỜI LIÊN HỆ CÁC ĐƠN VỊ"])
    ws.append(["Mã đơn vị", "Tên đơn vị", "Người liên hệ", "Điện thoại", "Email", "Zalo"])
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def demo(demo_path, tmp_path):
    """A private copy of the shared demo database, and the units late for week 10/11–16/11."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_path, path)
    con = db.connect(path)
    grid = queries.run("submission_grid", con, campaign=CODE, as_of=demo_db.AS_OF)
    late = grid[(grid["week_start"] == "2025-11-10") & (grid["status"] == "missing")]
    on_time = grid[(grid["week_start"] == "2025-11-10") & (grid["status"] == "on_time")]
    yield path, con, list(late["unit_code"]), list(late["unit_name"]), list(on_time["unit_code"])
    con.close()


def _units(con):
    return queries.run("reporting_units", con, campaign=CODE)


# ---------------------------------------------------------------------------------------------------
# The Excel list
# ---------------------------------------------------------------------------------------------------

def test_import_a_contact_list_stores_and_audits(demo):
    _, con, late, names, _ = demo
    data = _xlsx([(late[0], names[0], "Nguyễn Văn An", "0912 345 678", "An.Nguyen@Example.vn", "0912345678"),
                  ("", names[1], "Trần Thị Bình", 987654321, "", ""),          # by name; the number lost its 0
                  (late[2], "", "", "+84 905.111.222", "xa@example.vn", "zalo.me/xa")])
    rows = contacts.read_contact_list(data, "danh-ba.xlsx", _units(con))
    assert contacts.import_contacts(con, CODE, rows, ADMIN) == 3
    got = queries.run("unit_contacts", con, campaign=CODE).set_index("unit_code")
    assert got.loc[late[0], ["person", "phone", "email", "zalo"]].tolist() == \
        ["Nguyễn Văn An", "0912345678", "an.nguyen@example.vn", "0912345678"]
    assert got.loc[late[1], "phone"] == "0987654321" and pd.isna(got.loc[late[1], "email"])
    assert got.loc[late[2], ["phone", "zalo"]].tolist() == ["0905111222", "zalo.me/xa"]
    log = con.execute("select actor, object, details from audit_log where action = 'contacts.import' "
                      "order by id").fetchall()
    assert [(a, o) for a, o, _ in log] == [("quantri", f"{CODE}/{c}") for c in late[:3]]
    assert json.loads(log[0][2])["person"] == {"before": None, "after": "Nguyễn Văn An"}
    # the same list again changes nothing and audits nothing more
    assert contacts.import_contacts(con, CODE, rows, ADMIN) == 0
    assert con.execute("select count(*) from audit_log where action = 'contacts.import'").fetchone()[0] == 3


def test_a_bad_list_names_every_cell_and_stores_nothing(demo):
    _, con, late, names, _ = demo
    data = _xlsx([(late[0], names[0], "A", "12345", "khong-phai-email", ""),
                  ("99999", "Xã Không Có", "B", "0912345678", "", ""),
                  ("", "Xã Không Tồn Tại", "C", "", "", ""),
                  (late[0], names[0], "D", "0912345678", "", "")], title_rows=2)
    with pytest.raises(contacts.ContactError) as e:
        contacts.read_contact_list(data, "danh-ba.xlsx", _units(con))
    where = "Tệp danh-ba.xlsx, trang “Danh bạ”, ô"
    assert e.value.problems == [
        f"{where} D4: số điện thoại “12345” không hợp lệ (cần 10 hoặc 11 chữ số, bắt đầu bằng 0 hoặc +84).",
        f"{where} E4: địa chỉ email “khong-phai-email” không hợp lệ.",
        f"{where} A5: mã đơn vị “99999” không thuộc kế hoạch.",
        f"{where} B6: không xác định được đơn vị “Xã Không Tồn Tại”.",
        f"{where} A7: đơn vị {names[0]} đã có ở dòng 4.",
    ]
    assert queries.run("unit_contacts", con, campaign=CODE)["person"].isna().all()


def test_a_list_in_the_old_excel_format(demo, tmp_path):
    _, con, late, names, _ = demo
    book = xlwt.Workbook()
    ws = book.add_sheet("DS")
    for c, h in enumerate(["Mã đơn vị", "Họ và tên", "Số điện thoại", "Email"]):
        ws.write(0, c, h)
    for c, v in enumerate([late[0], "Lê Văn Cường", "0912345678", "cuong@example.vn"]):
        ws.write(1, c, v)
    path = tmp_path / "danh-ba.xls"
    book.save(str(path))
    rows = contacts.read_contact_list(path.read_bytes(), "danh-ba.xls", _units(con))
    assert rows == [{"unit_code": late[0], "person": "Lê Văn Cường", "phone": "0912345678",
                     "email": "cuong@example.vn"}]
    with pytest.raises(contacts.ContactError, match="Tệp ghi-chu.xlsx: không tìm thấy dòng tiêu đề"):
        contacts.read_contact_list(_empty_book(), "ghi-chu.xlsx", _units(con))


def _empty_book() -> bytes:
    import io

    wb = openpyxl.Workbook()
    wb.active.append(["Ghi chú", "không phải danh bạ"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_edit_one_contact(demo):
    _, con, late, _, _ = demo
    assert contacts.update_contact(con, CODE, late[0], {"person": "  Phạm  Dũng ", "phone": "0912.345.678"}, ADMIN)
    row = queries.run("unit_contacts", con, campaign=CODE).set_index("unit_code").loc[late[0]]
    assert (row["person"], row["phone"], row["updated_by"]) == ("Phạm Dũng", "0912345678", "quantri")
    with pytest.raises(contacts.ContactError, match="Địa chỉ email “a@b” không hợp lệ."):
        contacts.update_contact(con, CODE, late[0], {"email": "a@b"}, ADMIN)
    with pytest.raises(contacts.ContactError, match="Chỉ tài khoản quản trị"):
        contacts.update_contact(con, CODE, late[0], {"person": "X"}, auth.User("kt", "Kiểm tra", "kiem_tra"))
    assert not contacts.update_contact(con, CODE, late[0], {"person": "Phạm Dũng", "phone": "0912345678"}, ADMIN)
    assert con.execute("select count(*) from audit_log where action = 'contacts.edit'").fetchone()[0] == 1


# ---------------------------------------------------------------------------------------------------
# Reminders through a real SMTP server
# ---------------------------------------------------------------------------------------------------

@pytest.fixture
def smtp():
    with local_smtp() as server:
        yield server


def _remind(path, port, *extra):
    env = {"PATH": "/usr/bin:/bin", **smtp_env(port)}
    return subprocess.run([sys.executable, "-m", "loaders", "remind", "--campaign", CODE, "--db", str(path),
                           "--as-of", "2025-11-19", *extra], cwd=ROOT, env=env, capture_output=True, text=True)


def test_remind_sends_one_message_per_late_unit_with_an_address(demo, smtp):
    path, con, late, names, on_time = demo
    port, inbox = smtp
    rows = [{"unit_code": u, "email": f"u{i}@example.vn", "person": f"Cán bộ {i}"} for i, u in enumerate(late[:5])]
    rows.append({"unit_code": late[5], "phone": "0912345678"})                 # late, no e-mail: not sent
    rows.append({"unit_code": on_time[0], "email": "dunghan@example.vn"})      # reported: never reminded
    contacts.import_contacts(con, CODE, rows, ADMIN)
    con.execute("insert into reminders values (?, ?, date '2025-11-10', 'email', 'u0@example.vn', "
                "timestamp '2025-11-18 08:00', 'quantri')", [CODE, late[0]])   # already reminded this week
    con.close()

    dry = _remind(path, port)                      # without --send: prints, sends nothing
    assert dry.returncode == 0, dry.stderr
    assert "13 đơn vị chưa nộp báo cáo; 4 sẽ được nhắc qua email, 1 đã được nhắc trước đó." in dry.stdout
    assert "Kính gửi: Cán bộ 1" in dry.stdout and inbox.messages == []

    done = _remind(path, port, "--send")
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Đã gửi 4 email nhắc nộp báo cáo." in done.stdout
    assert sorted(to for to, _ in inbox.messages) == [[f"u{i}@example.vn"] for i in range(1, 5)]
    for to, msg in inbox.messages:
        i = int(to[0][1])
        assert msg["Subject"] == f"Nhắc nộp báo cáo tuần 10/11–16/11/2025 — {names[i]}"
        assert msg["From"] == "theodoi@example.vn"
        body = msg.get_content()
        assert f"Kính gửi: Cán bộ {i} ({names[i]})." in body
        assert "hạn nộp: 17:00 ngày 17/11/2025" in body
    con = db.connect(path)
    try:
        audited = con.execute("select actor, object, details from audit_log where action = 'reminder.email'").fetchall()
        assert sorted(o for _, o, _ in audited) == sorted(f"{CODE}/{u}" for u in late[1:5])
        assert {a for a, _, _ in audited} == {"cli"}
        assert json.loads(audited[0][2])["week_start"] == "2025-11-10"
        sent = queries.run("reminder_log", con, campaign=CODE)
        assert sorted(sent["unit_code"]) == sorted(late[:5])
    finally:
        con.close()

    again = _remind(path, port, "--send")          # never twice for the same unit and week
    assert again.returncode == 0, again.stderr
    assert "Đã gửi 0 email" in again.stdout and len(inbox.messages) == 4


def test_remind_without_smtp_settings_or_with_a_wrong_password(demo, smtp):
    path, con, late, _, _ = demo
    port, inbox = smtp
    contacts.import_contacts(con, CODE, [{"unit_code": late[1], "email": "a@example.vn"}], ADMIN)
    con.close()
    no_server = subprocess.run([sys.executable, "-m", "loaders", "remind", "--campaign", CODE, "--db", str(path),
                                "--as-of", "2025-11-19", "--send"], cwd=ROOT, env={"PATH": "/usr/bin:/bin"},
                               capture_output=True, text=True)
    assert no_server.returncode == 2 and "chưa cấu hình máy chủ thư" in no_server.stderr
    bad = subprocess.run([sys.executable, "-m", "loaders", "remind", "--campaign", CODE, "--db", str(path),
                          "--as-of", "2025-11-19", "--send"], cwd=ROOT, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", **smtp_env(port, password="sai")})
    assert bad.returncode == 2 and "Không kết nối được máy chủ thư 127.0.0.1" in bad.stderr
    assert inbox.messages == []
    con = db.connect(path)
    try:   # the failure is audited and the unit may still be reminded later
        assert con.execute("select count(*) from audit_log where action = 'reminder.failed'").fetchone()[0] == 1
        assert con.execute("select count(*) from reminders").fetchone()[0] == 0
    finally:
        con.close()
