"""Local accounts: argon2id password hashes, lockout after repeated failures, roles and unit bindings.

Roles (what each may do is decided here, where data is written and read, not by hiding pages):
- quan_tri  (quản trị): settings, accounts, everything;
- lanh_dao  (lãnh đạo): read all;
- kiem_tra  (kiểm tra): read all, export;
- can_bo    (cán bộ đơn vị): upload and read for the units the account is bound to, nothing else.

A deployment with single sign-on uses Streamlit's OIDC login instead (README, "Single sign-on"); the
roles and bindings stay in these tables, keyed by the e-mail the identity provider returns.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from loaders.store import db
from loaders.store.db import audit, transaction

ROLES = {
    "quan_tri": "Quản trị",
    "lanh_dao": "Lãnh đạo",
    "kiem_tra": "Kiểm tra",
    "can_bo": "Cán bộ đơn vị",
}
MAX_FAILED = 5                     # failures before the account locks
LOCK_MINUTES = 15
SESSION_MINUTES = 8 * 60           # a login lasts a working day, then asks again
MIN_PASSWORD = 8

# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane; the Password Storage Cheat Sheet
# lists it among equally strong settings). The library's default (64 MiB, 3 passes, 4 lanes) took
# ~0.6 s of a sign-in on the shared 2-core server, most of the 1.5 s a sign-in may take (issue 13).
# Hashes made with other settings still verify and are re-hashed at the next sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class AuthError(Exception):
    """A refusal, with a Vietnamese message fit to show the person."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    units: frozenset[tuple[str, str]] = field(default_factory=frozenset)   # (campaign, unit)

    @property
    def reads_all(self) -> bool:
        return self.role in ("quan_tri", "lanh_dao", "kiem_tra")

    @property
    def can_export(self) -> bool:
        return self.role in ("quan_tri", "kiem_tra")

    @property
    def is_admin(self) -> bool:
        return self.role == "quan_tri"

    def may_upload_for(self, campaign_code: str, unit_code: str | None) -> bool:
        if self.role == "quan_tri":
            return True
        return self.role == "can_bo" and (campaign_code, unit_code) in self.units

    def units_in(self, campaign_code: str) -> list[str]:
        return sorted(u for c, u in self.units if c == campaign_code)


SYSTEM = User("system", "Hệ thống", "quan_tri")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.")


def create_account(con: duckdb.DuckDBPyConnection, username: str, password: str, role: str,
                   display_name: str | None = None, units: list[tuple[str, str]] | None = None,
                   actor: str = "system") -> User:
    username = username.strip().lower()
    if not username:
        raise AuthError("Tên đăng nhập không được để trống.")
    if role not in ROLES:
        raise AuthError(f"Vai trò “{role}” không có; dùng một trong: {', '.join(ROLES)}.")
    _check_password(password)
    if role == "can_bo" and not units:
        raise AuthError("Tài khoản cán bộ đơn vị phải gắn với ít nhất một đơn vị.")
    for campaign, unit in units or []:
        known = con.execute("select count(*) from campaign_units where campaign_code = ? and unit_code = ?",
                            [campaign, unit]).fetchone()[0]
        if not known:
            raise AuthError(f"Đơn vị “{unit}” không báo cáo trong kế hoạch “{campaign}”.")
    with transaction(con):
        if con.execute("select count(*) from accounts where username = ?", [username]).fetchone()[0]:
            raise AuthError(f"Tên đăng nhập “{username}” đã có.")
        con.execute("insert into accounts (username, display_name, role, password_hash, created_at) "
                    "values (?, ?, ?, ?, ?)",
                    [username, display_name or username, role, _hasher.hash(password), datetime.now()])
        for campaign, unit in units or []:
            con.execute("insert into account_units values (?, ?, ?)", [username, campaign, unit])
        audit(con, actor, "account.create", username, json.dumps({"role": role, "units": units or []}))
    return load_user(con, username)


def set_password(con: duckdb.DuckDBPyConnection, username: str, password: str, actor: str) -> None:
    """A new password; every open session of the account ends (a stolen token dies with it)."""
    _check_password(password)
    with transaction(con):
        con.execute("update accounts set password_hash = ?, failed_attempts = 0, locked_until = null "
                    "where username = ?", [_hasher.hash(password), username])
        con.execute("update sessions set revoked_at = ? where username = ? and revoked_at is null",
                    [datetime.now(), username])
        audit(con, actor, "account.password", username, None)


def load_user(con: duckdb.DuckDBPyConnection, username: str) -> User:
    row = con.execute("select username, display_name, role from accounts where username = ? and active",
                      [username]).fetchone()
    if not row:
        raise AuthError("Tài khoản không tồn tại hoặc đã bị khóa.")
    units = frozenset(con.execute("select campaign_code, unit_code from account_units where username = ?",
                                  [username]).fetchall())
    return User(row[0], row[1], row[2], units)


def login(con: duckdb.DuckDBPyConnection, username: str, password: str,
          now: datetime | None = None) -> User:
    """Check a password; every attempt, success or failure, is audited. Raises AuthError."""
    now = now or datetime.now()
    username = (username or "").strip().lower()
    row = con.execute("select password_hash, failed_attempts, locked_until, active from accounts "
                      "where username = ?", [username]).fetchone()
    if row is None:
        audit(con, username or "(trống)", "login.failure", username, json.dumps({"reason": "unknown"}))
        raise AuthError("Sai tên đăng nhập hoặc mật khẩu.")
    pw_hash, failed, locked_until, active = row
    if not active:
        audit(con, username, "login.failure", username, json.dumps({"reason": "inactive"}))
        raise AuthError("Tài khoản đã bị vô hiệu hóa. Liên hệ quản trị.")
    if locked_until and locked_until > now:
        audit(con, username, "login.failure", username, json.dumps({"reason": "locked"}))
        minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
        raise AuthError(f"Tài khoản tạm khóa do nhập sai nhiều lần. Thử lại sau {minutes} phút.")
    try:
        _hasher.verify(pw_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        failed += 1
        lock = now + timedelta(minutes=LOCK_MINUTES) if failed >= MAX_FAILED else None
        with transaction(con):
            con.execute("update accounts set failed_attempts = ?, locked_until = ? where username = ?",
                        [0 if lock else failed, lock, username])
            audit(con, username, "login.failure", username,
                  json.dumps({"reason": "password", "attempt": failed, "locked": lock is not None}))
        if lock:
            raise AuthError(f"Nhập sai {MAX_FAILED} lần: tài khoản bị khóa {LOCK_MINUTES} phút.")
        raise AuthError("Sai tên đăng nhập hoặc mật khẩu.")
    with transaction(con):
        if _hasher.check_needs_rehash(pw_hash):
            con.execute("update accounts set password_hash = ? where username = ?",
                        [_hasher.hash(password), username])
        con.execute("update accounts set failed_attempts = 0, locked_until = null, last_login_at = ? "
                    "where username = ?", [now, username])
        audit(con, username, "login.success", username, None)
    return load_user(con, username)


def session_expired(logged_in_at: datetime, now: datetime | None = None) -> bool:
    return (now or datetime.now()) - logged_in_at > timedelta(minutes=SESSION_MINUTES)


# ---------------------------------------------------------------------------------------------
# Sessions that survive a reload: the browser holds a token in a cookie, the server a row in
# `sessions` (migration 081). token = <session id>.<expiry, epoch seconds>.<HMAC-SHA256 of both>
# keyed with a secret generated once per database (app_secrets). The signature lets a forged or
# altered token be refused without a database look-up; the row lets sign-out and a password change
# end a session the browser still holds.

COOKIE = "cm_session"
_SECRET_NAME = "session_hmac"


def _secret(con: duckdb.DuckDBPyConnection) -> bytes:
    row = con.execute("select value from app_secrets where name = ?", [_SECRET_NAME]).fetchone()
    if row is None:
        # generated once; "on conflict do nothing" keeps the first one if two sessions race
        # (a lake has no key to conflict on: there the insert runs under the write lock, which makes
        # "not exists" hold)
        con.execute("insert into app_secrets select ?, ?, ? where not exists "
                    "(select 1 from app_secrets where name = ?)" if db.is_lake(con) else
                    "insert into app_secrets values (?, ?, ?) on conflict do nothing",
                    [_SECRET_NAME, secrets.token_hex(32), datetime.now()] + ([_SECRET_NAME] if db.is_lake(con) else []))
        row = con.execute("select value from app_secrets where name = ?", [_SECRET_NAME]).fetchone()
    return bytes.fromhex(row[0])


def _sign(key: bytes, payload: str) -> str:
    mac = hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def open_session(con: duckdb.DuckDBPyConnection, user: User, now: datetime | None = None,
                 minutes: int = SESSION_MINUTES) -> str:
    """Start a server-side session for a signed-in account; return the token for its cookie."""
    now = now or datetime.now()
    session_id = secrets.token_urlsafe(18)
    expires = now + timedelta(minutes=minutes)
    con.execute("insert into sessions values (?, ?, ?, ?, null)", [session_id, user.username, now, expires])
    payload = f"{session_id}.{int(expires.timestamp())}"
    return f"{payload}.{_sign(_secret(con), payload)}"


def _parse(con: duckdb.DuckDBPyConnection, token: str | None) -> str | None:
    """The session id of a well-formed token with a valid signature, else None."""
    parts = (token or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(_secret(con), payload), parts[2]):
        return None
    return parts[0]


def resume_session(con: duckdb.DuckDBPyConnection, token: str | None,
                   now: datetime | None = None) -> tuple[User, datetime] | None:
    """(account, session start) for a token whose session is open, unexpired and whose account is
    active; None otherwise (forged, altered, expired, signed out, password changed)."""
    now = now or datetime.now()
    session_id = _parse(con, token)
    if session_id is None or int(token.split(".")[1]) <= now.timestamp():
        return None
    row = con.execute("select s.username, s.created_at from sessions s join accounts a using (username) "
                      "where s.session_id = ? and s.revoked_at is null and s.expires_at > ? and a.active",
                      [session_id, now]).fetchone()
    if row is None:
        return None
    return load_user(con, row[0]), row[1]


def close_session(con: duckdb.DuckDBPyConnection, token: str | None, now: datetime | None = None) -> None:
    """Sign-out: the session ends on the server, whatever the browser keeps."""
    session_id = _parse(con, token)
    if session_id is not None:
        con.execute("update sessions set revoked_at = ? where session_id = ? and revoked_at is null",
                    [now or datetime.now(), session_id])


def has_accounts(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from accounts").fetchone()[0] > 0


# The built-in demo's accounts, one per role. Their passwords are printed in the README: they are
# demo credentials, created only for a database that holds nothing but demo reports.
DEMO_ACCOUNTS = [
    ("quantri", "Quản trị (minh họa)", "quan_tri", "demo-quantri", []),
    ("lanhdao", "Lãnh đạo Sở (minh họa)", "lanh_dao", "demo-lanhdao", []),
    ("kiemtra", "Đoàn kiểm tra (minh họa)", "kiem_tra", "demo-kiemtra", []),
    ("canbo", "Cán bộ Phường Tân Lập (minh họa)", "can_bo", "demo-canbo", [("daklak-2025", "24121")]),
]


def ensure_demo_accounts(con: duckdb.DuckDBPyConnection) -> bool:
    """Create the demo accounts when the database has no account and only demo reports."""
    if has_accounts(con):
        return False
    real = con.execute("select count(*) from submissions where submitted_by <> 'demo'").fetchone()[0]
    if real:
        return False
    for username, name, role, password, units in DEMO_ACCOUNTS:
        create_account(con, username, password, role, name, units, actor="demo")
    return True
