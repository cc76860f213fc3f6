"""Nhật ký hoạt động (admin): who did what and when — logins, uploads, replacements, settings, exports."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.express as px
import streamlit as st

from loaders.api import csv_bytes
from ui import activity
from ui.common import audit_event, current_user, q, vn_date
from ui.vietnamese import plotly_config


user = current_user()
if user is None or not user.is_admin:  # the navigation shows this page to admins only; check anyway
    st.error("Chỉ quản trị viên được xem nhật ký hoạt động.")
    st.stop()

st.title("Nhật ký hoạt động")
c1, c2 = st.columns(2)
until = c2.date_input("Đến ngày", value=date.today(), key="aud_until", format="DD/MM/YYYY")
since = c1.date_input("Từ ngày", value=until - timedelta(days=30), key="aud_since", format="DD/MM/YYYY")
log = q("audit_log", since=since, until=until)
log = log.assign(kind=log["action"].map(activity.kind))

kinds = sorted(log["kind"].unique())
chosen = st.multiselect("Loại hoạt động", kinds, default=kinds, key="aud_kinds")
actor = st.text_input("Người thực hiện", key="aud_actor", placeholder="tên đăng nhập")
view = log[log["kind"].isin(chosen)]
if actor:
    view = view[view["actor"].str.contains(actor.strip().lower(), regex=False, na=False)]

st.caption(f"{len(view)} hoạt động từ {vn_date(since)} đến {vn_date(until)}.")
if not view.empty:
    per_day = view.assign(day=view["logged_at"].dt.date).groupby(["day", "kind"]).size().reset_index(name="n")
    fig = px.bar(per_day, x="day", y="n", color="kind", labels={"day": "Ngày", "n": "Số hoạt động", "kind": ""})
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h"))
    fig.update_xaxes(tickformat="%d/%m", hoverformat="%d/%m/%Y")
    fig.update_yaxes(tickformat=",d")
    st.plotly_chart(fig, width="stretch", key="aud_chart", config=plotly_config())


# unit names of every campaign, for "Nộp báo cáo Phường Tân Lập tuần …"
units = q("reporting_units", campaign=None)
unit_names = dict(zip(units["unit_code"], units["unit_name"]))
table = pd.DataFrame({
    "Thời điểm": view["logged_at"].dt.strftime("%d/%m/%Y %H:%M:%S"),
    "Người thực hiện": view["actor"],
    "Loại": view["kind"],
    "Hoạt động": [activity.describe(a, o, d, unit_names)
                  for a, o, d in zip(view["action"], view["object"], view["details"])],
    "Đối tượng": [activity.subject(a, o, d, unit_names)
                  for a, o, d in zip(view["action"], view["object"], view["details"])],
})
st.dataframe(table, hide_index=True, width="stretch", key="aud_table")
st.download_button("Tải nhật ký (CSV)", csv_bytes(table), file_name=f"nhat-ky_{since}_{until}.csv",
                   mime="text/csv", key="aud_download",
                   on_click=audit_event, args=("export.audit_log", f"{since}..{until}", {"rows": len(table)}))
