"""Tình hình nộp báo cáo: who sent what, when — a unit × week grid, and every version of a report."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ui.common import KIND_LABELS, campaign_sidebar, q, vn_date, vn_number

STATUS_ORDER = ["on_time", "late", "missing"]
STATUS_TEXT = {"on_time": "Đúng hạn", "late": "Nộp muộn", "missing": "Chưa nộp"}
STATUS_COLOR = {"on_time": "#2e7d32", "late": "#f9a825", "missing": "#c62828"}

campaign = campaign_sidebar()
code, as_of = campaign["campaign_code"], campaign["as_of"]
st.title("Tình hình nộp báo cáo")
st.caption(f"Các tuần đã quá hạn nộp tính đến hết ngày {vn_date(as_of)}. Hạn nộp: "
           f"{campaign['deadline_days']} ngày sau khi tuần kết thúc, lúc {campaign['deadline_hour']} giờ.")

grid = q("submission_grid", campaign=code, as_of=as_of)
if grid.empty:
    st.info("Chưa có tuần nào đến hạn nộp báo cáo.")
    st.stop()

c1, c2 = st.columns([1, 2])
kinds = sorted(grid["kind"].unique(), key=lambda k: list(KIND_LABELS).index(k) if k in KIND_LABELS else 99)
chosen_kinds = c1.multiselect("Loại đơn vị", kinds, default=kinds, format_func=lambda k: KIND_LABELS.get(k, k),
                              key="sub_kinds")
search = c2.text_input("Tìm đơn vị", key="sub_search", placeholder="Gõ tên đơn vị, có dấu hoặc không dấu")
view = grid[grid["kind"].isin(chosen_kinds)]
if search:
    from loaders.common.text import fold  # the same folding the loaders match with

    view = view[view["unit_name"].map(fold).str.contains(fold(search), regex=False)]

counts = view["status"].value_counts()
total = max(len(view), 1)
m = st.columns(4)
m[0].metric("Báo cáo phải nộp", vn_number(len(view)),
            help="Mỗi đơn vị báo cáo một báo cáo mỗi tuần, từ đầu kế hoạch đến tuần gần nhất đã quá hạn nộp.")
for col, s in zip(m[1:], STATUS_ORDER):
    col.metric(STATUS_TEXT[s], vn_number(counts.get(s, 0)),
               help=f"{vn_number(100 * counts.get(s, 0) / total, 1)}% số báo cáo phải nộp")

# The grid as a picture: one row per unit, one column per week, coloured by status.
weeks = view.drop_duplicates("week_start").sort_values("week_start")[["week_start", "week_label"]]
units = (view.assign(missing=(view["status"] == "missing"))
         .groupby(["unit_code", "unit_name"], as_index=False)["missing"].sum()
         .sort_values(["missing", "unit_name"], ascending=[False, True]))
pivot = view.pivot(index="unit_code", columns="week_start", values="status").reindex(
    index=units["unit_code"], columns=weeks["week_start"])
z = pivot.map(lambda s: STATUS_ORDER.index(s) if isinstance(s, str) else None).to_numpy()
text = pivot.map(lambda s: STATUS_TEXT.get(s, "")).to_numpy()
scale = [[0, STATUS_COLOR["on_time"]], [0.33, STATUS_COLOR["on_time"]], [0.34, STATUS_COLOR["late"]],
         [0.66, STATUS_COLOR["late"]], [0.67, STATUS_COLOR["missing"]], [1, STATUS_COLOR["missing"]]]
fig = go.Figure(go.Heatmap(
    z=z, x=weeks["week_label"], y=units["unit_name"], text=text, zmin=0, zmax=2, colorscale=scale,
    showscale=False, xgap=1, ygap=1,
    hovertemplate="%{y}<br>Tuần %{x}: %{text}<extra></extra>",
))
fig.update_layout(height=max(300, 16 * len(units) + 120), margin=dict(l=10, r=10, t=30, b=10),
                  yaxis=dict(autorange="reversed", tickfont=dict(size=10)), xaxis=dict(side="top"))
st.markdown(" ".join(f"<span style='color:{STATUS_COLOR[s]}'>■</span> {STATUS_TEXT[s]}" for s in STATUS_ORDER),
            unsafe_allow_html=True)  # fixed legend text only, nothing user-provided
st.plotly_chart(fig, width="stretch", key="sub_grid")

st.subheader("Lịch sử các phiên bản báo cáo")
names = dict(zip(units["unit_code"], units["unit_name"]))
unit = st.selectbox("Đơn vị", list(names), format_func=names.get, key="sub_unit")
periods = q("unit_submissions", campaign=code, unit=unit) if unit else pd.DataFrame()
if periods.empty:
    st.info("Đơn vị này chưa gửi báo cáo nào.")
    st.stop()
labels = {i: f"{vn_date(r.period_start)} – {vn_date(r.period_end)} ({r.versions} phiên bản)"
          for i, r in periods.iterrows()}
i = st.selectbox("Kỳ báo cáo", list(labels), format_func=labels.get, key="sub_period")
period = periods.loc[i]
versions = q("submission_versions", campaign=code, unit=unit,
             period_start=period["period_start"], period_end=period["period_end"])
st.dataframe(
    pd.DataFrame({
        "Phiên bản": versions["version"],
        "Hiện hành": versions["is_current"].map({True: "✔", False: ""}),
        "Thời điểm nhận": versions["received_at"].dt.strftime("%d/%m/%Y %H:%M"),
        "Người gửi": versions["submitted_by"],
        "Tệp": versions["file_name"].map(lambda p: str(p).replace("\\", "/").rsplit("/", 1)[-1]),
        "Số chỉ tiêu": versions["values_count"],
    }),
    hide_index=True, width="stretch", key="sub_versions",
)
vlabels = {r.submission_id: f"Phiên bản {r.version}" + (" (hiện hành)" if r.is_current else "")
           for r in versions.itertuples()}
sid = st.selectbox("Xem số liệu của phiên bản", list(vlabels), format_func=vlabels.get, key="sub_version")
values = q("submission_values", submission=int(sid))
st.dataframe(
    values.rename(columns={"group_name": "Hình thức", "indicator_name": "Chỉ tiêu", "uom": "Đơn vị tính",
                           "value": "Trong kỳ", "cumulative": "Lũy kế", "cell": "Ô"})
    [["Hình thức", "Chỉ tiêu", "Đơn vị tính", "Trong kỳ", "Lũy kế", "Ô"]],
    hide_index=True, width="stretch", key="sub_values",
)
