"""Sign-in that survives a reload and a bookmarked link (issue 13).

The account lives in the Streamlit session (st.session_state) while the browser tab is open. To
survive a reload, sign-in also opens a server-side session (loaders.accounts.api.open_session) and
keeps its signed token in a cookie; a new browser session (reload, bookmark, new tab) reads it back
with st.context.cookies and resumes the account when the server still holds the session open.
Streamlit has no API to set a cookie, so a one-line script does it (st.html with JavaScript; the
token is signed and revocable, but not HttpOnly). Sign-out and a password change end the session
on the server; sign-out also clears the cookie.
"""
from __future__ import annotations

from datetime import datetime

import streamlit as st

from loaders import api

_PENDING = "_auth_cookie_pending"      # a cookie value to write on this run ("" clears it)
_CHECKED = "_auth_cookie_checked"      # the cookie token already tried in this browser session


def resume(con) -> bool:
    """Sign in from the cookie when the session has no account yet; True when it did."""
    token = st.context.cookies.get(api.COOKIE)
    if not token or st.session_state.get(_CHECKED) == token:
        return False
    st.session_state[_CHECKED] = token       # a refused token is not looked up again on every query
    found = api.resume_session(con, token)
    if found is None:
        st.session_state[_PENDING] = ""       # a stale cookie: clear it
        return False
    st.session_state["auth_user"], st.session_state["auth_at"] = found
    st.session_state["auth_token"] = token
    return True


def start(con, user: api.User) -> None:
    """After a successful password check: the account in this session, the token in a cookie."""
    token = api.open_session(con, user)
    st.session_state["auth_user"] = user
    st.session_state["auth_at"] = datetime.now()
    st.session_state["auth_token"] = token
    st.session_state[_CHECKED] = token
    st.session_state[_PENDING] = token


def end(con) -> None:
    """Sign-out (or expiry): the server-side session ends and the cookie is cleared."""
    token = st.session_state.pop("auth_token", None) or st.context.cookies.get(api.COOKIE)
    if token:
        api.close_session(con, token)
    st.session_state[_CHECKED] = token
    st.session_state[_PENDING] = ""


def write_cookie() -> None:
    """Write (or clear) the session cookie if sign-in or sign-out asked for it. Called by app.py on
    every run before the page, so the script runs in a run that finishes."""
    value = st.session_state.pop(_PENDING, None)
    if value is None:
        return
    age = api.SESSION_MINUTES * 60 if value else 0
    # the token is base64url and dots only: nothing to escape
    st.html(
        "<script>document.cookie = '" + api.COOKIE + "=" + value + "; path=/; max-age=" + str(age)
        + "; SameSite=Strict' + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True, width=1,
    )


def login_form(con) -> api.User | None:
    """The sign-in form; the account once the password is right (the session is started)."""
    st.title("Theo dõi công tác tuyên truyền")
    st.caption("Đăng nhập để xem tiến độ, nộp báo cáo hoặc quản trị.")
    if not api.has_accounts(con):
        st.warning("Chưa có tài khoản nào. Tạo tài khoản quản trị đầu tiên bằng lệnh:")
        st.code("python -m loaders user add quantri --role quan_tri", language="bash")
        st.stop()
    notice = st.session_state.pop("auth_notice", None)
    if notice:
        st.info(notice)
    with st.form("login_form"):
        username = st.text_input("Tên đăng nhập", key="login_username")
        password = st.text_input("Mật khẩu", type="password", key="login_password")
        submitted = st.form_submit_button("Đăng nhập", type="primary")
    if not submitted:
        return None
    try:
        user = api.sign_in(con, username, password)
    except api.AuthError as e:
        st.error(str(e))
        return None
    start(con, user)
    return user
