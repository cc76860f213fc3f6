"""AppTest of the real app.py with a signed-in account (as after the sign-in form)."""
from __future__ import annotations

from datetime import datetime

from streamlit.testing.v1 import AppTest

from loaders.accounts import auth

ROLE_USERS = {
    "quan_tri": auth.User("quantri", "Quản trị", "quan_tri"),
    "lanh_dao": auth.User("lanhdao", "Lãnh đạo", "lanh_dao"),
    "kiem_tra": auth.User("kiemtra", "Kiểm tra", "kiem_tra"),
}


def open_app(default_timeout: float = 60, role: str = "quan_tri", user: auth.User | None = None) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=default_timeout)
    at.session_state["auth_user"] = user or ROLE_USERS[role]
    at.session_state["auth_at"] = datetime.now()
    return at
