"""Bản đồ: every commune of the campaign coloured by one metric for the chosen phase (or the whole
campaign to date), with its name and numbers on hover, its detail on click, and the mapped table below.

Polygons: the shipped 2025 communes (data/boundaries_2025.parquet, loaded at setup), an administrator's
imported file first, and the approximate cells, hatched, only where a unit has neither
(CM_MAP_BOUNDARIES=approximate draws the cells everywhere). The page only reads.
At 1366×768 the province and its class table fit the first screen: a fixed-height map fitted by the
browser to the polygons, the class table (the legend, with swatches) beside it. The map is SVG (plotly
geo), not MapLibre's WebGL: it is drawn with the page (ui/geo.py says why)."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from loaders.api import BOUNDARY_ATTRIBUTION, boundary_mode, csv_bytes, feature_collection
from ui import geo
from ui.common import (KIND_LABELS, cache_scope, campaign_sidebar, connection, data_changed, phase_sidebar, q,
                          vn_date, vn_number, vn_percent)
from ui.vietnamese import plotly_config

# Five classes from weak to strong; "Không có dữ liệu" is a class of its own, in grey.
GOOD_HIGH = ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"]     # ColorBrewer RdYlGn
COUNTS = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]        # ColorBrewer Blues
SHARE_EDGES = [0.2, 0.4, 0.6, 0.8]
SHARE_LABELS = ["0–20%", "20–40%", "40–60%", "60–80%", "80–100%"]

METRICS = {
    "progress": {
        "label": "Tiến độ so với mức cần đạt",
        "help": "Mức hoàn thành đợt hiện tại trừ mức cần đạt đến ngày đang xem, tính bằng điểm phần trăm "
                "(như trang Tổng quan); âm là chậm. Xã chưa gửi báo cáo nào có mức hoàn thành 0.",
        "column": "progress_gap", "share": False,
    },
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
# completion − expected: the overview's "on track" (≥ 0) and the lagging rule's −15 points, with the
# communes at 0 % apart. On the demo (Đắk Lắk, 19/11/2025, Đợt II, 43 % expected) about 60 communes have
# nothing done yet, ~20 are more than 15 points behind, the rest spread over the upper classes; fixed
# ±5/±15 bands put 80 of 102 in the bottom class.
PROGRESS_EDGES = [-0.15, 0.0, 0.15]
PROGRESS_LABELS = ["chưa có kết quả (0%)", "chậm hơn 15 điểm", "chậm đến 15 điểm", "đạt, vượt đến 15 điểm",
                   "vượt hơn 15 điểm"]
MAP_HEIGHT = 470   # px: with the title and the controls, the whole map fits a 1366×768 screen


NICE = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8)


def _nice(x: float) -> float:
    """The nearest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8 × 10^k) at or below x: class
    breaks people read at a glance."""
    if x <= 0:
        return 0
    k = 10 ** math.floor(math.log10(x))
    return max(m * k for m in NICE if m * k <= x * (1 + 1e-9))


def classify(values: pd.Series, metric: str, nothing_done: pd.Series | None = None) -> tuple[pd.Series, list[str]]:
    """Class index (0–4, or -1 for no data) of each value, and the five class labels.

    nothing_done (progress only): the units with 0 % done while some progress is expected, class 0.
    """
    v = pd.to_numeric(values, errors="coerce")
    cls = pd.Series(-1, index=v.index, dtype="int64")
    have = v.notna()
    if METRICS[metric]["share"]:
        cls[have] = sum((v[have] >= e).astype(int) for e in SHARE_EDGES)
        return cls, SHARE_LABELS
    if metric == "progress":
        cls[have] = 1 + sum((v[have] >= e - 1e-9).astype(int) for e in PROGRESS_EDGES)
        if nothing_done is not None:
            cls[have & nothing_done.reindex(v.index, fill_value=False)] = 0
        return cls, PROGRESS_LABELS
    if metric == "lag":
        edges = [0.5, 3, 5, 7]
        cls[have] = sum((v[have] >= e).astype(int) for e in edges)
        return cls, LAG_LABELS
    # counts: 1, then rounded quartiles of the positive values, so that communes with nothing stand
    # apart and the rest spread; doubled steps when few distinct values leave fewer than five classes
    data = v[have]
    positive = data[data > 0]
    candidates = [1.0] + ([_nice(float(positive.quantile(p))) for p in (0.25, 0.5, 0.75)] if len(positive) else [])
    breaks: list[float] = []
    for b in candidates:
        if b > 0 and (not breaks or b > breaks[-1]):
            breaks.append(b)
    while len(breaks) < 4:
        breaks.append(_nice(2 * breaks[-1]))
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
    comp = comp[comp["phase_number"] == completion_phase][["unit_code", "completion", "expected", "gap"]]
    comp = comp.rename(columns={"expected": "completion_expected", "gap": "progress_gap"})
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


@st.cache_data(max_entries=64, show_spinner=False)
def map_data(scope: tuple, code: str, as_of, window: int, completion_phase: int | None, era: str, province: str,
             mode: str) -> tuple[pd.DataFrame, dict, dict]:
    """unit_metrics with each unit's polygon (on_map, approximate), the outlines drawn (simplified for
    the screen, ui/geo.py display_outlines) and their FeatureCollection, cached as one result: a visit
    unpickles it instead of seven query results and redoing their merges and the polygons' choice
    (issue 13: ~0.1 s of the server per click). scope: ui.common.cache_scope(), like every query."""
    polygons = geo.choose_polygons(q("map_boundaries", era=era, province=province), mode)
    data = unit_metrics(code, as_of, window, completion_phase)
    data = data.merge(polygons[["unit_code", "geojson", "approximate"]], on="unit_code", how="left")
    drawn = data[data["geojson"].notna()]
    outlines, _ = geo.display_outlines(tuple(drawn["unit_code"]), tuple(drawn["geojson"].astype(str)))
    fc = feature_collection(drawn[["unit_code"]].assign(geojson=drawn["unit_code"].map(outlines)))
    for f in fc["features"]:        # rings as arrays: plotly copies a figure's data twice per run, arrays at once
        f["geometry"] = geo.with_array_rings(f["geometry"])
    return data.assign(on_map=data["geojson"].notna()).drop(columns="geojson"), outlines, fc


# ---------------------------------------------------------------------------------------------------

def _fmt(v, share: bool) -> str:
    if v is None or pd.isna(v):
        return "—"
    return vn_percent(v) if share else vn_number(v, 0 if float(v).is_integer() else 1)


def _points(v) -> str:
    """A gap in points, signed: "−12 điểm", "+3 điểm"."""
    if v is None or pd.isna(v):
        return "—"
    n = round(100 * float(v))
    return f"{'+' if n > 0 else '−' if n < 0 else '±'}{abs(n)} điểm"


def _hover_rows(df: pd.DataFrame) -> list[list[str]]:
    rows = []
    for r in df.itertuples():
        reports = f"{int(r.received)}/{int(r.expected)}" if pd.notna(r.expected) and r.expected else "—"
        rows.append([
            r.unit_code, r.unit_name, r.kind_name, r.class_label,
            _fmt(r.coverage, True), _fmt(r.completion, True), _fmt(r.reporting_rate, True) + f" ({reports})",
            _fmt(r.posts, False), _fmt(r.lag_score, False),
            _fmt(r.completion_expected, True), _points(r.progress_gap),
        ])
    return rows


def _picked(event, traces: list[list[str]]) -> str | None:
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


campaign = campaign_sidebar()
phase = phase_sidebar(campaign)
code, as_of, era = campaign["campaign_code"], campaign["as_of"], campaign["era"]
window = int(phase["phase_number"]) if phase else 0
window_label = phase["phase_name"] if phase else "Toàn bộ kế hoạch"

st.title(f"Bản đồ — {campaign['province_name']}")

progress = q("phase_progress", campaign=code, as_of=as_of)
current = progress[progress["is_current"]]
current_phase = int(current["phase_number"].iloc[0]) if len(current) else None
completion_phase = window or current_phase
started = progress.loc[pd.to_datetime(progress["start_date"]) <= pd.Timestamp(as_of), "phase_number"].tolist()
phase_names = progress.set_index("phase_number")["phase_name"].to_dict()

mode = boundary_mode()
data, outlines, fc = map_data(cache_scope(), code, as_of, window, completion_phase, era, campaign["province_code"], mode)

c_metric, c_notes = st.columns([2, 3], vertical_alignment="bottom")
metric = c_metric.selectbox("Chỉ số", list(METRICS), format_func=lambda m: METRICS[m]["label"],
                            key="map_metric", index=0) or "progress"
spec = METRICS[metric]
value_col = spec["column"]
nothing_done = (data["completion"].fillna(0) == 0) & (data["completion_expected"] > 0)
data["class"], labels = classify(data[value_col], metric, nothing_done)
palette = COUNTS if metric == "posts" else (GOOD_HIGH[::-1] if metric == "lag" else GOOD_HIGH)
class_label = dict(enumerate(labels)) | {-1: geo.NO_DATA}
data["class_label"] = data["class"].map(class_label)

# --- what the numbers cover
notes = [f"Tính đến hết ngày {vn_date(as_of)}"]
if metric in ("completion", "progress"):
    if completion_phase is None:
        notes.append("chưa có đợt nào bắt đầu")
    elif not window:
        notes.append(f"đợt hiện tại ({phase_names[completion_phase]})")
    else:
        notes.append(window_label)
elif metric == "lag":
    notes.append("điểm chậm tiến độ tính cho thời điểm này, không theo đợt")
else:
    notes.append(window_label if window else "toàn bộ kế hoạch đến nay")
c_notes.caption(" · ".join(notes) + ". " + spec["help"])
if int(q("reporting_rate_by_unit_phase", campaign=code, as_of=as_of).query("phase_number == 0")["weeks_reported"].sum()) == 0:
    st.info(f"Chưa có báo cáo nào của kế hoạch này được nạp tính đến ngày {vn_date(as_of)}: các chỉ số hoạt động "
            "để trống, tỷ lệ nộp báo cáo bằng 0 ở các tuần đã qua hạn.")
elif window and window not in started:
    st.warning(f"{window_label} chưa bắt đầu tính đến ngày {vn_date(as_of)}: chưa có số liệu của đợt này.")
if int(data["on_map"].sum()) < len(data):
    st.warning(f"{len(data) - int(data['on_map'].sum())} đơn vị không có ranh giới nên không vẽ được trên bản đồ "
               "(vẫn có trong bảng bên dưới).")

HOVER = ("<b>%{customdata[1]}</b> (%{customdata[2]})<br>"
         + spec["label"] + ": <b>%{customdata[3]}</b><br>"
         "Hoàn thành đợt: %{customdata[5]} (cần đạt %{customdata[9]}; %{customdata[10]})<br>"
         "Độ phủ hình thức: %{customdata[4]}<br>"
         "Nộp báo cáo: %{customdata[6]}<br>"
         "Tin, bài đăng: %{customdata[7]}<br>"
         "Điểm chậm tiến độ: %{customdata[8]}<extra></extra>")

names = dict(zip(data["unit_code"], data["unit_name"]))
options = [None] + data.sort_values("unit_name")["unit_code"].tolist()
if st.session_state.get("map_unit") not in options:
    st.session_state["map_unit"] = None
# A click on the map chooses the commune shown in the detail panel (the selectbox follows it). The
# traces' unit codes are known before the figure is drawn: one trace per class, classes high to low.
on_map = data[data["on_map"]]
order = list(enumerate(labels))[::-1] + [(-1, geo.NO_DATA)]
traces = [on_map.loc[on_map["class"] == i, "unit_code"].tolist() for i, _ in order
          if i >= 0 or (on_map["class"] == i).any()]
event_key = f"map_chart_{code}_{metric}_{window}"
picked = _picked(st.session_state.get(event_key), traces)
if picked and picked in names and picked != st.session_state.get("map_last_pick"):
    st.session_state["map_unit"] = picked
st.session_state["map_last_pick"] = picked
selected = st.session_state.get("map_unit")

fig = go.Figure()
for i, label in order:
    part = on_map[on_map["class"] == i]
    if part.empty and i < 0:
        continue
    color = geo.NO_DATA_COLOR if i < 0 else palette[i]
    hover = HOVER.replace("<b>%{customdata[3]}</b>", "<b>" + geo.NO_DATA + "</b>") if i < 0 else HOVER
    fig.add_trace(geo.class_trace(fc, part["unit_code"], color, f"{label} ({len(part)})",
                                  customdata=_hover_rows(part), hovertemplate=hover,
                                  legendrank=100 + (i if i >= 0 else 99), svg=True))
# approximate cells among real polygons are hatched; when every unit is a cell the caption says so
approx = on_map[on_map["approximate"].astype(bool)]
hatched = len(approx) if len(approx) < len(on_map) else 0
if hatched:
    # hatched inside the outline as drawn (simplified), so no stroke crosses into a neighbour
    fig.add_trace(geo.hatch_trace(approx["unit_code"].map(outlines).tolist(), "Ranh giới gần đúng"))
if selected in set(on_map["unit_code"]):
    fig.add_trace(geo.outline_trace(fc, selected, names[selected]))
geo.fitted_layout(fig, MAP_HEIGHT, title=names.get(selected) if selected else None)

if metric == "lag":
    legend_when = f"ngày {vn_date(as_of)}"
elif metric in ("completion", "progress") and completion_phase is not None:
    legend_when = phase_names[completion_phase]
else:
    legend_when = window_label
items = ([(label, palette[i], int((on_map["class"] == i).sum())) for i, label in enumerate(labels)]
         + [(geo.NO_DATA, geo.NO_DATA_COLOR, int((on_map["class"] < 0).sum()))])
if metric != "lag":
    items = items[:-1][::-1] + items[-1:]   # best class first, as on the map's colour order
legend = geo.class_table_html(f"{spec['label']} — {legend_when}", items, hatched=hatched,
                              note=f"{len(data)} đơn vị cấp xã của kế hoạch.")

if len(on_map) and not len(approx):
    boundary_note = BOUNDARY_ATTRIBUTION
elif len(approx) == len(on_map):
    boundary_note = ("Ranh giới gần đúng (dựng từ tọa độ trung tâm), không phải ranh giới chính thức"
                     + (" (CM_MAP_BOUNDARIES=approximate)." if mode == "approximate" else "."))
else:
    boundary_note = (f"{len(approx)}/{len(on_map)} đơn vị dùng ranh giới gần đúng (gạch chéo). "
                     + BOUNDARY_ATTRIBUTION)

col_map, col_detail = st.columns([3, 2], gap="medium")
with col_map:
    st.plotly_chart(fig, width="stretch", key=event_key, on_select="rerun", selection_mode="points",
                    config=plotly_config(scrollZoom=True, modeBarButtonsToRemove=["select2d", "lasso2d", "toImage"],
                                         topojsonURL=geo.OFFLINE_TOPOJSON))
    st.caption(boundary_note + " Bấm vào một xã để xem chi tiết; cuộn chuột để phóng to, kéo để di chuyển.")

with col_detail:
    st.html(legend)
    unit = st.selectbox("Xem chi tiết xã, phường", options, key="map_unit",
                        format_func=lambda c: "— chọn một đơn vị —" if c is None else names[c],
                        placeholder="Chọn một đơn vị")
    if unit is None:
        st.caption("Chọn một xã ở đây hoặc bấm vào bản đồ để xem chi tiết.")
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
                  delta=None if pd.isna(r["progress_gap"]) else f"{_points(r['progress_gap'])} so với mức cần đạt",
                  delta_color="off" if pd.isna(r["progress_gap"]) or abs(r["progress_gap"]) < 0.05 else "normal",
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
    "So với mức cần đạt (điểm)": (100 * table["progress_gap"]).round(1),
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
        "So với mức cần đạt (điểm)": st.column_config.NumberColumn(
            format="%+.0f", help="Mức hoàn thành đợt trừ mức cần đạt đến ngày đang xem; âm là chậm."),
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
