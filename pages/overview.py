"""Tổng quan (leadership): how far the campaign is, phase by phase, and where it is weak.

Phase progress against the expected pace, reporting and on-time rates of the latest due week with
their trend, channel coverage and posting counts, the ten communes most behind with their reasons,
and what changed in seven days (the arrows under every number). Every number comes from a named
query; its definition is one hover away (the ⓘ next to it).
"""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ui import later
from ui.briefing import briefing_buttons
from ui.common import campaign_sidebar, phase_sidebar, q, vn_date, vn_number, vn_percent
from ui.charts import (FONT, GROUP_COLORS, HELP, PLATFORM_COLORS, PLATFORM_NAMES, count_delta,
                       pct_points, steady, trend_metric)
from ui.vietnamese import HEADLINE, plotly_config


def _trend_title(label: str, rates: pd.Series) -> str:
    """What a weekly trend under a card shows, in words (its tooltip)."""
    return (f"{label} qua {len(rates)} tuần đã đến hạn: từ {vn_percent(rates.iloc[0], 1)} "
            f"(tuần {weeks['week_label'].iloc[0]}) đến {vn_percent(rates.iloc[-1], 1)} (tuần {weeks['week_label'].iloc[-1]})")


campaign = campaign_sidebar()
code = campaign["campaign_code"]
as_of = campaign["as_of"]
phase = phase_sidebar(campaign)

summary = q("campaign_summary", campaign=code, as_of=as_of).iloc[0]
prev_day = as_of - timedelta(days=7)
has_prev = pd.Timestamp(prev_day) >= pd.Timestamp(campaign["start_date"])
prev = q("campaign_summary", campaign=code, as_of=prev_day).iloc[0] if has_prev else None

st.title(f"Tổng quan — {campaign['province_name']}")
st.caption(
    f"{campaign['title']}  \nTính đến hết ngày **{vn_date(as_of)}**"
    + (f" · mũi tên dưới mỗi số: thay đổi so với 7 ngày trước ({vn_date(prev_day)})" if has_prev else "")
)
briefing_buttons(campaign, phase)   # the weekly and phase briefings (.docx) of these numbers

# ---------------------------------------------------------------------------------------------
# 1. Phase progress against the expected pace
phase_no = int(phase["phase_number"]) if phase else (
    None if pd.isna(summary["phase_number"]) else int(summary["phase_number"]))
province_all = q("phase_completion_province", campaign=code, as_of=as_of)
province = province_all[province_all["unit_scope"] == "all"]
row = province[province["phase_number"] == phase_no]
phase_label = phase["phase_name"] if phase else summary["phase_name"]

weeks = q("reporting_rate_by_week", campaign=code, as_of=as_of)
last = weeks.iloc[-1] if len(weeks) else None
last_before = weeks.iloc[-2] if len(weeks) > 1 else None
r = row.iloc[0] if len(row) else None
before = None
if has_prev and r is not None:
    pp = q("phase_completion_province", campaign=code, as_of=prev_day)
    pp = pp[(pp["unit_scope"] == "all") & (pp["phase_number"] == phase_no)]
    before = pp.iloc[0] if len(pp) else None

# ---------------------------------------------------------------------------------------------
# 0. The first screen (issue 13): the lagging communes and reporting first, four cards that speak
# of the same things in the same words, then the communes most behind. Their texts wrap to a second
# line rather than end in "…" on a 1366-pixel laptop (the container's style: ui/vietnamese.py).
h1, h2, h3, h4 = st.container(key=HEADLINE).columns(4)
lag_delta = count_delta(summary["lagging_communes"], None if prev is None else prev["lagging_communes"])
h1.metric("Xã chậm tiến độ", f"{int(summary['lagging_communes'])}/{int(summary['communes'])}", lag_delta,
          **steady(lag_delta, "inverse"), border=True, delta_description="so với 7 ngày trước",
          help=HELP["lagging"] + " Số xã, phường, đặc khu chậm tiến độ / tổng số.")
if last is not None:
    rep_delta = pct_points(last["reporting_rate"], None if last_before is None else last_before["reporting_rate"])
    trend_metric(h2, "Tỷ lệ nộp báo cáo", vn_percent(last["reporting_rate"], 1), rep_delta,
                 100 * weeks["reporting_rate"], _trend_title("Tỷ lệ nộp báo cáo", weeks["reporting_rate"]),
                 **steady(rep_delta), delta_description=f"tuần {last['week_label']} so với tuần trước",
                 help=HELP["reporting_rate"] + f" Tuần {last['week_label']} (tuần gần nhất đã đến hạn): "
                      f"{int(last['received'])}/{int(last['expected'])} báo cáo; hạn nộp "
                      f"{pd.Timestamp(last['deadline']):%H:%M} ngày {vn_date(last['deadline'])}.")
if r is not None:
    done_delta = pct_points(r["completion"], None if before is None else before["completion"])
    h3.metric("Hoàn thành đợt", vn_percent(r["completion"]), done_delta, **steady(done_delta), border=True,
              delta_description=f"cần đạt {vn_percent(r['expected'])}",
              help=HELP["completion"] + " Mũi tên: so với 7 ngày trước.")
    com = province_all[(province_all["unit_scope"] == "commune") & (province_all["phase_number"] == phase_no)]
    if len(com):
        cm = com.iloc[0]
        h4.metric("Xã đạt mức cần đạt", f"{int(cm['units_on_track'])}/{int(cm['units'])}",
                  border=True, delta_description=f"{vn_percent(cm['share_on_track'])} số xã, phường",
                  help=HELP["share_on_track"])

# ---------------------------------------------------------------------------------------------
# The communes most behind, and what changed in the lagging list
st.subheader("10 xã, phường chậm tiến độ nhất", help=HELP["lagging"] + "\n\n" + HELP["score"])
lagging = q("lagging_units", campaign=code, as_of=as_of)
communes = lagging[lagging["territorial"]].sort_values("rank").reset_index(drop=True)
if communes.empty:
    st.success("Không có xã, phường nào chậm tiến độ vào ngày đang xem.")
else:
    top = communes.head(10)
    table = pd.DataFrame({
        "Hạng": range(1, len(top) + 1),
        "Xã, phường": top["unit_name"],
        "Điểm": top["score"],
        "Lý do": top["reasons"].map(lambda rs: " • ".join(rs)),
        "Hoàn thành đợt": 100 * top["completion"],
        "Số tuần chậm": top["weeks_lagging"],
    })
    st.dataframe(
        table, hide_index=True, width="stretch", row_height=64, height="content",
        column_config={
            "Hạng": st.column_config.NumberColumn(width=45),
            "Xã, phường": st.column_config.TextColumn(width=140),
            "Điểm": st.column_config.NumberColumn(format="%.0f", width=50, help=HELP["score"]),
            "Lý do": st.column_config.TextColumn(width=480, help=HELP["lagging"]),
            "Hoàn thành đợt": st.column_config.ProgressColumn(
                format="%.0f%%", min_value=0, max_value=100, width=100, help=HELP["completion"]),
            "Số tuần chậm": st.column_config.NumberColumn(
                format="%d", width=70, help="Số tuần liên tiếp đơn vị bị xếp chậm tiến độ."),
        },
    )
if prev is not None:
    changes = q("lagging_changes", campaign=code, as_of=as_of)
    changes = changes[changes["territorial"]]
    added = sorted(changes.loc[changes["status"] == "new", "unit_name"])
    removed = sorted(changes.loc[changes["status"] == "recovered", "unit_name"])
    st.markdown(
        f"**So với {vn_date(prev_day)}:** "
        + (f"{len(added)} xã, phường mới chậm tiến độ ({', '.join(added)})" if added
           else "không có xã, phường mới chậm tiến độ")
        + "; "
        + (f"{len(removed)} xã, phường đã hết chậm ({', '.join(removed)})." if removed
           else "không có xã, phường nào hết chậm.")
    )
st.page_link("pages/lagging.py", label="Xem toàn bộ danh sách, lọc theo lý do và xuất Excel", icon="⚠️")

# ---------------------------------------------------------------------------------------------
# 1. Phase progress against the expected pace
def phase_progress() -> None:
    st.subheader((f"Tiến độ {phase_label}" if phase_label and not pd.isna(phase_label) else "Tiến độ các đợt")
                 + f" đến ngày {vn_date(as_of)}")
    if phase_no is None or row.empty:
        st.info("Đợt này chưa bắt đầu vào ngày đang xem: chưa có tiến độ để so sánh.")
    else:
        c2, c3, c4 = st.columns(3)
        c2.metric("Mức cần đạt", vn_percent(r["expected"]),
                  help=HELP["expected"] + f" Ngày đang xem: {vn_date(as_of)}.", border=True)
        gap = round(100 * (r["completion"] - r["expected"]))
        c3.metric("Cao hơn mức cần đạt" if gap >= 0 else "Thấp hơn mức cần đạt", f"{abs(gap)} điểm %",
                  help="Mức hoàn thành đợt trừ mức cần đạt, tính bằng điểm phần trăm.", border=True)
        on_track_delta = pct_points(r["share_on_track"], None if before is None else before["share_on_track"])
        c4.metric("Đơn vị đạt mức cần đạt", vn_percent(r["share_on_track"]), on_track_delta,
                  **steady(on_track_delta), help=HELP["share_on_track"] + " Mũi tên: so với 7 ngày trước.",
                  border=True, delta_description=f"{int(r['units_on_track'])}/{int(r['units'])} đơn vị "
                                                 "(cả sở, ngành)")

        # every started phase: completion as a bar, the expected pace as a marker
        bars = province.sort_values("phase_number")
        fig = go.Figure()
        fig.add_bar(
            y=bars["phase_name"], x=100 * bars["completion"], orientation="h", name="Mức hoàn thành",
            marker_color=["#1565c0" if c >= e else "#e65100" for c, e in zip(bars["completion"], bars["expected"])],
            text=[vn_percent(c) for c in bars["completion"]], textposition="inside", insidetextanchor="end",
            customdata=[[vn_percent(c), vn_percent(e), f"{int(u)}/{int(n)}"] for c, e, u, n in
                        zip(bars["completion"], bars["expected"], bars["units_on_track"], bars["units"])],
            hovertemplate="<b>%{y}</b><br>Hoàn thành: %{customdata[0]}<br>Cần đạt: %{customdata[1]}"
                          "<br>Đơn vị đạt tiến độ: %{customdata[2]}<extra></extra>",
        )
        fig.add_scatter(
            y=bars["phase_name"], x=100 * bars["expected"], mode="markers", name="Mức cần đạt",
            marker=dict(symbol="line-ns", size=34, line=dict(width=4, color="#222")),
            hovertemplate="Mức cần đạt: %{x:.0f}%<extra></extra>",
        )
        fig.update_layout(height=90 + 60 * len(bars), margin=dict(l=10, r=10, t=10, b=10), font=FONT,
                          legend=dict(orientation="h", y=-0.25), barmode="overlay", separators=",.")
        fig.update_xaxes(range=[0, 105], ticksuffix="%", title=None)
        fig.update_yaxes(autorange="reversed", title=None)
        st.plotly_chart(fig, width="stretch", config=plotly_config(displayModeBar=False))
        st.caption("Thanh xanh: đạt hoặc vượt mức cần đạt; thanh cam: chậm hơn. Vạch đen: mức cần đạt "
                   "(phần thời gian của đợt đã trôi qua).")


# ---------------------------------------------------------------------------------------------
# 2. Reporting: the latest due week and the trend
def reporting() -> None:
    if weeks.empty:
        st.subheader("Nộp báo cáo")
        st.info("Chưa có tuần nào đến hạn nộp báo cáo.")
    else:
        last = weeks.iloc[-1]
        st.subheader(f"Nộp báo cáo — tuần {last['week_label']} (tuần gần nhất đã đến hạn)")
        before = weeks.iloc[-2] if len(weeks) > 1 else None
        c2, c3 = st.columns(2)
        trend_metric(c2, "Tỷ lệ nộp đúng hạn", vn_percent(last["on_time_rate"], 1),
                     pct_points(last["on_time_rate"], None if before is None else before["on_time_rate"]),
                     100 * weeks["on_time_rate"], _trend_title("Tỷ lệ nộp đúng hạn", weeks["on_time_rate"]),
                     help=HELP["on_time_rate"] + f" Tuần {last['week_label']}: {int(last['on_time'])}/"
                          f"{int(last['expected'])} báo cáo đúng hạn. Mũi tên: so với tuần trước.")
        c3.metric("Nộp từ đầu kế hoạch", vn_percent(summary["reporting_rate"], 1),
                  pct_points(summary["reporting_rate"], None if prev is None else prev["reporting_rate"]),
                  help=HELP["reporting_rate"] + f" Từ đầu kế hoạch: {vn_number(summary['received'])}/"
                       f"{vn_number(summary['expected'])} báo cáo, {int(summary['weeks_due'])} tuần đã đến hạn.",
                  border=True)

        fig = go.Figure()
        x = weeks["week_label"]
        fig.add_scatter(x=x, y=100 * weeks["reporting_rate"], mode="lines+markers", name="Nộp báo cáo",
                        line=dict(color="#1565c0", width=3),
                        customdata=weeks[["received", "expected"]].to_numpy(),
                        hovertemplate="Tuần %{x}<br>Nộp báo cáo: %{y:.1f}% (%{customdata[0]}/%{customdata[1]})"
                                      "<extra></extra>")
        fig.add_scatter(x=x, y=100 * weeks["on_time_rate"], mode="lines+markers", name="Nộp đúng hạn",
                        line=dict(color="#2e7d32", width=3, dash="dot"),
                        customdata=weeks[["on_time", "expected"]].to_numpy(),
                        hovertemplate="Tuần %{x}<br>Đúng hạn: %{y:.1f}% (%{customdata[0]}/%{customdata[1]})"
                                      "<extra></extra>")
        fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10), font=FONT, separators=",.",
                          legend=dict(orientation="h", y=1.12), hovermode="x unified")
        fig.update_yaxes(range=[0, 102], ticksuffix="%", title=None)
        fig.update_xaxes(title=None, type="category")
        st.plotly_chart(fig, width="stretch", config=plotly_config(displayModeBar=False))


# ---------------------------------------------------------------------------------------------
# 3. Coverage by channel group and posting counts by platform, in the chosen window
def coverage_and_posts() -> None:
    window = phase_no if phase else 0
    window_name = phase["phase_name"] if phase else "toàn kế hoạch"
    left, right = st.columns(2)
    with left:
        st.subheader(f"Độ phủ theo hình thức — {window_name}")
        cov = q("coverage_by_group", campaign=code, as_of=as_of)
        cov = cov[(cov["unit_scope"] == "commune") & (cov["phase_number"] == window)]
        if cov.empty:
            st.info("Chưa có số liệu độ phủ cho khoảng thời gian này.")
        else:
            st.metric("Độ phủ kênh trung bình của xã, phường (đợt hiện tại)",
                      vn_percent(summary["commune_coverage"]),
                      pct_points(summary["commune_coverage"], None if prev is None else prev["commune_coverage"])
                      if prev is not None and prev["phase_number"] == summary["phase_number"] else None,
                      help=HELP["commune_coverage"])
            cov = cov.sort_values("coverage")
            fig = go.Figure(go.Bar(
                y=cov["group_name"], x=100 * cov["coverage"], orientation="h",
                marker_color=[GROUP_COLORS.get(g, "#888") for g in cov["group_code"]],
                text=[vn_percent(v) for v in cov["coverage"]], textposition="outside",
                customdata=cov[["units_active", "units_assigned"]].to_numpy(),
                hovertemplate="<b>%{y}</b><br>%{customdata[0]}/%{customdata[1]} xã, phường được giao có hoạt động"
                              "<extra></extra>",
            ))
            fig.update_layout(height=80 + 45 * len(cov), margin=dict(l=10, r=30, t=10, b=10), font=FONT)
            fig.update_xaxes(range=[0, 115], ticksuffix="%", title=None)
            fig.update_yaxes(title=None)
            st.plotly_chart(fig, width="stretch", config=plotly_config(displayModeBar=False))
            st.caption(HELP["group_coverage"].replace("**", ""))
    with right:
        st.subheader(f"Số tin, bài theo nền tảng — {window_name}")
        posts = q("posting_counts", campaign=code, as_of=as_of)
        posts = posts[posts["phase_number"] == window]
        by_platform = (posts.groupby(["indicator_code", "indicator_name"], as_index=False, sort=False)["posts"].sum()
                       .sort_values("posts"))
        total = by_platform["posts"].sum()
        p1, p2 = st.columns(2)
        total_prev = None
        if has_prev:
            pp = q("posting_counts", campaign=code, as_of=prev_day)
            pp = pp[pp["phase_number"] == window]
            total_prev = pp["posts"].sum() if len(pp) else None
        p1.metric("Tổng số tin, bài", vn_number(total), count_delta(total, total_prev), help=HELP["posts"])
        p2.metric("Bài không trùng", vn_number(summary["unique_posts"]),
                  count_delta(summary["unique_posts"], None if prev is None else prev["unique_posts"]),
                  help=HELP["unique_posts"])
        if total == 0:
            st.info("Chưa có tin, bài nào được báo cáo trong khoảng thời gian này.")
        else:
            names = by_platform["indicator_code"].map(PLATFORM_NAMES).fillna(by_platform["indicator_name"])
            fig = go.Figure(go.Bar(
                y=names, x=by_platform["posts"], orientation="h",
                marker_color=[PLATFORM_COLORS.get(c, "#888") for c in by_platform["indicator_code"]],
                text=[vn_number(v) for v in by_platform["posts"]], textposition="outside",
                customdata=by_platform[["indicator_name"]].to_numpy(),
                hovertemplate="<b>%{customdata[0]}</b><br>%{x:,.0f} tin, bài<extra></extra>",
            ))
            fig.update_layout(height=80 + 45 * len(by_platform), margin=dict(l=10, r=40, t=10, b=10),
                              font=FONT, separators=",.")
            fig.update_xaxes(title=None, range=[0, 1.18 * by_platform["posts"].max()])
            fig.update_yaxes(title=None)
            st.plotly_chart(fig, width="stretch", config=plotly_config(displayModeBar=False))
            st.caption("Tin, bài của mọi đơn vị báo cáo; báo cáo nhiều tuần được chia đều theo ngày.")


# Below the first screen: drawn after it when this is the first page after sign-in (ui/later.py)
later.section("overview", lambda: (phase_progress(), reporting(), coverage_and_posts()),
              "Hiện tiến độ các đợt, nộp báo cáo và độ phủ")
