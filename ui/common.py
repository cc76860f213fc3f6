"""The thin Streamlit layer every page shares: one cached connection, cached query results,
and the sidebar filters (campaign, date). Loaders and queries import without Streamlit; only
this module and the pages know about it.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

import queries
from loaders import api
from loaders.common import formatting

KIND_LABELS = api.KIND_NAMES  # one name per unit kind, from the campaign loader


def connection():
    """The app's connection to the database (CM_DB): shared by all sessions of this server process,
    released after a few idle seconds so command-line tools can use the file (loaders.store.db.SharedConnection).
    Each query takes its own cursor.

    A store this app cannot open (written by a newer DuckDB, or with a different schema) stops the
    page with what happened and how to carry the data over, instead of a traceback."""
    try:
        return _connection(api.location())
    except (api.NewerEngineFile, api.SchemaMismatch, api.LakeError) as e:
        st.error(str(e), icon=":material/database:")
        st.stop()


def _connection(path: str):
    shared = _shared(path)
    con = shared.get()
    if not st.session_state.get(f"_ready:{path}"):
        _ensure_data(con)
        st.session_state[f"_ready:{path}"] = True
    return con


@st.cache_resource(show_spinner=False)
def _shared(path: str) -> api.SharedConnection:
    return api.SharedConnection(path)


def shared_connection() -> api.SharedConnection:
    """The holder of the app's connection (CM_DB), for what runs outside a page (ui/session.keep_warm)."""
    return _shared(api.location())


def writing():
    """`with writing() as con:` — the app's single writer (sessions take turns; see SharedConnection)."""
    return _shared(api.location()).writer()


def data_version() -> int:
    """The one change signal (query data_version): moves with every write, whoever made it; sign-ins
    and exports change no data and do not move it. Part of each cache key, so results stay cached
    between writes and a command-line ingest shows up at once. Read once per script run (a page
    asks a dozen cached questions; each look-up was a query of its own, issue 13): new_run() and
    data_changed() forget it."""
    version = st.session_state.get(_VERSION)
    if version is None:
        version = st.session_state[_VERSION] = int(queries.run("data_version", connection())["version"].iloc[0])
    return version


_VERSION = "_data_version_this_run"


def new_run() -> None:
    """Called by app.py at the start of every script run: the data version is read again."""
    st.session_state.pop(_VERSION, None)


def _ensure_data(con) -> None:
    """A fresh or older database made usable (loaders.api.prepare): official codes, master data,
    map polygons and, when it has no report at all, the demo."""
    bar = None

    def progress(i: int, n: int, label: str) -> None:
        nonlocal bar
        if bar is None:
            bar = st.progress(0.0, text="Đang sinh dữ liệu minh họa…")
        bar.progress(min(i / max(n, 1), 1.0), text=f"Đang sinh dữ liệu minh họa — {label} ({100 * i // max(n, 1)}%)")

    api.prepare(con, progress=progress, notice=st.spinner)
    if bar is not None:
        bar.empty()


def q(name: str, **params) -> pd.DataFrame:
    """A named metric, cached by its parameters, the database, its data version and the account
    (the query layer cuts results to what the signed-in account may read)."""
    path, version, key = cache_scope()
    return _q(path, version, key, current_user(), name, **params)


def cache_scope() -> tuple:
    """(database, data version, what the account may read): the key of every cached query result, and
    of a page's own cache of what it derives from them (pass it as the cached function's first
    argument), so that both move together with a write or another account."""
    user = current_user()
    # what an account may read depends on it: the account is part of the cache key
    key = None if user is None or user.reads_all else (user.username, tuple(sorted(user.units)))
    return api.location(), data_version(), key


@st.cache_data(ttl=3600, max_entries=2000, show_spinner=False)
def _q(path: str, version: int, access: tuple | None, _user, name: str, **params) -> pd.DataFrame:
    return queries.run(name, con=_connection(path), user=_user, **params)


def data_changed() -> None:
    """Call after any write so every page recomputes from the store."""
    st.session_state.pop(_VERSION, None)
    _q.clear()


def campaign_sidebar() -> dict:
    """The campaign picker and reference date shared by every page; returns the campaign row."""
    campaigns = q("campaign_list")
    if campaigns.empty:
        st.error("Chưa có kế hoạch nào trong cơ sở dữ liệu. Chạy `python -m loaders init`.")
        st.stop()
    codes = campaigns["campaign_code"].tolist()
    labels = {r.campaign_code: f"{r.province_name} — {r.campaign_code}" for r in campaigns.itertuples()}
    if st.session_state.get("campaign") not in codes:
        st.session_state["campaign"] = "daklak-2025" if "daklak-2025" in codes else codes[0]
    code = st.sidebar.selectbox("Kế hoạch", codes, format_func=labels.get, key="campaign")
    row = campaigns.set_index("campaign_code").loc[code].to_dict()
    row["campaign_code"] = code
    default_day = _default_as_of(row)
    key = f"as_of:{code}"
    if key not in st.session_state:
        st.session_state[key] = default_day
    row["as_of"] = st.sidebar.date_input(
        "Tính đến ngày", key=key, min_value=row["start_date"], max_value=row["end_date"],
        format="DD/MM/YYYY",
        help="Các chỉ số được tính đến hết ngày này. Bản minh họa dùng một ngày cố định trong kế hoạch.",
    )
    return row


def _default_as_of(row: dict) -> date:
    today = date.today()
    if row.get("demo_today") is not None and not pd.isna(row["demo_today"]):
        return row["demo_today"]
    return min(max(today, row["start_date"]), row["end_date"])


def vn_date(d) -> str:
    """19/11/2025; empty when missing (loaders.common.formatting is the one rule)."""
    return formatting.date_dmy(d)


def vn_number(x, decimals: int | None = 0) -> str:
    """1234.5 → "1.235" (decimals=0, a count), "1.234,5" (decimals=1 or None); "—" when missing."""
    return formatting.number(x, decimals)


def vn_percent(x, decimals: int = 0) -> str:
    """0.876 → "88%" or, with decimals=1, "87,6%"; "—" when missing."""
    return formatting.percent(x, decimals)


def phase_sidebar(campaign: dict) -> dict | None:
    """Phase filter shared by pages: None means the whole campaign to date.

    Defaults to the phase holding the reference date. Returns the phase row (phase_number,
    phase_name, start_date, end_date, days) or None.
    """
    phases = q("campaign_phases", campaign=campaign["campaign_code"])
    if phases.empty:
        return None
    options = [0] + phases["phase_number"].tolist()
    names = {0: "Toàn bộ kế hoạch", **dict(zip(phases["phase_number"], phases["phase_name"]))}
    key = f"phase:{campaign['campaign_code']}"
    if st.session_state.get(key) not in options:
        day = pd.Timestamp(campaign["as_of"])  # date columns come back as timestamps
        current = phases[(pd.to_datetime(phases["start_date"]) <= day) & (pd.to_datetime(phases["end_date"]) >= day)]
        st.session_state[key] = int(current["phase_number"].iloc[0]) if len(current) else 0
    else:
        # set again by code: Streamlit drops a value another page's widget left under this key, and
        # the map would fall back to the whole plan while the overview shows the current phase
        st.session_state[key] = st.session_state[key]
    chosen = st.sidebar.selectbox("Đợt", options, format_func=names.get, key=key)
    if not chosen:
        return None
    return phases.set_index("phase_number").loc[chosen].to_dict() | {"phase_number": chosen}


# ---------------------------------------------------------------------------------------------
# Who is using the app. The signed-in account lives in the server-side session state; every write
# and every read of unit data passes it down to the loaders/queries layer, which enforces the role.

def current_user():
    """The signed-in account, or None (also when the session has expired)."""
    from datetime import datetime

    if st.session_state.get("auth_user") is None:
        from ui import session

        session.resume(connection())          # a reload or a bookmark: the cookie's session
    user, at = st.session_state.get("auth_user"), st.session_state.get("auth_at")
    if user is None or at is None:
        return None
    if api.session_expired(at, datetime.now()):
        sign_out(expired=True)
        return None
    return user


def actor() -> str:
    """The name written to the audit log for what this session does."""
    user = current_user()
    return user.username if user else "không rõ"


def sign_out(expired: bool = False) -> None:
    from ui import session

    session.end(connection())
    for key in ("auth_user", "auth_at"):
        st.session_state.pop(key, None)
    if expired:
        st.session_state["auth_notice"] = "Phiên làm việc đã hết hạn, vui lòng đăng nhập lại."


def audit_event(action: str, obj: str | None = None, details: dict | None = None) -> None:
    """Record what a person did in the app (exports, for instance)."""
    api.record_event(connection(), actor(), action, obj, details)
