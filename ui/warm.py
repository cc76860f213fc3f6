"""Work the first visitors would otherwise wait for, done once when the server starts (issue 13).

Python loads much of what the pages use on first use: plotly's figure classes (one module per trace
and layout part), plotly.express, pandas' styled tables (jinja2 templates), pyarrow's pandas
conversion, and Streamlit's emoji table (a regular expression over every emoji, compiled on the first
icon or link label that is not ASCII). On the shared server that was 1-2 s of the first sign-in and
of each page's first visit. A background thread does it right after start, so the server answers at
once and the first session finds it done (a session that gets there first simply waits for the
same import, as Python's import lock makes it).
"""
from __future__ import annotations

import importlib
import threading

MODULES = ("streamlit.emojis", "streamlit.material_icon_names", "pandas.io.formats.style",
           "pyarrow.pandas_compat", "plotly.express", "plotly.io", "plotly.tools",
           "ui.activity", "ui.briefing", "ui.charts", "ui.contacts", "ui.geo")


def _warm() -> None:
    import pandas as pd
    import plotly.graph_objects as go
    import plotly.io as pio

    for name in MODULES:
        importlib.import_module(name)
    # one figure with the trace and layout kinds the pages draw: their classes load on first use
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], stackgroup="g", customdata=[[0], [1]], hovertemplate="%{y}")
    fig.add_bar(x=[0], y=[1], marker_color="#888")
    fig.add_trace(go.Scattermap(lon=[108.0], lat=[12.7], mode="lines"))
    fig.add_trace(go.Choroplethmap(geojson={"type": "FeatureCollection", "features": []}, locations=[], z=[]))
    # the map page's SVG map (plotly geo): its choropleth, hatching lines and geo layout
    fig.add_trace(go.Choropleth(geojson={"type": "FeatureCollection", "features": []}, locations=[], z=[],
                                featureidkey="id", marker=dict(line=dict(width=0.5))))
    fig.add_trace(go.Scattergeo(lon=[108.0], lat=[12.7], mode="lines"))
    fig.update_layout(shapes=[dict(type="rect", x0=0, x1=1, y0=0, y1=1, line=dict(width=0))],
                      annotations=[dict(x=0, y=1, text="a", showarrow=False, font=dict(size=12))],
                      legend=dict(orientation="h", font=dict(size=13)), margin=dict(l=0, r=0, t=0, b=0),
                      hoverlabel=dict(font=dict(size=12)), map=dict(center=dict(lat=12.7, lon=108.0), zoom=7),
                      geo=dict(visible=False, fitbounds="locations", projection_type="mercator"))
    pio.to_json(fig.to_dict(), validate=False)
    table = pd.DataFrame({"a": ["✓"], "b": [1]})
    table.style.map(lambda v: "text-align: center", subset=["a"]).to_html()


def start() -> None:
    """Warm up in a background thread (called once, when the server imports app.py)."""
    def run() -> None:
        try:
            _warm()
        except Exception:  # noqa: BLE001 - only a head start: a page that needs it loads it itself
            pass

    threading.Thread(target=run, name="cm-warm-up", daemon=True).start()
