"""Bản đồ: every commune of the campaign coloured by one metric for the chosen phase (or the whole
campaign to date), with its numbers on hover, its detail on click, and the mapped table below."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from loaders.reference import boundaries as bnd
from loaders.store import db
from loaders.outputs.export import csv_bytes
from ui import geo
from ui.common import (KIND_LABELS, campaign_sidebar, connection, data_changed, phase_sidebar, q,
                          vn_date, vn_number, vn_percent)

# Five classes from weak to strong; "Không có dữ liệu" is a class of its own, in grey.
GOOD_HIGH = ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"]     # ColorBrewer RdYlGn
COUNTS = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]        # ColorBrewer Blues
SHARE_EDGES = [0.2, 0.4, 0.6, 0.8]
SHARE_LABELS = ["0–20%", "20–40%", "40–60%", "60–80%", "80–100%"]

METRICS = {
    "coverage": {
        "label": "Độ phủ hình thức tuyên truyền",
        "help": "Số nhóm hình thức có hoạt động trong kỳ ÷ số nhóm hình thức kế hoạch giao cho loại đơn vị.",
        "column": "coverage", "share": True,
    },
    "completion": {
        "label": "Mức hoàn thành đợt",
        "help": "Trung bình của min(thực hiện ÷ mục tiêu, 1) trên các nhiệm vụ có mức tối thiểu; "
                "mục tiêu = mức mỗi tuần × số tuần của đợt, hoặc mức mỗi đợt.",
        "column": "completion", "share": True,
    },
    "reporting": {
        "label": "Tỷ lệ nộp báo cáo",
        "help": "Số báo cáo tuần đã nhận ÷ số báo cáo phải nộp (các tuần đã qua hạn nộp).",
        "column": "reporting_rate", "share": True,
    },
    "posts": {
        "label": "Số tin, bài đăng",
        "help": "Tổng các chỉ tiêu tin, bài, video đăng trên báo chí, cổng thông tin và mạng xã hội. "
                "Báo cáo nhiều tuần được chia đều theo số ngày.",
        "column": "posts", "share": False,
    },
    "lag": {
        "label": "Điểm chậm tiến độ",
        "help": "Tổng trọng số các dấu hiệu chậm tiến độ đang có (thiếu báo cáo, tỷ lệ nộp thấp, chậm so "
                "với kế hoạch, hình thức chưa triển khai, giảm mạnh); càng cao càng đáng lo.",
        "column": "lag_score", "share": False,
    },
}
LAG_LABELS = ["0 — không chậm", "1–2", "3–4", "5–6", "từ 7"]


@st.cache_resource(show_spinner="Đang dựng ranh giới gần đúng từ tọa độ trung tâm các xã…")
def _ensure_boundaries(db_file: str, era: str, province: str) -> int:
    """Approximate polygons for the units that have none, once per database, era and province."""
    n = bnd.ensure_boundaries(connection(), era, province)
    if n:
        data_changed()
    return n


NICE = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8)


def _nice(x: float) -> float:
    """The nearest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8 × 10^k) at or below x: class
    breaks people read at a glance."""
    if x <= 0:
        return 0
    k = 10 ** math.floor(math.log10(x))
    return max(m * k for m in NICE if m * k <= x * (1 + 1e-9))


def classify(values: pd.Series, metric: str) -> tuple[pd.Series, list[str]]:
    """Class index (0–4, or -1 for no data) of each value, and the five class labels."""
    v = pd.to_numeric(values, errors="coerce")
    cls = pd.Series(-1, index=v.index, dtype="int64")
    have = v.notna()
    if METRICS[metric]["share"]:
        cls[have] = sum((v[have] >= e).astype(int) for e in SHARE_EDGES)
        return cls, SHARE_LABELS
    if metric == "lag":
        edges = [0.5, 3, 5, 7]
        cls[have] = sum((v[have] >= e).astype(int) for e in edges)
        return cls, LAG_LABELS
    # counts: breaks at rounded quintiles of the mapped values
    data = v[have]
    breaks: list[float] = []
    if len(data):
        for p in (0.2, 0.4, 0.6, 0.8):
            b = _nice(float(data.quantile(p)))
            if b > 0 and (not breaks or b > breaks[-1]):
                breaks.append(b)
    if not breaks:
        breaks = [1]
    cls[have] = sum((data >= e).astype(int) for e in breaks)
    fmt = lambda x: vn_number(x, 0 if float(x).is_integer() else 1)  # noqa: E731
    labels = [f"dưới {fmt(breaks[0])}"]
    labels += [f"{fmt(a)} – dưới {fmt(b)}" for a, b in zip(breaks, breaks[1:])]
    labels += [f"từ {fmt(breaks[-1])}"]
    return cls, labels


def unit_metrics(code: str, as_of, window: int, completion_phase: int | None) -> pd.DataFrame:
    """One row per commune-level unit of the campaign with every mappable metric of the window.

    window: 0 for the whole campaign to date, else a phase number. Activity numbers (coverage,
    completion, posts) of a unit that sent no report for the window are missing, not zero.
    """
    units = q("reporting_units", campaign=code)
    units = units[units["territorial"]][["unit_code", "unit_name", "kind", "kind_name"]]
    cov = q("channel_coverage_by_unit", campaign=code, as_of=as_of)
    cov = cov[cov["phase_number"] == window][["unit_code", "coverage", "groups_active", "groups_assigned",
                                              "silent_groups"]]
    rate = q("reporting_rate_by_unit_phase", campaign=code, as_of=as_of)
    rate = rate[rate["phase_number"] == window][["unit_code", "reporting_rate", "received", "expected",
                                                 "on_time", "weeks_reported"]]
    posts = q("posting_counts", campaign=code, as_of=as_of)
    posts = (posts[posts["phase_number"] == window].groupby("unit_code", as_index=False)["posts"].sum())
    comp = q("phase_completion_by_unit", campaign=code, as_of=as_of)
    comp = comp[comp["phase_number"] == completion_phase][["unit_code", "completion", "expected"]]
    comp = comp.rename(columns={"expected": "completion_expected"})
    lag = q("lagging_units", campaign=code, as_of=as_of)[["unit_code", "score", "reasons_text"]]
    lag = lag.rename(columns={"score": "lag_score", "reasons_text": "lag_reasons"})

    out = units
    for part in (cov, rate, posts, comp, lag):
        out = out.merge(part, on="unit_code", how="left")
    out["weeks_reported"] = out["weeks_reported"].fillna(0).astype(int)
    silent = out["weeks_reported"] == 0
    out.loc[silent, ["coverage", "groups_active", "posts", "completion"]] = float("nan")
    out["lag_score"] = out["lag_score"].fillna(0.0)
    out["lag_reasons"] = out["lag_reasons"].fillna("")
    out["kind_name"] = out["kind_name"].fillna(out["kind"].map(KIND_LABELS))
    return out


# ---------------------------------------------------------------------------------------------------

campaign = campaign_sidebar()
phase = phase_sidebar(campaign)
code, as_of, era = campaign["campaign_code"], campaign["as_of"], campaign["era"]
window = int(phase["phase_number"]) if phase else 0
window_label = phase["phase_name"] if phase else "Toàn bộ kế hoạch"

st.title(f"Bản đồ — {campaign['province_name']}")

metric = st.segmented_control(
    "Chỉ số", list(METRICS), format_func=lambda m: METRICS[m]["label"], key="map_metric",
    default="coverage", selection_mode="single",
) or "coverage"
spec = METRICS[metric]

progress = q("phase_progress", campaign=code, as_of=as_of)
current = progress[progress["is_current"]]
current_phase = int(current["phase_number"].iloc[0]) if len(current) else None
completion_phase = window or current_phase
started = progress.loc[pd.to_datetime(progress["start_date"]) <= pd.Timestamp(as_of), "phase_number"].tolist()

_ensure_boundaries(str(db.db_path()), era, campaign["province_code"])
stored = q("unit_boundaries", era=era, province=campaign["province_code"])
data = unit_metrics(code, as_of, window, completion_phase)
data = data.merge(stored[["unit_code", "geojson", "approximate"]], on="unit_code", how="left")
drawn = data[data["geojson"].notna()]
fc = bnd.feature_collection(drawn[["unit_code", "unit_name", "geojson"]])

value_col = spec["column"]
data["class"], labels = classify(data[value_col], metric)
palette = COUNTS if metric == "posts" else (GOOD_HIGH[::-1] if metric == "lag" else GOOD_HIGH)
class_label = dict(enumerate(labels)) | {-1: geo.NO_DATA}
data["class_label"] = data["class"].map(class_label)

# --- what the numbers cover
notes = [f"Tính đến hết ngày {vn_date(as_of)}"]
if metric == "completion":
    if completion_phase is None:
        notes.append("chưa có đợt nào bắt đầu")
    elif not window:
        notes.append(f"mức hoàn thành của đợt hiện tại ({progress.set_index('phase_number').loc[completion_phase, 'phase_name']})")
    else:
        notes.append(window_label)
elif metric == "lag":
    notes.append("điểm chậm tiến độ tính cho thời điểm này, không theo đợt")
else:
    notes.append(window_label if window else "toàn bộ kế hoạch đến nay")
if int(q("reporting_rate_by_unit_phase", campaign=code, as_of=as_of).query("phase_number == 0")["weeks_reported"].sum()) == 0:
    st.info(f"Chưa có báo cáo nào của kế hoạch này được nạp tính đến ngày {vn_date(as_of)}: các chỉ số hoạt động "
            "để trống, tỷ lệ nộp báo cáo bằng 0 ở các tuần đã qua hạn.")
elif window and window not in started:
    st.warning(f"{window_label} chưa bắt đầu tính đến ngày {vn_date(as_of)}: chưa có số liệu của đợt này.")
st.caption(" · ".join(notes) + ". " + spec["help"])

approx = int(drawn["approximate"].astype(bool).sum())
if approx == len(drawn) and len(drawn):
    st.caption("Ranh giới gần đúng (dựng từ tọa độ trung tâm), không phải ranh giới chính thức. "
               "Nạp tệp ranh giới ở trang Cài đặt.")
elif approx:
    st.caption(f"{approx}/{len(drawn)} đơn vị dùng ranh giới gần đúng (dựng từ tọa độ trung tâm); "
               "các đơn vị khác dùng ranh giới nạp từ tệp.")
if len(drawn) < len(data):
    st.warning(f"{len(data) - len(drawn)} đơn vị không có ranh giới nên không vẽ được trên bản đồ "
               "(vẫn có trong bảng bên dưới).")


def _fmt(v, share: bool) -> str:
    if v is None or pd.isna(v):
        return "—"
    return vn_percent(v) if share else vn_number(v, 0 if float(v).is_integer() else 1)


def _hover_rows(df: pd.DataFrame) -> list[list[str]]:
    rows = []
    for r in df.itertuples():
        reports = f"{int(r.received)}/{int(r.expected)}" if pd.notna(r.expected) and r.expected else "—"
        rows.append([
            r.unit_code, r.unit_name, r.kind_name, r.class_label,
            _fmt(r.coverage, True), _fmt(r.completion, True), _fmt(r.reporting_rate, True) + f" ({reports})",
            _fmt(r.posts, False), _fmt(r.lag_score, False),
        ])
    return rows


HOVER = ("<b>%{customdata[1]}</b> (%{customdata[2]})<br>"
         + spec["label"] + ": <b>%{customdata[3]}</b><br>"
         "Độ phủ hình thức: %{customdata[4]}<br>"
         "Hoàn thành đợt: %{customdata[5]}<br>"
         "Nộp báo cáo: %{customdata[6]}<br>"
         "Tin, bài đăng: %{customdata[7]}<br>"
         "Điểm chậm tiến độ: %{customdata[8]}<extra></extra>")

fig = go.Figure()
traces: list[list[str]] = []  # unit codes of each trace, to read a clicked point back
on_map = data[data["geojson"].notna()]
for i, label in list(enumerate(labels))[::-1] + [(-1, geo.NO_DATA)]:
    part = on_map[on_map["class"] == i]
    if part.empty and i < 0:
        continue
    color = geo.NO_DATA_COLOR if i < 0 else palette[i]
    hover = HOVER.replace("<b>%{customdata[3]}</b>", "<b>" + geo.NO_DATA + "</b>") if i < 0 else HOVER
    fig.add_trace(geo.class_trace(fc, part["unit_code"], color, f"{label} ({len(part)})",
                                  customdata=_hover_rows(part), hovertemplate=hover,
                                  legendrank=100 + (i if i >= 0 else 99)))
    traces.append(part["unit_code"].tolist())
if metric == "lag":
    legend_when = f"ngày {vn_date(as_of)}"
elif metric == "completion" and completion_phase is not None:
    legend_when = progress.set_index("phase_number").loc[completion_phase, "phase_name"]
else:
    legend_when = window_label
geo.layout(fig, fc, width_px=640, show_legend=False)
legend = geo.legend_html(
    f"{spec['label']} — {legend_when}",
    [(label, palette[i], int((on_map["class"] == i).sum())) for i, label in enumerate(labels)]
    + [(geo.NO_DATA, geo.NO_DATA_COLOR, int((on_map["class"] < 0).sum()))])


def _picked(event) -> str | None:
    """The unit code of the point clicked on the map, if any."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for p in points:
        custom = p.get("customdata")
        if isinstance(custom, (list, tuple)) and custom:
            return str(custom[0])
        loc = p.get("location")
        if loc:
            return str(loc)
        curve, idx = p.get("curve_number"), p.get("point_index", p.get("point_number"))
        if curve is not None and idx is not None and curve < len(traces) and idx < len(traces[curve]):
            return traces[curve][idx]
    return None


names = dict(zip(data["unit_code"], data["unit_name"]))
options = [None] + data.sort_values("unit_name")["unit_code"].tolist()
if st.session_state.get("map_unit") not in options:
    st.session_state["map_unit"] = None
# A click on the map chooses the commune shown in the detail panel (the selectbox follows it).
event_key = f"map_chart_{code}_{metric}_{window}"
picked = _picked(st.session_state.get(event_key))
if picked and picked in names and picked != st.session_state.get("map_last_pick"):
    st.session_state["map_unit"] = picked
st.session_state["map_last_pick"] = picked

col_map, col_detail = st.columns([5, 3], gap="medium")
with col_map:
    st.plotly_chart(fig, width="stretch", key=event_key, on_select="rerun", selection_mode="points",
                    config={"displaylogo": False, "scrollZoom": True,
                            "modeBarButtonsToRemove": ["select2d", "lasso2d", "toImage"]})
    st.html(legend)
    st.caption("Bấm vào một xã trên bản đồ, hoặc chọn ở ô bên phải, để xem chi tiết. "
               "Cuộn chuột để phóng to, kéo để di chuyển.")

with col_detail:
    unit = st.selectbox("Xem chi tiết xã, phường", options, key="map_unit",
                        format_func=lambda c: "— chọn một đơn vị —" if c is None else names[c],
                        placeholder="Chọn một đơn vị")
    if unit is None:
        counts = data["class_label"].value_counts()
        st.markdown(f"**{len(data)}** đơn vị cấp xã của kế hoạch · **{int((data['class'] < 0).sum())}** "
                    f"{geo.NO_DATA.lower()}.")
        summary = pd.DataFrame({"Nhóm": [*labels, geo.NO_DATA],
                                "Số đơn vị": [int(counts.get(x, 0)) for x in [*labels, geo.NO_DATA]]})
        st.dataframe(summary, hide_index=True, width="stretch")
    else:
        r = data.set_index("unit_code").loc[unit]
        st.subheader(r["unit_name"])
        st.caption(f"{r['kind_name']} · mã {unit}"
                   + (" · ranh giới gần đúng" if r["approximate"] is True or r["approximate"] == 1 else ""))
        m1, m2 = st.columns(2)
        m1.metric("Độ phủ hình thức", _fmt(r["coverage"], True),
                  help=None if pd.isna(r["coverage"]) else
                  f"{int(r['groups_active'])}/{int(r['groups_assigned'])} nhóm hình thức có hoạt động")
        m2.metric("Hoàn thành đợt", _fmt(r["completion"], True),
                  help=None if pd.isna(r["completion_expected"]) else
                  f"Mức cần đạt đến ngày này: {vn_percent(r['completion_expected'])}")
        m1.metric("Nộp báo cáo", _fmt(r["reporting_rate"], True),
                  help=f"{int(r['received'])}/{int(r['expected'])} báo cáo, đúng hạn {int(r['on_time'])}"
                  if pd.notna(r["expected"]) else None)
        m2.metric("Tin, bài đăng", _fmt(r["posts"], False))
        st.metric("Điểm chậm tiến độ", _fmt(r["lag_score"], False))
        if r["weeks_reported"] == 0:
            st.info(f"Đơn vị chưa gửi báo cáo nào cho {window_label.lower() if window else 'kế hoạch'}: "
                    "các số liệu hoạt động để trống (không phải bằng 0).")
        if r["lag_reasons"]:
            st.warning(f"**Lý do chậm tiến độ:** {r['lag_reasons']}")
        silent = r["silent_groups"]
        if r["weeks_reported"] > 0 and hasattr(silent, "__len__") and not isinstance(silent, str) and len(silent):
            st.markdown("Hình thức chưa có hoạt động trong kỳ: " + ", ".join(silent))
        weeks = q("unit_reports", campaign=code, unit=unit, as_of=as_of)
        if phase:
            weeks = weeks[(pd.to_datetime(weeks["week_end"]) >= pd.Timestamp(phase["start_date"]))
                          & (pd.to_datetime(weeks["week_start"]) <= pd.Timestamp(phase["end_date"]))]
        st.markdown("**Báo cáo tuần**")
        if weeks.empty:
            st.caption("Chưa có tuần nào.")
        else:
            sent = weeks["received_at"].notna()  # a week without a report has no numbers, not zeros
            st.dataframe(pd.DataFrame({
                "Tuần": weeks["week_label"],
                "Trạng thái": weeks["status_label"],
                "Nhận lúc": pd.to_datetime(weeks["received_at"]).dt.strftime("%d/%m %H:%M").fillna(""),
                "Hoạt động": weeks["activity"].round(0).where(sent),
                "Tin, bài": weeks["posts"].round(0).where(sent),
            }).iloc[::-1], hide_index=True, width="stretch", height=min(38 + 35 * len(weeks), 320),
                placeholder="—")
            if weeks["spread"].any():
                st.caption("Có báo cáo gộp nhiều tuần: số liệu được chia đều theo số ngày.")

# --- the mapped table
st.subheader(f"Số liệu trên bản đồ — {spec['label']}")
ascending = metric != "lag"
table = data.sort_values([value_col, "unit_name"], ascending=[ascending, True], na_position="first")
shown = pd.DataFrame({
    "Mã": table["unit_code"],
    "Đơn vị": table["unit_name"],
    "Loại": table["kind_name"],
    "Nhóm": table["class_label"],
    "Độ phủ hình thức (%)": (100 * table["coverage"]).round(1),
    "Hoàn thành đợt (%)": (100 * table["completion"]).round(1),
    "Nộp báo cáo (%)": (100 * table["reporting_rate"]).round(1),
    "Đã nộp": table["received"],
    "Phải nộp": table["expected"],
    "Tin, bài đăng": table["posts"].round(1),
    "Điểm chậm tiến độ": table["lag_score"],
    "Lý do chậm tiến độ": table["lag_reasons"],
})
st.dataframe(
    shown, hide_index=True, width="stretch", height=420, key="map_table", placeholder="—",
    column_config={
        "Độ phủ hình thức (%)": st.column_config.NumberColumn(format="%.0f"),
        "Hoàn thành đợt (%)": st.column_config.NumberColumn(format="%.0f"),
        "Nộp báo cáo (%)": st.column_config.NumberColumn(format="%.0f"),
        "Đã nộp": st.column_config.NumberColumn(help="Số báo cáo tuần đã nhận trong kỳ"),
        "Phải nộp": st.column_config.NumberColumn(help="Số tuần trong kỳ đã qua hạn nộp"),
        "Tin, bài đăng": st.column_config.NumberColumn(format="%.0f"),
        "Điểm chậm tiến độ": st.column_config.NumberColumn(format="%g"),
        "Lý do chậm tiến độ": st.column_config.TextColumn(width="large"),
    },
)
st.caption("Dấu —: không có dữ liệu (đơn vị chưa gửi báo cáo nào cho kỳ này, hoặc chưa có tuần nào đến hạn nộp).")
st.download_button(
    "Tải bảng (CSV)", csv_bytes(shown),
    file_name=f"ban-do_{code}_{metric}_{'toan-ke-hoach' if not window else f'dot-{window}'}_{as_of}.csv",
    mime="text/csv", key="map_download",
)
