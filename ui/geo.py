"""Map figures shared by the map page and the boundary preview of the settings page: polygons on a
plain white background (map_style "white-bg": no tile server, so the map reads offline), one trace per
class so that the legend lists readable classes, and a view that fits the polygons."""
from __future__ import annotations

import html
import math
from typing import Sequence

import plotly.graph_objects as go

NO_DATA = "Không có dữ liệu"
NO_DATA_COLOR = "#c8c8c8"
EDGE_COLOR = "#5f6368"


def bounds_of(fc: dict) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of a GeoJSON FeatureCollection's coordinates."""
    xs, ys = [], []

    def walk(c):
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        elif isinstance(c, (list, tuple)):
            for x in c:
                walk(x)

    for f in fc.get("features", []):
        walk((f.get("geometry") or {}).get("coordinates", []))
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _mercator_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def view(bounds, width_px: int = 540, height_px: int = 600) -> dict:
    """map_center and map_zoom that fit bounds into a map of about width × height pixels (MapLibre's
    world is 512 px wide at zoom 0)."""
    if bounds is None:
        return {"map_center": {"lon": 106.0, "lat": 16.0}, "map_zoom": 4.5}
    x0, y0, x1, y1 = bounds
    span_x = max(x1 - x0, 1e-3)
    span_y = max(_mercator_y(y1) - _mercator_y(y0), 1e-3)
    zoom = min(math.log2(width_px * 360 / (512 * span_x)), math.log2(height_px * 360 / (512 * span_y)))
    return {"map_center": {"lon": (x0 + x1) / 2, "lat": (y0 + y1) / 2}, "map_zoom": round(zoom - 0.1, 2)}


def fit_height(bounds, width_px: int = 540, lo: int = 380, hi: int = 640) -> int:
    """The map height (pixels) at which bounds fill a map width_px wide, within [lo, hi]."""
    if bounds is None:
        return hi
    x0, y0, x1, y1 = bounds
    ratio = (_mercator_y(y1) - _mercator_y(y0)) / max(x1 - x0, 1e-3)
    return int(min(max(width_px * ratio * 1.04, lo), hi))


def class_trace(fc: dict, codes: Sequence[str], color: str, name: str, *, customdata=None,
                hovertemplate: str | None = None, legendrank: int = 1000, opacity: float = 0.9) -> go.Choroplethmap:
    """The polygons of `codes` (feature ids of fc) in one color, as one legend entry. The trace carries
    only its own features, so that the figure holds each polygon once."""
    codes = list(codes)
    wanted = set(codes)
    own = {"type": "FeatureCollection", "features": [f for f in fc["features"] if f.get("id") in wanted]}
    return go.Choroplethmap(
        geojson=own, locations=codes, z=[1] * len(codes),
        colorscale=[[0, color], [1, color]], zmin=0, zmax=1, showscale=False,
        name=name, showlegend=True, legendrank=legendrank,
        marker=dict(opacity=opacity, line=dict(color=EDGE_COLOR, width=0.5)),
        customdata=customdata, hovertemplate=hovertemplate,
        selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=0.45)),
    )


def layout(fig: go.Figure, fc: dict, width_px: int = 540, legend_title: str | None = None,
           legend_height: int = 70, max_height: int = 640, show_legend: bool = True) -> go.Figure:
    """A white map fitted to fc, its legend (if shown) in rows under the map, never over a commune.
    Plotly leaves out the legend entry of an empty trace: to list every class, pass
    show_legend=False and put `legend_html` under the chart."""
    bounds = bounds_of(fc)
    height = fit_height(bounds, width_px, hi=max_height)
    legend_height = legend_height if show_legend else 0
    fig.update_layout(
        map_style="white-bg", height=height + legend_height, margin=dict(l=0, r=0, t=0, b=legend_height),
        **view(bounds, width_px=width_px, height_px=height), showlegend=show_legend,
        legend=dict(title=dict(text=legend_title, side="top") if legend_title else None,
                    orientation="h", yanchor="top", y=-0.01, xanchor="left", x=0,
                    itemclick=False, itemdoubleclick=False, font=dict(size=12)),
        clickmode="event+select", dragmode=False, paper_bgcolor="white",
    )
    return fig


def legend_html(title: str, items: Sequence[tuple[str, str, int]]) -> str:
    """A legend listing every class, empty ones too: (label, color, count) → one swatch each."""
    swatch = ('<span style="display:inline-flex;align-items:center;margin:2px 14px 2px 0;white-space:nowrap">'
              '<span style="width:14px;height:14px;background:{color};border:1px solid {edge};'
              'display:inline-block;margin-right:6px"></span>{label} <span style="color:#777;margin-left:4px">'
              '({count})</span></span>')
    body = "".join(swatch.format(color=c, edge=EDGE_COLOR, label=html.escape(label), count=n)
                   for label, c, n in items)
    return (f'<div style="font-size:0.85rem;line-height:1.6"><div style="font-weight:600;margin-bottom:2px">'
            f'{html.escape(title)}</div>{body}</div>')
