"""What the leadership and inspection pages (Tổng quan, Tiến độ, Xã chậm tiến độ) share: the
definition of every number (shown one hover away, after metrics.md), one colour per channel group,
the phase bands and milestone lines of every time axis, and delta formatting. UI only.
"""
from __future__ import annotations

from datetime import date

import base64
import html

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ui.common import vn_date, vn_number

# Definitions, in the words of ../shared/docs/metrics.md.
HELP = {
    "reporting_rate": (
        "**Tỷ lệ nộp báo cáo** = số báo cáo đã nhận ÷ số báo cáo phải nộp. Mỗi đơn vị phải nộp một "
        "báo cáo cho mỗi tuần đã qua hạn nộp (hạn: 17:00 ngày sau ngày cuối tuần, theo kế hoạch). "
        "Báo cáo gửi lại chỉ tính bản mới nhất."
    ),
    "on_time_rate": (
        "**Tỷ lệ nộp đúng hạn** = số báo cáo nhận được trước hạn nộp ÷ số báo cáo phải nộp. "
        "Báo cáo gửi lại để sửa vẫn đúng hạn nếu bản đầu tiên đến đúng hạn."
    ),
    "completion": (
        "**Mức hoàn thành đợt** của một đơn vị = trung bình, trên các nhiệm vụ có chỉ tiêu, của "
        "min(thực hiện ÷ chỉ tiêu; 1). Chỉ tiêu = mức tối thiểu mỗi tuần × số tuần của đợt (tuần lẻ "
        "tính theo ngày), hoặc mức tối thiểu cả đợt. Toàn tỉnh: trung bình của các đơn vị."
    ),
    "expected": (
        "**Mức cần đạt** vào ngày d của đợt từ s đến e = (d − s + 1) ÷ (e − s + 1), trong khoảng "
        "0–100%: phần thời gian của đợt đã trôi qua."
    ),
    "share_on_track": (
        "**Đạt mức cần đạt**: số xã, phường có mức hoàn thành đợt bằng hoặc cao hơn mức cần đạt đến "
        "ngày đang xem. Chỉ xét khối lượng đã làm; một xã vẫn có thể chậm tiến độ vì lý do khác "
        "(không nộp báo cáo, bỏ trống hình thức, giảm mạnh)."
    ),
    "group_coverage": (
        "**Độ phủ của một hình thức** = tỷ lệ xã, phường được kế hoạch giao hình thức đó có ít nhất "
        "một hoạt động lớn hơn 0 trong khoảng thời gian đang xem."
    ),
    "commune_coverage": (
        "**Độ phủ kênh** của một xã, phường = số hình thức tuyên truyền có hoạt động lớn hơn 0 ÷ số "
        "hình thức kế hoạch giao cho loại đơn vị đó; toàn tỉnh: trung bình các xã, phường trong đợt."
    ),
    "posts": (
        "**Số tin, bài** = tổng các chỉ tiêu đăng bài: tin, bài trên báo chí và Cổng/Trang thông tin "
        "điện tử; bài, video trên Facebook, Zalo, YouTube, TikTok và nền tảng khác. Báo cáo nhiều tuần "
        "được chia đều theo ngày."
    ),
    "unique_posts": (
        "**Số bài không trùng** = số đường dẫn khác nhau (đã chuẩn hóa) trong các danh sách bài đăng "
        "kèm báo cáo, từ đầu kế hoạch; một bài nhiều đơn vị cùng kê chỉ tính một lần."
    ),
    "lagging": (
        "Một đơn vị **chậm tiến độ** khi có ít nhất một lý do: (1) **Báo cáo**: không nộp 2 tuần gần "
        "nhất đã đến hạn, hoặc nộp dưới 75% số tuần trong 4 tuần gần nhất; (2) **Chậm so với kế "
        "hoạch**: hoàn thành đợt thấp hơn mức cần đạt quá 15 điểm, hoặc 4 tuần có báo cáo gần nhất "
        "dưới một nửa nhịp độ chỉ tiêu cần; (3) **Bỏ trống hình thức**: một hình thức được giao không "
        "có hoạt động trong 4 tuần gần nhất; (4) **Giảm mạnh**: 2 tuần gần nhất dưới một nửa trung "
        "bình 4 tuần có báo cáo trước đó. Các tuần tính liên tục qua các đợt; mỗi sự việc chỉ tính "
        "một lần."
    ),
    "score": (
        "**Điểm** = tổng trọng số các lý do (mặc định: báo cáo 3, chậm so với kế hoạch 3, bỏ trống "
        "hình thức 2, giảm mạnh 1). Đơn vị chưa gửi báo cáo nào đứng đầu; sau đó theo điểm giảm dần; "
        "cùng điểm thì đơn vị hoàn thành đợt thấp hơn, rồi tỷ lệ nộp báo cáo thấp hơn đứng trước."
    ),
    "activity": (
        "**Hoạt động** = tổng các chỉ tiêu đếm việc đã làm (tin, bài, cuộc, buổi, cái…), không tính "
        "chỉ tiêu có/không và các chỉ tiêu đo phút, lượt người, lượt tương tác. Báo cáo nhiều tuần "
        "được chia đều theo ngày."
    ),
    "median": (
        "**Trung vị toàn tỉnh** của tuần: giá trị ở giữa khi xếp các đơn vị cùng cấp (xã, phường với "
        "xã, phường) theo thứ tự; đơn vị không nộp báo cáo tính 0."
    ),
}

# One colour per channel group (indicators.md), the same on every chart.
GROUP_COLORS = {
    "bao_chi": "#1f77b4", "ttcs": "#ff7f0e", "web": "#2ca02c", "mxh": "#d62728",
    "truc_quan": "#9467bd", "mieng": "#8c564b", "van_hoa": "#e377c2", "cuoc_thi": "#7f7f7f",
    "phan_bac": "#bcbd22",
}
PLATFORM_COLORS = {
    "bc_tin_bai": "#6d4c41", "web_tin_bai": "#2ca02c", "mxh_facebook": "#1565c0",
    "mxh_zalo": "#4fc3f7", "mxh_youtube": "#e53935", "mxh_tiktok": "#212121", "mxh_khac": "#9e9e9e",
}
# Short names of the posting indicators for axes and legends.
PLATFORM_NAMES = {
    "bc_tin_bai": "Báo chí", "web_tin_bai": "Cổng/Trang TTĐT", "mxh_facebook": "Facebook",
    "mxh_zalo": "Zalo", "mxh_youtube": "YouTube", "mxh_tiktok": "TikTok", "mxh_khac": "Nền tảng khác",
}
PHASE_FILLS = ("rgba(31,119,180,0.07)", "rgba(255,127,14,0.08)")
FONT = dict(size=14)            # readable on a projector


UNCHANGED = "không đổi"        # a delta of 0 in words, not a bare grey "0"


def pct_points(now, before) -> str | None:
    """Change of a share as Vietnamese percentage points: 0.55 vs 0.52 → "+3,0 điểm %"."""
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return None
    d = 100 * (float(now) - float(before))
    if round(d, 1) == 0:
        return UNCHANGED
    return f"{'+' if d >= 0 else '−'}{vn_number(abs(d), 1)} điểm %".replace("−", "-")


def count_delta(now, before) -> str | None:
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return None
    d = float(now) - float(before)
    if round(d) == 0:
        return UNCHANGED
    return f"{'+' if d >= 0 else '-'}{vn_number(abs(d))}"


def steady(delta, color: str = "normal") -> dict:
    """st.metric arguments for a delta: grey and without an arrow when unchanged."""
    if delta == UNCHANGED:
        return {"delta_color": "off", "delta_arrow": "off"}
    return {"delta_color": color}


def phase_marks(phases: pd.DataFrame, milestones: pd.DataFrame, as_of: date | None = None,
                x_range: list | None = None) -> tuple[list[dict], list[dict]]:
    """Phases as shaded bands with their names, milestones as dashed lines with theirs, and the
    reference day as a red line, for a figure whose x axis is dates: (shapes, annotations) to add
    with add_marks. Labels near the right end of x_range are written to the left of their line, so
    that none is cut off."""
    mid = None if x_range is None else x_range[0] + (x_range[1] - x_range[0]) * 0.7
    shapes, notes = [], []
    for i, p in enumerate(phases.itertuples()):
        x0 = pd.Timestamp(p.start_date)
        shapes.append(band(x0, pd.Timestamp(p.end_date) + pd.Timedelta(days=1), PHASE_FILLS[i % 2]))
        notes.append(dict(x=x0, y=1, xref="x", yref="paper", xanchor="left", yanchor="top", showarrow=False,
                          text=f"<b>{p.phase_name}</b>", font=dict(size=13, color="#333")))
    for i, m in enumerate(milestones.itertuples()):
        x = pd.Timestamp(m.milestone_date)
        if x_range is not None and not (x_range[0] <= x <= x_range[1]):
            continue
        right = mid is not None and x > mid
        shapes.append(day_line(x, "#444", 1.5, "dash"))
        notes.append(dict(x=x, y=0.91 - 0.08 * (i % 2), xref="x", yref="paper", text=m.milestone_name,
                          showarrow=False, font=dict(size=12, color="#222"),
                          xanchor="right" if right else "left", xshift=-3 if right else 3,
                          bgcolor="rgba(255,255,255,0.85)"))
    if as_of is not None:
        x = pd.Timestamp(as_of) + pd.Timedelta(hours=23, minutes=59)
        right = mid is not None and x > mid
        shapes.append(day_line(x, "#b71c1c", 2))
        notes.append(dict(x=x, y=1, xref="x", yref="paper", yanchor="bottom", xanchor="right" if right else "left",
                          text=f"Ngày xem {vn_date(as_of)}", showarrow=False, font=dict(size=12, color="#b71c1c")))
    return shapes, notes


# Bands and lines as plain layout shapes added in one update: plotly's add_vrect/add_vline/
# add_annotation validate the whole layout on every call (~1 s for the timeline's three charts on the
# shared server, issue 13); the drawing is the same.
def band(x0, x1, color: str) -> dict:
    """A shaded band over the whole height of the plot, under the data."""
    return dict(type="rect", x0=x0, x1=x1, y0=0, y1=1, xref="x", yref="paper", fillcolor=color,
                line=dict(width=0), layer="below")


def day_line(x, color: str, width: float, dash: str = "solid") -> dict:
    """A vertical line over the whole height of the plot at a date."""
    return dict(type="line", x0=x, x1=x, y0=0, y1=1, xref="x", yref="paper",
                line=dict(color=color, width=width, dash=dash))


def add_marks(fig: go.Figure, shapes: list[dict], annotations: list[dict], **layout) -> go.Figure:
    """Append shapes and annotations to a figure in one layout update (with any other layout
    properties)."""
    fig.update_layout(shapes=[*fig.layout.shapes, *shapes], annotations=[*fig.layout.annotations, *annotations],
                      **layout)
    return fig


def week_mid(week_start) -> pd.Series:
    """A week drawn at its middle (a value covers the whole week)."""
    return pd.to_datetime(week_start) + pd.Timedelta(days=3.5)


def sparkline(values, title: str, color: str = "#1565c0") -> str:
    """A small area chart of a weekly series as inline SVG (an HTML string for st.html): the trend
    under a headline number. Streamlit's own (st.metric's chart_data) draws with vega, whose code
    (~0.8 MB) and its compile of each chart cost the browser ~0.2-0.3 s at sign-in for two small
    lines (issue 13); this one costs no script at all. The y scale spans the values (padded), so a
    rate moving between 85% and 92% shows its ups and downs."""
    ys = [float(v) for v in values if v is not None and not pd.isna(v)]
    if len(ys) < 2:
        return ""
    lo, hi = min(ys), max(ys)
    pad = max((hi - lo) * 0.15, 0.5)
    lo, hi = lo - pad, hi + pad
    pts = [(100 * i / (len(ys) - 1), 30 * (hi - y) / (hi - lo)) for i, y in enumerate(ys)]
    line = " ".join(f"{x:.2f},{y:.2f}" for x, y in pts)
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 30" preserveAspectRatio="none">'
           f'<polygon points="0,30 {line} 100,30" fill="{color}" fill-opacity="0.15" stroke="none"/>'
           f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="2" '
           'vector-effect="non-scaling-stroke"/></svg>')
    # an image, not inline SVG: st.html's sanitiser drops <svg> elements, and keeps data: images
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("ascii")).decode("ascii")
    t = html.escape(title)
    return (f'<img class="cm-sparkline" src="{src}" alt="{t}" title="{t}" '
            f'data-values="{" ".join(f"{y:g}" for y in ys)}" style="width:100%;height:40px;display:block">')

def trend_metric(where, label: str, value, delta, trend, trend_title: str, **metric) -> None:
    """st.metric in a bordered card, with its weekly trend drawn under the number (sparkline)."""
    with where.container(border=True):
        st.metric(label, value, delta, **metric)
        drawing = sparkline(trend, trend_title)
        if drawing:
            st.html(drawing)


def bar_list_html(rows, heading: tuple[str, str], note: str = "") -> str:
    """A short horizontal bar chart as plain HTML (an HTML string for st.html): one row per
    (label, value, colour, tooltip), the bar scaled to the largest value, the number at its end.
    For a handful of bars (the lagging rules) a plotly chart cost the browser ~50 ms of drawing per
    visit (issue 13); this costs no script. heading: the two columns' titles."""
    rows = list(rows)
    top = max([float(v) for _, v, _, _ in rows] + [1.0])
    cells = []
    for label, value, color, tip in rows:
        width = 100 * float(value) / top
        cells.append(
            f'<div title="{html.escape(tip)}">{html.escape(label)}</div>'
            f'<div title="{html.escape(tip)}" style="background:#f0f2f6;border-radius:3px;height:18px">'
            f'<div style="width:{width:.1f}%;height:100%;background:{color};border-radius:3px"></div></div>'
            f'<div style="text-align:right;font-weight:600">{vn_number(value)}</div>')
    head = (f'<div style="color:#666">{html.escape(heading[0])}</div><div style="color:#666">'
            f'{html.escape(heading[1])}</div><div></div>')
    foot = f'<div style="color:#666;margin-top:4px">{html.escape(note)}</div>' if note else ""
    return (f'<div class="cm-bars" style="font-size:0.875rem;line-height:1.4"><div style="display:grid;'
            f'grid-template-columns:minmax(9rem,max-content) 1fr 2.5rem;gap:6px 12px;align-items:center">'
            f'{head}{"".join(cells)}</div>{foot}</div>')


def column_bars_html(columns, legend, axis_title: str, height: int = 170) -> str:
    """A weekly column chart as plain HTML (an HTML string for st.html): columns are (label, value or
    None, colour, mark, tooltip); a value draws a bar with its number above, None draws the mark
    ("✕", "○") on the baseline, in the colour (nothing received: no bar of zero). legend: (label,
    colour, mark or "") pairs shown above. For one unit's dozen weeks a plotly chart cost the browser
    ~80 ms of drawing per visit (issue 13); this costs no script, each column's tooltip says what the
    plotly hover said."""
    columns = list(columns)
    top = max([float(v) for _, v, _, _, _ in columns if v is not None] + [1.0])
    cols = []
    for label, value, color, mark, tip in columns:
        if value is None:
            body = (f'<div style="color:{color};font-weight:700;font-size:1.1rem;line-height:1">'
                    f'{html.escape(mark)}</div>')
        else:
            px = max(2.0, (height - 24) * float(value) / top)
            body = (f'<div style="font-size:0.75rem">{vn_number(value)}</div>'
                    f'<div style="width:70%;height:{px:.0f}px;background:{color};border-radius:2px 2px 0 0"></div>')
        week = html.escape(str(label)).replace("–", "–<wbr>")
        cols.append(
            f'<div title="{html.escape(tip)}" style="flex:1 1 0;min-width:0;display:flex;flex-direction:column;'
            f'align-items:center"><div style="height:{height}px;width:100%;display:flex;flex-direction:column;'
            f'justify-content:flex-end;align-items:center;border-bottom:1px solid #bbb">{body}</div>'
            f'<div style="font-size:0.7rem;color:#555;text-align:center;margin-top:3px;line-height:1.2">{week}</div>'
            f'</div>')
    keys = "".join(
        f'<span style="margin-right:14px;white-space:nowrap">'
        + (f'<b style="color:{c}">{html.escape(m)}</b>' if m else
           f'<span style="display:inline-block;width:12px;height:12px;background:{c};vertical-align:-1px"></span>')
        + f' {html.escape(t)}</span>' for t, c, m in legend)
    return (f'<div class="cm-columns" style="font-size:0.8rem"><div style="display:flex;justify-content:space-between;'
            f'color:#555;margin-bottom:4px"><span>{html.escape(axis_title)}</span><span>{keys}</span></div>'
            f'<div style="display:flex;gap:4px;align-items:flex-end">{"".join(cols)}</div></div>')
