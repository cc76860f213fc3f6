"""Đăng nhập: local accounts (argon2id hashes, lockout after repeated failures)."""
from __future__ import annotations

from datetime import datetime

import streamlit as st

from loaders.accounts import auth
from ui.common import connection

st.title("Theo dõi công tác tuyên truyền")
st.caption("Đăng nhập để xem tiến độ, nộp báo cáo hoặc quản trị.")

con = connection()
if not auth.has_accounts(con):
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

if submitted:
    try:
        user = auth.login(con, username, password)
    except auth.AuthError as e:
        st.error(str(e))
    else:
        st.session_state["auth_user"] = user
        st.session_state["auth_at"] = datetime.now()
        st.rerun()
