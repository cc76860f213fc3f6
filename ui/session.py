"""Sign-in that survives a reload and a bookmarked link (issue 13).

The account lives in the Streamlit session (st.session_state) while the browser tab is open. To
survive a reload, sign-in also opens a server-side session (loaders.accounts.api.open_session) and
keeps its signed token in a cookie; a new browser session (reload, bookmark, new tab) reads it back
with st.context.cookies and resumes the account when the server still holds the session open.

The cookie is HttpOnly: no script of the page can read the token. Only an HTTP response can set
such a cookie, and a script run talks to the browser over its websocket, so the server has two
small routes (routes(), served by app.py through st.App): the run that signs in hands the token
to the server's memory under a one-time code that expires in a minute, and a line of JavaScript
posts that code to /_cm/session, whose answer sets the cookie (HttpOnly, SameSite=Strict, Secure on
https, expiring with the session). Sign-out and a stale cookie post to /_cm/signout, which clears
it. Sign-out and a password change end the session on the server as well.
"""
from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime

import streamlit as st

from loaders import api

_PENDING = "_auth_cookie_pending"      # a cookie value to write on this run ("" clears it)
_CHECKED = "_auth_cookie_checked"      # the cookie token already tried in this browser session
SET_PATH = "_cm/session"               # the server's routes (under server.baseUrlPath)
CLEAR_PATH = "_cm/signout"
WARM_PATH = "_cm/warm"                 # the sign-in form's "someone is typing" (keep_warm)
HEADER = "X-CM-Session"                # asked of every call: a cross-site form cannot send it
HANDOFF_SECONDS = 60

# one-time code → (token, expiry): filled by a script run, emptied by the route (same process)
_handoffs: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()


def handoff(token: str) -> str:
    """Keep a token for the cookie route; the one-time code the browser posts to get it."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for old in [c for c, (_, until) in _handoffs.items() if until < now]:
            del _handoffs[old]
        _handoffs[code] = (token, now + HANDOFF_SECONDS)
    return code


def take(code: str) -> str | None:
    """The token handed off under code, once, within its minute; else None."""
    with _lock:
        token, until = _handoffs.pop(code, (None, 0.0))
    return token if token and until >= time.monotonic() else None


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
    """Set (or clear) the session cookie if sign-in or sign-out asked for it: a line of JavaScript
    posts to the server's cookie route (routes()). Called by app.py on every run before the page, so
    the script runs in a run that finishes."""
    value = st.session_state.pop(_PENDING, None)
    if value is None:
        return
    base = _base_path()
    if value:
        url, body = f"{base}/{SET_PATH}", handoff(value)
    else:
        url, body = f"{base}/{CLEAR_PATH}", ""
    # the url and the one-time code are URL-safe text: nothing to escape
    st.html(
        f"<script>fetch('{url}', {{method: 'POST', credentials: 'same-origin', "
        f"headers: {{'{HEADER}': '1', 'Content-Type': 'text/plain'}}, body: '{body}'}});</script>",
        unsafe_allow_javascript=True, width=1,
    )


def _base_path() -> str:
    """'' or '/prefix' (server.baseUrlPath), where Streamlit and the cookie routes are served."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def routes(holder=None) -> list:
    """The server's cookie routes (Starlette), mounted by app.py through st.App, and the sign-in
    form's keep-warm route on holder() (the app's SharedConnection; no route without it)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response
    from starlette.routing import Route

    def cookie_args(request) -> dict:
        return dict(path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https")

    async def set_cookie(request) -> Response:
        if request.headers.get(HEADER) != "1":
            return Response(status_code=403)
        token = take((await request.body()).decode("ascii", "replace").strip())
        if token is None:
            return Response(status_code=403)
        response = Response(status_code=204, headers={"Cache-Control": "no-store"})
        response.set_cookie(api.COOKIE, token, max_age=api.SESSION_MINUTES * 60, **cookie_args(request))
        return response

    async def clear_cookie(request) -> Response:
        if request.headers.get(HEADER) != "1":
            return Response(status_code=403)
        response = Response(status_code=204, headers={"Cache-Control": "no-store"})
        response.delete_cookie(api.COOKIE, **cookie_args(request))
        return response

    async def warm(request) -> Response:
        if request.headers.get(HEADER) != "1":
            return Response(status_code=403)
        await run_in_threadpool(keep_warm, holder)
        return Response(status_code=204, headers={"Cache-Control": "no-store"})

    base = _base_path()
    return [Route(f"{base}/{SET_PATH}", set_cookie, methods=["POST"]),
            Route(f"{base}/{CLEAR_PATH}", clear_cookie, methods=["POST"])] \
        + ([Route(f"{base}/{WARM_PATH}", warm, methods=["POST"])] if holder else [])


_warmed = [0.0]        # when keep_warm last touched the connection (monotonic seconds)


def keep_warm(holder) -> None:
    """The database connection opened, or kept open, while someone types their password.

    The app's connection is released after ~10 s without a query (loaders.store.db.SharedConnection,
    so that the command-line tools can use the file), and a person takes about that long to type an
    account and a password: the click on "Đăng nhập" then reopened it first (migrations checked,
    definitions applied, a cold buffer cache: 0.1-0.3 s of the sign-in, issue 13). The form's fields
    call this (through the /_cm/warm route) as they are typed in, at most every few seconds, so the
    reopening happens while the person types. holder(): the app's SharedConnection (ui.common,
    passed in by app.py: ui.common imports this module). Returns no data; at most once a second."""
    now = time.monotonic()
    with _lock:
        if now - _warmed[0] < 1.0:
            return
        _warmed[0] = now
    try:
        holder().get().cursor().close()
    except Exception:  # noqa: BLE001 - only a head start: the click's own run reports any failure
        pass


# Typing in the sign-in form's fields pings keep_warm (at most every 4 s); installed once per page
# load by the form (a form's fields typed in later, signed in, only keep the connection open too).
_WARM_JS = """<script>(() => {
  if (window.__cmWarm) return; window.__cmWarm = true; let last = 0;
  const ping = (e) => {
    if (!e.target.closest || !e.target.closest('[data-testid="stForm"]')) return;
    const now = Date.now(); if (now - last < 4000) return; last = now;
    fetch('%s', {method: 'POST', credentials: 'same-origin', headers: {'%s': '1'}}).catch(() => {});
  };
  document.addEventListener('input', ping, true); document.addEventListener('focusin', ping, true);
})();</script>"""


def _warm_up() -> None:
    """The kinds of element the first pages show (chart, table, picker, date, number, download
    button, link, filters, button), out of sight on the sign-in form: the browser fetches and
    compiles their code while the person types — Streamlit loads each kind's code on its first use,
    6 MB with plotly.js and the table grid — not after the click on "Đăng nhập" (issue 13: sign-in
    to the first page ≤ 1.5 s). No page draws with vega any more (the cards' trends are SVG,
    ui/charts.sparkline), so its code is not loaded at all."""
    from ui.vietnamese import plotly_config

    with st.container(key=WARM_UP, height=1, border=False):
        # the trace and axis kinds of the first pages (lines with markers, horizontal bars with their
        # numbers written on them, a legend, a category axis): plotly compiles each one's code on
        # its first drawing, here rather than on the first page
        st.plotly_chart({"data": [{"type": "scatter", "mode": "lines+markers", "x": ["a", "b"], "y": [0, 1]},
                                  {"type": "bar", "orientation": "h", "x": [1, 2], "y": ["a", "b"],
                                   "text": ["1", "2"], "textposition": "outside", "xaxis": "x2", "yaxis": "y2"}],
                         "layout": {"height": 120, "xaxis2": {"anchor": "y2"}, "yaxis2": {"anchor": "x2"},
                                    "legend": {"orientation": "h"}, "hovermode": "x unified"}},
                        config=plotly_config(), key="cm_warm_up_chart")
        st.dataframe({"": []}, height=40)
        st.selectbox("Chuẩn bị", ["—"], key="cm_warm_up_pick", label_visibility="collapsed")
        st.date_input("Chuẩn bị", key="cm_warm_up_day", format="DD/MM/YYYY", label_visibility="collapsed")
        st.metric("Chuẩn bị", 1, 1, label_visibility="collapsed")
        # the other kinds the roles' first pages and the inspection pages show: the briefing's download
        # buttons and the link to the lagging list (overview), filters (lagging, timeline)
        st.download_button("Chuẩn bị", b"", file_name="chuan-bi.txt", key="cm_warm_up_file")
        st.page_link("pages/login.py", label="Chuẩn bị")
        st.multiselect("Chuẩn bị", ["—"], key="cm_warm_up_many", label_visibility="collapsed")
        st.radio("Chuẩn bị", ["—"], key="cm_warm_up_radio", label_visibility="collapsed")
        st.segmented_control("Chuẩn bị", ["—"], key="cm_warm_up_segment", label_visibility="collapsed")
        st.button("Chuẩn bị", key="cm_warm_up_button")     # the sidebar's "Đăng xuất"


WARM_UP = "cm_warm_up"      # the container's CSS class is st-key-cm_warm_up (hidden: ui/vietnamese.py)


def login_form(con) -> api.User | None:
    """The sign-in form; the account once the password is right (the session is started)."""
    st.title("Theo dõi công tác tuyên truyền")
    st.caption("Đăng nhập để xem tiến độ, nộp báo cáo hoặc quản trị.")
    if not api.has_accounts(con):
        st.warning("Chưa có tài khoản nào. Tạo tài khoản quản trị đầu tiên bằng lệnh:")
        # inline code, not st.code: no page loads the code block's 1.5 MB of grammars (ui/messages.py)
        st.markdown("`python -m loaders user add quantri --role quan_tri`")
        st.stop()
    notice = st.session_state.pop("auth_notice", None)
    if notice:
        st.info(notice)
    with st.form("login_form"):
        username = st.text_input("Tên đăng nhập", key="login_username")
        password = st.text_input("Mật khẩu", type="password", key="login_password")
        submitted = st.form_submit_button("Đăng nhập", type="primary")
    if not submitted:       # the run of the click itself goes straight on to the page
        _warm_up()
        # the URL is the app's own path: URL-safe text, nothing to escape
        st.html(_WARM_JS % (f"{_base_path()}/{WARM_PATH}", HEADER), unsafe_allow_javascript=True, width=1)
        return None
    try:
        user = api.sign_in(con, username, password)
    except api.AuthError as e:
        st.error(str(e))
        return None
    start(con, user)
    return user
