"""Map figures shared by the map page and the boundary preview of the settings page: polygons on a
plain white background (no tile server, so the map reads offline), one trace per class so that the
legend lists readable classes, and a view that fits the polygons.

The map page draws in SVG (plotly's geo: `svg=True`), the settings preview with MapLibre (WebGL). In
the browser the map page's MapLibre map cost a WebGL context, its shaders compiled on every visit, a
worker tiling the polygons and, without a GPU (software GL), ~0.4 s of the GPU process per click: the
map was drawn 0.3-0.5 s after the page's run was over (issue 13). A hundred SVG paths are drawn with
the page.
"""
from __future__ import annotations

import html
import json
import math
from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
import shapely.geometry
import streamlit as st

NO_DATA = "Không có dữ liệu"
NO_DATA_COLOR = "#c8c8c8"
EDGE_COLOR = "#5f6368"
HATCH_COLOR = "#3c4043"
# the order in which a unit's polygon is taken (queries/map_boundaries.sql): an administrator's file,
# the shipped 2025 polygons, the approximate cell
PREFERENCE = {"file": 0, "shipped": 1, "cell": 2}


def choose_polygons(rows: pd.DataFrame, mode: str = "official") -> pd.DataFrame:
    """One polygon per unit from map_boundaries' rows: [unit_code, geojson, source, approximate].

    mode 'official' takes file, then shipped, then cell; 'approximate' (CM_MAP_BOUNDARIES) skips the
    shipped polygons, as the map was before them. approximate: the unit is drawn as an approximate cell.
    """
    if rows.empty:
        return pd.DataFrame(columns=["unit_code", "geojson", "source", "approximate"])
    rows = rows if mode == "official" else rows[rows["kind"] != "shipped"]
    rows = rows.assign(_rank=rows["kind"].map(PREFERENCE)).sort_values(["unit_code", "_rank"])
    best = rows.drop_duplicates("unit_code", keep="first")
    return pd.DataFrame({"unit_code": best["unit_code"].to_numpy(), "geojson": best["geojson"].to_numpy(),
                         "source": best["source"].to_numpy(),
                         "approximate": (best["kind"] == "cell").to_numpy()})


# The map draws a whole province in a chart about 520 px wide, one pixel being ~0.004° for Đắk Lắk.
# The stored polygons (~50 m) carry ten times more vertices than a screen can show: 0.87 MB of plotly
# JSON that plotly copied and validated several times on every run (~2 s, issue 13). The outlines
# drawn are simplified to about a pixel of the fitted view (no point moves more than ~1 pixel; a
# quarter of the vertices are left), together (shared edges stay shared: no gap or overlap between
# neighbours), and rounded to 4 decimals (~11 m); once per set of polygons.
DISPLAY_PIXELS = 1000      # tolerance = the province's larger extent / DISPLAY_PIXELS
DISPLAY_DECIMALS = 4


@st.cache_data(max_entries=64, show_spinner=False)
def display_outlines(codes: tuple[str, ...], geojsons: tuple[str, ...]) -> tuple[dict, tuple | None]:
    """({unit_code: GeoJSON geometry dict simplified for display}, (min lon, min lat, max lon, max lat)
    of the original polygons). Cached by the polygons themselves."""
    if not codes:
        return {}, None
    geoms = shapely.from_geojson(list(geojsons))
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    tolerance = max(x1 - x0, y1 - y0) / DISPLAY_PIXELS
    try:
        simple = shapely.coverage_simplify(geoms, tolerance)
    except shapely.errors.GEOSException:
        # not a clean coverage (a file's polygons overlapping the shipped ones): each on its own
        simple = shapely.simplify(geoms, tolerance, preserve_topology=True)
    simple = shapely.transform(simple, lambda xy: np.round(xy, DISPLAY_DECIMALS))
    shapes = {}
    for code, geom, original in zip(codes, simple, geoms):
        if geom is None or geom.is_empty:     # a sliver that simplified away keeps its own outline
            geom = original
        shapes[code] = shapely.geometry.mapping(geom)
    return shapes, (float(x0), float(y0), float(x1), float(y1))


def with_array_rings(geometry: dict) -> dict:
    """A GeoJSON Polygon or MultiPolygon dict with each ring as an (n, 2) array: the same JSON, but
    plotly's deep copies of a figure (on add_trace, then to_dict in st.plotly_chart) copy an array at
    once rather than walking ~10,000 coordinate pairs (figure built and serialised in ~half the time)."""
    if geometry.get("type") == "Polygon":
        return {**geometry, "coordinates": [np.asarray(r, dtype=float) for r in geometry["coordinates"]]}
    if geometry.get("type") == "MultiPolygon":
        return {**geometry, "coordinates": [[np.asarray(r, dtype=float) for r in p] for p in geometry["coordinates"]]}
    return geometry


def hatch_lines(geojsons: Sequence[str], per_unit: int = 9) -> tuple[list, list]:
    """Diagonal hatching clipped to each polygon, as (lons, lats) with None between segments: the
    mark of a unit drawn from an approximate cell (choropleth fills take no pattern)."""
    lons: list = []
    lats: list = []
    for text in geojsons:
        geom = shapely.from_geojson(text if isinstance(text, str) else json.dumps(text))
        x0, y0, x1, y1 = geom.bounds
        step = max(x1 - x0, y1 - y0) / per_unit
        if step <= 0:
            continue
        span = (x1 - x0) + (y1 - y0)
        starts = np.arange(x0 - (y1 - y0), x1, step)
        lines = shapely.linestrings([[(s, y0), (s + span, y0 + span)] for s in starts])
        for part in shapely.get_parts(shapely.intersection(lines, geom)):
            for line in shapely.get_parts(part):
                if line.geom_type != "LineString" or line.is_empty:
                    continue
                xs, ys = line.xy
                lons += [*xs, None]
                lats += [*ys, None]
    return lons, lats


def hatch_trace(geojsons: Sequence[str], name: str) -> go.Scattergeo:
    """The hatching of approximate cells as one line trace (SVG map), listed in no legend, answering no hover."""
    lons, lats = hatch_lines(geojsons)
    return go.Scattergeo(lon=lons, lat=lats, mode="lines", line=dict(color=HATCH_COLOR, width=1),
                         name=name, showlegend=False, hoverinfo="skip")


def outline_trace(fc: dict, code: str, name: str) -> go.Choropleth:
    """A thick outline around one unit (the selected commune, SVG map), over the class fills."""
    own = {"type": "FeatureCollection", "features": [f for f in fc["features"] if f.get("id") == code]}
    return go.Choropleth(
        geojson=own, locations=[code], z=[1], featureidkey="id",
        colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False, name=name, showlegend=False,
        hoverinfo="skip", marker=dict(opacity=1.0, line=dict(color="#1a1a1a", width=3)),
    )


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
                hovertemplate: str | None = None, legendrank: int = 1000, opacity: float = 0.9,
                svg: bool = False) -> go.Choroplethmap | go.Choropleth:
    """The polygons of `codes` (feature ids of fc) in one color, as one legend entry. The trace carries
    only its own features, so that the figure holds each polygon once. svg: for a geo (SVG) map
    (fitted_layout), else a MapLibre one (layout)."""
    codes = list(codes)
    wanted = set(codes)
    own = {"type": "FeatureCollection", "features": [f for f in fc["features"] if f.get("id") in wanted]}
    kind = go.Choropleth if svg else go.Choroplethmap
    return kind(
        geojson=own, locations=codes, z=[1] * len(codes), featureidkey="id",
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


# Plotly's geo fetches a world outline (cdn.plot.ly/un/world_110m.json) for any choropleth, even with
# every base layer hidden, and draws nothing until it has it: offline, the map stayed blank. An empty
# topology given as a data: URL (the config's topojsonURL; plotly appends "/world_110m.json", a
# fragment here) is what it fetches instead, without a network.
OFFLINE_TOPOJSON = ("data:application/json,%7B%22type%22%3A%22Topology%22%2C%22objects%22%3A%7B%7D%2C"
                    "%22arcs%22%3A%5B%5D%7D#")


def fitted_layout(fig: go.Figure, height: int, title: str | None = None) -> go.Figure:
    """A white SVG map (plotly geo, Mercator, no base layers) of a fixed height whose view holds every
    polygon at any width (fitbounds), so no commune is ever cut at the edges. An optional title (the
    selected commune) in the top left corner. Draw it with config topojsonURL=OFFLINE_TOPOJSON."""
    fig.update_layout(
        geo=dict(visible=False, fitbounds="locations", projection_type="mercator", bgcolor="white"),
        height=height, margin=dict(l=0, r=0, t=0, b=0), showlegend=False, clickmode="event+select",
        dragmode="pan", paper_bgcolor="white", hoverlabel=dict(font_size=13, align="left"),
    )
    if title:
        fig.add_annotation(text=html.escape(title), xref="paper", yref="paper", x=0.01, y=0.99, xanchor="left",
                           yanchor="top", showarrow=False, bgcolor="rgba(255,255,255,0.9)",
                           bordercolor="#1a1a1a", borderwidth=1, borderpad=4, font=dict(size=13, color="#1a1a1a"))
    return fig


def class_table_html(title: str, items: Sequence[tuple[str, str, int]], hatched: int = 0,
                     note: str | None = None) -> str:
    """The legend as the class table: a colour swatch, the class and its number of communes, every class
    listed (empty ones too); a hatched swatch row when some units are drawn from approximate cells."""
    swatch = ('<span style="display:inline-block;width:18px;height:14px;background:{bg};'
              'border:1px solid {edge};vertical-align:middle"></span>')
    cell = 'style="padding:2px 8px 2px 0;border-bottom:1px solid #eee"'
    rows = "".join(
        f'<tr><td {cell}>{swatch.format(bg=c, edge=EDGE_COLOR)}</td><td {cell}>{html.escape(label)}</td>'
        f'<td {cell} align="right"><b>{n}</b></td></tr>'
        for label, c, n in items)
    if hatched:
        bg = f"repeating-linear-gradient(45deg,#fff 0 3px,{HATCH_COLOR} 3px 4px)"
        rows += (f'<tr><td {cell}>{swatch.format(bg=bg, edge=EDGE_COLOR)}</td><td {cell}>Gạch chéo: ranh giới '
                 f'gần đúng (chưa có ranh giới thật)</td><td {cell} align="right"><b>{hatched}</b></td></tr>')
    foot = f'<div style="color:#666;margin-top:4px">{html.escape(note)}</div>' if note else ""
    return (f'<div style="font-size:0.85rem;line-height:1.45"><div style="font-weight:600;margin-bottom:4px">'
            f'{html.escape(title)}</div><table style="border-collapse:collapse;width:100%">'
            f'<tr><th></th><th align="left" style="font-weight:500;color:#666">Nhóm</th>'
            f'<th align="right" style="font-weight:500;color:#666">Số xã</th></tr>{rows}</table>{foot}</div>')


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
