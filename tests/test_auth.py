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


# ---------------------------------------------------------------------------------------------
# Sessions that survive a reload (a signed token in a cookie, a row on the server)


def test_a_session_token_resumes_the_account_until_it_expires(con):
    auth.create_account(con, "ld", "mat-khau-dai", "lanh_dao", "Lãnh đạo")
    user = auth.login(con, "ld", "mat-khau-dai")
    t0 = datetime.now()
    token = auth.open_session(con, user, now=t0)
    resumed, started = auth.resume_session(con, token, now=t0 + timedelta(minutes=5))
    assert resumed == user and started == t0
    # the whole working day, then no more
    assert auth.resume_session(con, token, now=t0 + timedelta(minutes=auth.SESSION_MINUTES - 1)) is not None
    assert auth.resume_session(con, token, now=t0 + timedelta(minutes=auth.SESSION_MINUTES + 1)) is None
    # the secret is made once and kept in the database, never the token itself
    assert con.execute("select count(*) from app_secrets").fetchone()[0] == 1
    assert token.split(".")[2] not in str(con.execute("select * from sessions").fetchall())


def test_a_forged_or_altered_token_is_refused(con):
    auth.create_account(con, "kt2", "mat-khau-dai", "kiem_tra")
    user = auth.login(con, "kt2", "mat-khau-dai")
    token = auth.open_session(con, user)
    sid, exp, sig = token.split(".")
    later = str(int(exp) + 3600 * 24 * 30)
    for bad in (None, "", "rác", f"{sid}.{later}.{sig}",              # expiry pushed back
                f"{sid}.{exp}.{sig[:-2]}AA", f"{'AB'[sid[0] == 'A']}{sid[1:]}.{exp}.{sig}", f"{sid}.{exp}"):
        assert auth.resume_session(con, bad) is None, bad
    # a token signed with another database's secret
    con.execute("update app_secrets set value = ?", ["00" * 32])
    assert auth.resume_session(con, token) is None


def test_sign_out_and_password_change_end_sessions(con):
    auth.create_account(con, "cb", "mat-khau-dai", "quan_tri")
    user = auth.login(con, "cb", "mat-khau-dai")
    a, b = auth.open_session(con, user), auth.open_session(con, user)      # two browsers
    auth.close_session(con, a)
    assert auth.resume_session(con, a) is None and auth.resume_session(con, b) is not None
    auth.set_password(con, "cb", "mat-khau-moi-dai", actor="cb")
    assert auth.resume_session(con, b) is None
    c = auth.open_session(con, auth.login(con, "cb", "mat-khau-moi-dai"))
    assert auth.resume_session(con, c)[0].username == "cb"
    # a deactivated account's sessions end too
    con.execute("update accounts set active = false where username = 'cb'")
    assert auth.resume_session(con, c) is None
