"""Tình hình nộp báo cáo: who sent what, when — a unit × week grid, and every version of a report."""
from __future__ import annotations

import pandas as pd
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

# The grid: one row per unit (the most missing first), one column per week, a coloured mark per
# cell. A data grid rather than a picture: its week headers and unit names stay in place while
# scrolling, and its compact rows fit a screen (a chart of 105 units was 3,000 px tall).
weeks = view.drop_duplicates("week_start").sort_values("week_start")[["week_start", "week_label"]]
units = (view.assign(missing=(view["status"] == "missing"))
         .groupby(["unit_code", "unit_name"], as_index=False)["missing"].sum()
         .sort_values(["missing", "unit_name"], ascending=[False, True]))
MARK = {"on_time": "✓", "late": "muộn", "missing": "✗"}
pivot = view.pivot(index="unit_code", columns="week_start", values="status").reindex(
    index=units["unit_code"], columns=weeks["week_start"])
cells = pivot.map(lambda s: MARK.get(s, "") if isinstance(s, str) else "")
cells.columns = list(weeks["week_label"])
cells.insert(0, "Chưa nộp", units["missing"].astype(int).to_numpy())
cells.insert(0, "Đơn vị", units["unit_name"].to_numpy())
FILL = {"✓": "#c8e6c9", "muộn": "#fff3c4", "✗": "#ffcdd2"}
styled = cells.style.map(lambda v: f"background-color: {FILL[v]}; text-align: center" if v in FILL else "",
                         subset=list(weeks["week_label"]))
st.markdown(" ".join(f"<span style='color:{STATUS_COLOR[s]}'>■</span> {MARK[s]} {STATUS_TEXT[s]}"
                     for s in STATUS_ORDER), unsafe_allow_html=True)  # fixed legend text only
st.dataframe(
    styled, hide_index=True, width="stretch", height=min(36 + 28 * len(cells), 560), row_height=28,
    key="sub_grid",
    column_config={"Đơn vị": st.column_config.TextColumn(pinned=True, width=190),
                   "Chưa nộp": st.column_config.NumberColumn(format="%d", width=70, pinned=True,
                                                             help="Số tuần chưa nộp báo cáo")},
)

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
        "Người gửi": versions["submitted_by"].fillna("—"),
        "Tệp": versions["file_name"].map(lambda p: str(p).replace("\\", "/").rsplit("/", 1)[-1]),
        "Số chỉ tiêu": versions["values_count"],
    }),
    hide_index=True, width="stretch", key="sub_versions",
)
vlabels = {r.submission_id: f"Phiên bản {r.version}" + (" (hiện hành)" if r.is_current else "")
           for r in versions.itertuples()}
sid = st.selectbox("Xem số liệu của phiên bản", list(vlabels), format_func=vlabels.get, key="sub_version")
values = q("submission_values", submission=int(sid))
# empty cells stay empty (a data grid writes "None" for a missing value)
values = values.assign(cumulative=values["cumulative"].map(lambda v: "" if pd.isna(v) else vn_number(v)),
                       cell=values["cell"].fillna(""), uom=values["uom"].fillna(""))
st.dataframe(
    values.rename(columns={"group_name": "Hình thức", "indicator_name": "Chỉ tiêu", "uom": "Đơn vị tính",
                           "value": "Trong kỳ", "cumulative": "Lũy kế", "cell": "Ô"})
    [["Hình thức", "Chỉ tiêu", "Đơn vị tính", "Trong kỳ", "Lũy kế", "Ô"]],
    hide_index=True, width="stretch", key="sub_values",
)
