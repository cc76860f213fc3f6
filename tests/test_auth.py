"""Accounts: argon2 hashes, lockout, roles and unit bindings, the first admin from the command line."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from loaders.accounts import auth
from tests.browser import ROOT


def test_password_is_hashed_with_argon2(con):
    auth.create_account(con, "Admin", "mat-khau-dai", "quan_tri", "Quản trị viên")
    stored = con.execute("select password_hash from accounts where username = 'admin'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "mat-khau-dai" not in stored
    user = auth.login(con, "admin", "mat-khau-dai")
    assert user.is_admin and user.display_name == "Quản trị viên"
    actions = [a for (a,) in con.execute("select action from audit_log where object = 'admin' order by id").fetchall()]
    assert actions == ["account.create", "login.success"]


def test_wrong_password_and_lockout(con):
    auth.create_account(con, "kt", "mat-khau-dai", "kiem_tra")
    t0 = datetime(2025, 10, 1, 9)
    for i in range(auth.MAX_FAILED - 1):
        with pytest.raises(auth.AuthError, match="Sai tên đăng nhập hoặc mật khẩu"):
            auth.login(con, "kt", "sai", now=t0)
    with pytest.raises(auth.AuthError, match="bị khóa 15 phút"):
        auth.login(con, "kt", "sai", now=t0)
    # even the right password is refused while locked
    with pytest.raises(auth.AuthError, match="tạm khóa"):
        auth.login(con, "kt", "mat-khau-dai", now=t0 + timedelta(minutes=5))
    assert auth.login(con, "kt", "mat-khau-dai", now=t0 + timedelta(minutes=16)).role == "kiem_tra"
    failures = con.execute("select count(*) from audit_log where action = 'login.failure' and object = 'kt'"
                           ).fetchone()[0]
    assert failures == auth.MAX_FAILED + 1


def test_unknown_user_is_refused_and_audited(con):
    with pytest.raises(auth.AuthError, match="Sai tên đăng nhập"):
        auth.login(con, "ai-do", "x")
    assert con.execute("select count(*) from audit_log where action = 'login.failure'").fetchone()[0] == 1


def test_unit_staff_binding(con):
    with pytest.raises(auth.AuthError, match="ít nhất một đơn vị"):
        auth.create_account(con, "cb", "mat-khau-dai", "can_bo")
    with pytest.raises(auth.AuthError, match="không báo cáo"):
        auth.create_account(con, "cb", "mat-khau-dai", "can_bo", units=[("daklak-2025", "99999")])
    user = auth.create_account(con, "cb", "mat-khau-dai", "can_bo", units=[("daklak-2025", "24121")])
    assert user.may_upload_for("daklak-2025", "24121")
    assert not user.may_upload_for("daklak-2025", "24169")
    assert not user.reads_all and not user.can_export
    assert user.units_in("daklak-2025") == ["24121"]


def test_short_password_refused(con):
    with pytest.raises(auth.AuthError, match="ít nhất 8 ký tự"):
        auth.create_account(con, "x", "ngan", "lanh_dao")


def test_session_expiry():
    t = datetime(2025, 10, 1, 8)
    assert not auth.session_expired(t, t + timedelta(hours=7))
    assert auth.session_expired(t, t + timedelta(hours=9))


def test_first_admin_from_the_command_line(db_path):
    def user_cmd(*args, password="mat-khau-quan-tri\n"):
        return subprocess.run([sys.executable, "-m", "loaders", "user", *args, "--db", str(db_path),
                               "--password-stdin"], input=password, capture_output=True, text=True, cwd=ROOT)

    r = user_cmd("add", "quantri", "--role", "quan_tri", "--name", "Quản trị")
    assert r.returncode == 0, r.stderr
    assert "Đã tạo tài khoản quantri" in r.stdout
    again = user_cmd("add", "quantri")
    assert again.returncode == 1 and "đã có" in again.stderr
    listed = subprocess.run([sys.executable, "-m", "loaders", "user", "list", "--db", str(db_path)],
                            capture_output=True, text=True, cwd=ROOT)
    assert "quantri" in listed.stdout and "Quản trị" in listed.stdout
