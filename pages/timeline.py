"""Tiến độ (leadership): the campaign week by week — activity per channel group and posts per
platform over the campaign, with its phases as shaded bands and its milestones as dashed lines, and
a comparison of chosen communes against the province median.

One chart at a time, chosen above the charts (issue 13): each plotly chart costs the browser
~0.2-0.3 s of main-thread work to draw, and the three together kept the page over its 1 s after a
click; the person reads one chart at a time anyway.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ui.common import campaign_sidebar, q, vn_date, vn_number
from ui.charts import (FONT, GROUP_COLORS, HELP, PLATFORM_COLORS, PLATFORM_NAMES, add_marks, band,
                       phase_marks, week_mid)
from ui.vietnamese import plotly_config

UNIT_COLORS = ("#1565c0", "#e65100", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#5d4037", "#ad1457")

campaign = campaign_sidebar()
code = campaign["campaign_code"]
as_of = campaign["as_of"]
phases = q("campaign_phases", campaign=code)
milestones = q("campaign_milestones", campaign=code)
weeks = q("campaign_week_list", campaign=code)
timeline = q("weekly_timeline", campaign=code, as_of=as_of)

st.title(f"Tiến độ theo tuần — {campaign['province_name']}")
st.caption(
    f"{campaign['title']}  \nTính đến hết ngày **{vn_date(as_of)}**. Báo cáo nhiều tuần được chia "
    "đều theo ngày. Vùng màu: các đợt; đường đứt nét: các mốc sự kiện; đường đỏ: ngày đang xem; "
    "vùng xám: tuần chưa đến hạn nộp báo cáo (chưa vẽ số liệu)."
)

# Which chart is drawn: one per run (see the docstring).
CHARTS = {"groups": "Hoạt động theo hình thức", "posts": "Số tin, bài theo tuần",
          "units": "So sánh xã, phường"}
if st.session_state.get("tl_chart") not in CHARTS:
    st.session_state["tl_chart"] = "groups"
chart = st.segmented_control("Biểu đồ", list(CHARTS), format_func=CHARTS.get, key="tl_chart",
                             help="Chọn biểu đồ cần xem; khoảng thời gian bên dưới áp dụng cho mọi biểu đồ.") \
    or "groups"

# The time axis: from the start to the reference day (default), the whole campaign, or one phase.
PAD = pd.Timedelta(days=4)
spans = {"Từ đầu đến ngày xem": (campaign["start_date"], as_of + pd.Timedelta(days=10)),
         "Toàn kế hoạch": (campaign["start_date"], campaign["end_date"])}
spans.update({p.phase_name: (p.start_date, p.end_date) for p in phases.itertuples()})
if st.session_state.get("tl_span") not in spans:      # another campaign's phase, or nothing yet
    st.session_state["tl_span"] = "Từ đầu đến ngày xem"
span = st.segmented_control("Khoảng thời gian", list(spans), key="tl_span",
                            help="Trục thời gian của các biểu đồ trên trang.") or "Từ đầu đến ngày xem"
x_range = [pd.Timestamp(spans[span][0]) - PAD, pd.Timestamp(spans[span][1]) + PAD]

# Weeks started by the reference day whose deadline has not passed: their reports are still coming.
as_of_end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
pending = weeks[(pd.to_datetime(weeks["week_start"]) <= pd.Timestamp(as_of))
                & (pd.to_datetime(weeks["deadline"]) > as_of_end)]
# their numbers are partial: the charts stop at the last week whose deadline has passed
timeline = timeline[~timeline["week_start"].isin(pending["week_start"])]


def time_axis(fig: go.Figure, height: int, y_title: str) -> go.Figure:
    """Phase bands, milestones, the reference day and the pending weeks on a weekly chart."""
    shapes, notes = phase_marks(phases, milestones, as_of, x_range)
    if len(pending):
        x0 = pd.Timestamp(pending["week_start"].min())
        x1 = pd.Timestamp(pending["week_end"].max()) + pd.Timedelta(days=1)
        shapes.insert(0, band(x0, x1, "rgba(120,120,120,0.18)"))
        notes.insert(0, dict(x=x0 + (x1 - x0) / 2, y=0.45, xref="x", yref="paper", text="Chưa đến hạn nộp",
                             textangle=-90, showarrow=False, font=dict(size=12, color="#444")))
    add_marks(fig, shapes, notes, height=height, margin=dict(l=10, r=10, t=28, b=10), font=FONT,
              separators=",.", hovermode="x unified", legend=dict(orientation="h", y=-0.12, x=0, font=dict(size=13)))
    fig.update_xaxes(range=x_range, tickformat="%d/%m", dtick=7 * 24 * 3600 * 1000 * 2,
                     ticklabelmode="period", title=None, showgrid=False)
    fig.update_yaxes(title=y_title, rangemode="tozero")
    return fig


def hover_week(df: pd.DataFrame) -> list[str]:
    return [f"Tuần {w}" for w in df["week_label"]]


# ---------------------------------------------------------------------------------------------
# 1. Activity per channel group
def groups_chart() -> None:
    st.subheader("Hoạt động theo hình thức tuyên truyền", help=HELP["activity"])
    groups = timeline[timeline["series_kind"] == "group"]
    c1, c2 = st.columns([2, 1])
    measure = c1.radio(
        "Số liệu", ["Số hoạt động", "Số đơn vị có hoạt động"], horizontal=True, key="tl_group_measure",
        help="Số hoạt động: tổng các chỉ tiêu đếm việc đã làm của hình thức trong tuần. "
             "Số đơn vị có hoạt động: số đơn vị báo cáo ít nhất một hoạt động của hình thức trong tuần.",
    )
    style = c2.radio("Kiểu biểu đồ", ["Vùng chồng", "Đường"], horizontal=True, key="tl_group_style")
    column = "value" if measure == "Số hoạt động" else "units_active"
    if groups.empty or groups[column].sum() == 0:
        st.info("Chưa có hoạt động nào được báo cáo đến ngày đang xem.")
    else:
        fig = go.Figure()
        # groups with activity at some point, largest first so the stack reads bottom-up
        order = groups.groupby("series_code")[column].sum().sort_values(ascending=False)
        for code_ in order[order > 0].index:
            g = groups[groups["series_code"] == code_].sort_values("week_start")
            name = g["series_name"].iloc[0]
            color = GROUP_COLORS.get(code_, "#888")
            fig.add_scatter(
                x=week_mid(g["week_start"]), y=g[column], name=name, mode="lines",
                line=dict(color=color, width=2.5 if style == "Đường" else 0.5),
                stackgroup="groups" if style == "Vùng chồng" else None,
                customdata=list(zip(hover_week(g), g["value"], g["units_active"])),
                hovertemplate=f"{name}: %{{customdata[1]:,.0f}} hoạt động, %{{customdata[2]}} đơn vị<extra></extra>",
            )
        time_axis(fig, 460, "Hoạt động / tuần" if column == "value" else "Số đơn vị")
        st.plotly_chart(fig, width="stretch", key="tl_groups_chart", config=plotly_config())


# ---------------------------------------------------------------------------------------------
# 2. Posts per week and platform
def posts_chart() -> None:
    st.subheader("Số tin, bài theo tuần", help=HELP["posts"])
    posting = timeline[timeline["series_kind"] == "posting"]
    if posting.empty or posting["value"].sum() == 0:
        st.info("Chưa có tin, bài nào được báo cáo đến ngày đang xem.")
    else:
        fig = go.Figure()
        order = posting.groupby("series_code")["value"].sum().sort_values(ascending=False)
        for code_ in order[order > 0].index:
            g = posting[posting["series_code"] == code_].sort_values("week_start")
            name = PLATFORM_NAMES.get(code_, g["series_name"].iloc[0])
            fig.add_bar(
                x=week_mid(g["week_start"]), y=g["value"], name=name, width=6 * 24 * 3600 * 1000,
                marker_color=PLATFORM_COLORS.get(code_, "#888"),
                customdata=list(zip(hover_week(g), g["units_active"])),
                hovertemplate=f"{name}: %{{y:,.0f}} tin, bài (%{{customdata[1]}} đơn vị)<extra></extra>",
            )
        fig.update_layout(barmode="stack")
        time_axis(fig, 420, "Tin, bài / tuần")
        st.plotly_chart(fig, width="stretch", key="tl_posts_chart", config=plotly_config())


# ---------------------------------------------------------------------------------------------
# 3. Chosen communes against the province median
def units_chart() -> None:
    st.subheader("So sánh xã, phường với trung vị toàn tỉnh", help=HELP["median"])
    units = q("reporting_units", campaign=code)
    communes = units[units["territorial"]]
    names = dict(zip(communes["unit_code"], communes["unit_name"]))
    units_key = f"tl_units:{code}"                 # one selection per campaign
    if units_key not in st.session_state:
        lagging = q("lagging_units", campaign=code, as_of=as_of)
        lagging = lagging[lagging["territorial"]].sort_values("rank")
        st.session_state[units_key] = [u for u in lagging["unit_code"].head(2) if u in names] \
            or list(communes["unit_code"].head(1))
    c1, c2 = st.columns([3, 1])
    chosen = c1.multiselect(
        "Xã, phường", list(names), format_func=names.get, key=units_key, max_selections=len(UNIT_COLORS),
        placeholder="Chọn một hoặc nhiều xã, phường",
        help="Mặc định: hai xã, phường đứng đầu danh sách chậm tiến độ.",
    )
    cmp_measure = c2.radio("Số liệu", ["Hoạt động", "Tin, bài"], horizontal=True, key="tl_cmp_measure")
    if not chosen:
        st.info("Chọn ít nhất một xã, phường để so sánh.")
    else:
        activity = q("unit_weekly_activity", campaign=code, as_of=as_of, units=list(chosen))
        activity = activity[~activity["week_start"].isin(pending["week_start"])]
        value_col, median_col = ("activity", "median_activity") if cmp_measure == "Hoạt động" \
            else ("posts", "median_posts")
        fig = go.Figure()
        median = activity.drop_duplicates("week_start").sort_values("week_start")
        fig.add_scatter(
            x=week_mid(median["week_start"]), y=median[median_col], name="Trung vị toàn tỉnh",
            mode="lines", line=dict(color="#555", width=4, dash="dot"),
            hovertemplate="Trung vị toàn tỉnh: %{y:,.0f}<extra></extra>",
        )
        for i, unit in enumerate(chosen):
            u = activity[activity["unit_code"] == unit].sort_values("week_start")
            if u.empty:
                continue
            color = UNIT_COLORS[i % len(UNIT_COLORS)]
            fig.add_scatter(
                x=week_mid(u["week_start"]), y=u[value_col], name=names[unit], mode="lines+markers",
                line=dict(color=color, width=3),
                marker=dict(size=[9 if r else 12 for r in u["reported"]],
                            symbol=["circle" if r else "x" for r in u["reported"]], color=color),
                customdata=[["" if r else " — không có báo cáo"] for r in u["reported"]],
                hovertemplate=f"{names[unit]}: %{{y:,.0f}}%{{customdata[0]}}<extra></extra>",
            )
        time_axis(fig, 440, "Hoạt động / tuần" if value_col == "activity" else "Tin, bài / tuần")
        st.plotly_chart(fig, width="stretch", key="tl_units_chart", config=plotly_config())
        st.caption("Dấu ×: tuần đơn vị không có báo cáo (tính 0). Trung vị tính trên mọi xã, phường của tỉnh.")

        table = (activity.groupby("unit_code", sort=False)
                 .agg(weeks=("week_start", "size"), reported=("reported", "sum"),
                      activity=("activity", "sum"), posts=("posts", "sum"))
                 .reindex([u for u in chosen if u in set(activity["unit_code"])]).reset_index())
        st.dataframe(
            pd.DataFrame({
                "Xã, phường": table["unit_code"].map(names),
                "Tuần có báo cáo": [f"{int(r)}/{int(w)}" for r, w in zip(table["reported"], table["weeks"])],
                "Tổng hoạt động": table["activity"].map(lambda v: vn_number(v)),
                "Tổng tin, bài": table["posts"].map(lambda v: vn_number(v)),
            }),
            hide_index=True, width="stretch",
        )


# the chosen chart only (see the docstring)
{"groups": groups_chart, "posts": posts_chart, "units": units_chart}[chart]()
