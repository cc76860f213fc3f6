"""Vietnamese where Streamlit and Plotly speak English by default (issue 13).

- Plotly: a 'vi' locale (month and day names, decimal comma, thousands dot) passed with every
  chart's config, and a default template with Vietnamese separators, so that an axis prints
  6.000 like the labels, and a date axis "Th9 2025" rather than "Sep 2025".
- st.file_uploader has no parameter for its button and size line ("Upload", "10MB per file"): a
  style sheet hides those texts and shows Vietnamese ones in their place (the last resort the
  issue allows; the label and help are Vietnamese already).
"""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

MONTHS = [f"tháng {i}" for i in range(1, 13)]
SHORT_MONTHS = [f"Th{i}" for i in range(1, 13)]
DAYS = ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"]
SHORT_DAYS = ["CN", "T2", "T3", "T4", "T5", "T6", "T7"]

PLOTLY_LOCALE = {
    "moduleType": "locale", "name": "vi",
    "dictionary": {"Autoscale": "Tự co giãn", "Zoom in": "Phóng to", "Zoom out": "Thu nhỏ",
                   "Reset axes": "Đặt lại trục", "Download plot as a png": "Tải ảnh biểu đồ (png)",
                   # the titles of Streamlit's plotly.js build (its modebar says "PNG")
                   "Download plot as a PNG": "Tải ảnh biểu đồ (PNG)", "Download plot": "Tải ảnh biểu đồ",
                   "Pan": "Kéo", "Zoom": "Phóng vùng", "Box Select": "Chọn vùng",
                   "Lasso Select": "Chọn tự do", "Reset view": "Đặt lại khung nhìn",
                   "Reset views": "Đặt lại khung nhìn", "Toggle Spike Lines": "Bật/tắt đường gióng",
                   # the SVG map's (plotly geo) buttons
                   "Reset": "Đặt lại khung nhìn", "Toggle show closest data on hover": "Bật/tắt hiện số liệu khi rê chuột",
                   "Show closest data on hover": "Hiện điểm gần nhất khi rê chuột",
                   "Compare data on hover": "So sánh số liệu khi rê chuột"},
    "format": {"days": DAYS, "shortDays": SHORT_DAYS, "months": MONTHS, "shortMonths": SHORT_MONTHS,
               "date": "%d/%m/%Y", "decimal": ",", "thousands": "."},
}

# Every figure made after this import gets Vietnamese separators, and numeric axes write 6.000 (not
# 6000 or 6k) like the labels beside them; date axes ignore these.
_AXIS = dict(separatethousands=True, exponentformat="none")
# Merged once into one named template: a default of "plotly+vn" would merge the two on every figure
# (about 10× the cost of a figure).
pio.templates["vn"] = pio.templates.merge_templates(
    pio.templates["plotly"],
    go.layout.Template(layout=go.Layout(separators=",.", xaxis=_AXIS, yaxis=_AXIS)))
pio.templates.default = "vn"


def plotly_config(**extra) -> dict:
    """The config for st.plotly_chart: the Vietnamese locale, no Plotly logo, plus `extra`."""
    return {"locale": "vi", "locales": {"vi": PLOTLY_LOCALE}, "displaylogo": False, **extra}


HEADLINE = "cm_headline"     # the overview's headline cards (st.container key: CSS class st-key-cm_headline)

UPLOADER_CSS = """
<style>
.st-key-cm_warm_up { position: fixed !important; top: 0; left: 0; width: 320px; z-index: -1; visibility: hidden;
                    pointer-events: none; }
/* The overview's headline cards: a label or the words beside a change ("tuần 10/11–16/11 so với tuần
   trước") go on to a second line instead of ending in an ellipsis on a 1366-pixel screen (issue 13). */
.st-key-cm_headline [data-testid="stMetric"] .stMarkdownEllipsis,
.st-key-cm_headline [data-testid="stMetric"] .stMarkdownEllipsis p { white-space: normal; overflow: visible;
    text-overflow: clip; }
.st-key-cm_headline div:has(> [data-testid="stMetricDeltaDescription"]) { flex-wrap: wrap; row-gap: 0.2rem; }
.st-key-cm_headline [data-testid="stMetricDelta"] { flex-shrink: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] { display: none; }
[data-testid="stFileUploaderDropzone"] button > div::after { content: "Chọn tệp"; margin-left: 0.35rem; }
[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {
    content: "Kéo thả tệp vào đây, tối đa %s MB mỗi tệp"; font-size: 0.875rem; opacity: 0.7;
}
</style>
"""


def apply_page_style() -> None:
    """The style sheet of every page (called by app.py on each run)."""
    limit = st.get_option("server.maxUploadSize")
    st.html(UPLOADER_CSS % limit)
