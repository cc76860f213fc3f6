"""Kế hoạch: what the selected campaign is — phases on a time axis, milestones, who reports."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from ui.charts import add_marks, day_line
from ui.common import KIND_LABELS, campaign_sidebar, q, vn_date
from ui.vietnamese import plotly_config

campaign = campaign_sidebar()
code = campaign["campaign_code"]

st.title(f"Kế hoạch tuyên truyền — {campaign['province_name']}")
st.markdown(f"**{campaign['title']}**")
doc = campaign["doc_number"] if isinstance(campaign["doc_number"], str) else None
doc_text = f"Số {doc} ngày {vn_date(campaign['doc_date'])}" if doc else "Văn bản chưa ghi số, ngày"
era = "đơn vị hành chính 2 cấp (từ 01/7/2025)" if campaign["era"] == "2025" else "đơn vị hành chính 3 cấp (trước 01/7/2025)"
st.caption(
    f"{campaign['issuer']} · {doc_text} · "
    f"{campaign['province_name']} · {era}"
)

phases = q("campaign_phases", campaign=code)
milestones = q("campaign_milestones", campaign=code)
kinds = q("reporting_units_by_kind", campaign=code)

c1, c2, c3, c4 = st.columns(4)
c1.metric("Số tuần", (campaign["end_date"] - campaign["start_date"]).days // 7 + 1,
          help=f"Từ {vn_date(campaign['start_date'])} đến {vn_date(campaign['end_date'])}")
c2.metric("Số đợt", len(phases))
territorial = int(kinds.loc[kinds["territorial"], "units"].sum())
c3.metric("Xã, phường, đặc khu báo cáo" if campaign["era"] == "2025" else "Xã, phường, thị trấn báo cáo",
          territorial)
c4.metric("Đơn vị báo cáo khác", int(kinds.loc[~kinds["territorial"], "units"].sum()))

st.subheader("Các đợt tuyên truyền")
if phases.empty:
    st.info("Kế hoạch chưa có đợt nào.")
else:
    bars = phases.assign(
        start=pd.to_datetime(phases["start_date"]),
        # a phase runs through the whole of its last day
        finish=pd.to_datetime(phases["end_date"]) + pd.Timedelta(days=1),
        label=phases["phase_name"],
    )
    fig = px.timeline(bars, x_start="start", x_end="finish", y="label", color="label",
                      hover_data={"start": False, "finish": False, "label": False, "days": True})
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_layout(showlegend=False, height=160 + 40 * len(phases), margin=dict(l=10, r=10, t=60, b=10))
    as_of = pd.Timestamp(campaign["as_of"])
    lines, notes = [], []
    for i, m in enumerate(milestones.itertuples()):
        x = pd.Timestamp(m.milestone_date)
        lines.append(day_line(x, "#555", 2, "dash"))
        # stagger labels so neighbouring milestones stay readable
        notes.append(dict(x=x, y=1.02 + 0.12 * (i % 2), xref="x", yref="paper", text=m.milestone_name,
                          showarrow=False, font=dict(size=11), xanchor="left"))
    add_marks(fig, [*lines, day_line(as_of, "#b71c1c", 2)], notes)
    st.plotly_chart(fig, width="stretch", config=plotly_config())
    table = phases.assign(
        **{"Bắt đầu": phases["start_date"].map(vn_date), "Kết thúc": phases["end_date"].map(vn_date)}
    ).rename(columns={"phase_name": "Đợt", "days": "Số ngày", "note": "Ghi chú"})
    st.dataframe(table[["Đợt", "Bắt đầu", "Kết thúc", "Số ngày", "Ghi chú"]], hide_index=True, width="stretch")

st.subheader("Mốc sự kiện")
if milestones.empty:
    st.info("Kế hoạch chưa có mốc sự kiện.")
else:
    st.dataframe(
        milestones.assign(**{"Ngày": milestones["milestone_date"].map(vn_date)})
        .rename(columns={"milestone_name": "Sự kiện", "note": "Ghi chú"})[["Ngày", "Sự kiện", "Ghi chú"]],
        hide_index=True, width="stretch",
    )

st.subheader("Đơn vị báo cáo")
kinds = kinds.assign(**{"Loại đơn vị": kinds["kind_name"].fillna(kinds["kind"].map(KIND_LABELS))})
fig = px.bar(kinds, x="units", y="Loại đơn vị", orientation="h", text="units",
             labels={"units": "Số đơn vị"})
fig.update_layout(height=100 + 35 * len(kinds), margin=dict(l=10, r=10, t=10, b=10))
st.plotly_chart(fig, width="stretch", config=plotly_config())
