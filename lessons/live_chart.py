"""A chart of the live view that the browser updates in place, tick after tick.

``st.plotly_chart`` gives a chart an identity made from its whole figure, so a figure that changed is a new
chart: the browser throws the old plot away and draws a new one from nothing (twice). The live view changes its
graph at nearly every tick, so that was most of what an open live view cost Chromium (bench/README.md: 58 % of
a core for the Control room at 20 requests/s). ``live_chart`` keeps one plot per key and hands each new figure
to ``Plotly.react``, which changes only what changed:

    live_chart(figure, key="control-room-graph")   # in a container keyed "control-room-graph", as before

(the live view's graph, waterfall and last minute; the rail's backlog and lesson 4's last minute, drawn every tick too).

plotly.js is the copy the plotly package ships, served by Streamlit's static file serving
(``server.enableStaticServing``) as ``/app/static/plotly.min.js``: ``static/`` beside app.py holds a copy of it,
made on first use (Streamlit refuses to serve a link out of that folder; the browser loads it once a page).
Where that copy cannot be made, or static serving is off, the chart is an ``st.plotly_chart``, as before.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io
import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
SERVED = ROOT / "static" / "plotly.min.js"  # Streamlit serves <folder of app.py>/static/ at /app/static/
CONFIG = {"displayModeBar": False, "responsive": True}

# One plot per mount: made once, then Plotly.react with each new figure (the component's function runs again,
# on the same element, each time its data changes). plotly.js is loaded once for the page.
_JS = """
export default function ({ data, parentElement }) {
  let plot = parentElement.querySelector(".live-plot");
  if (!plot) {
    plot = document.createElement("div");
    plot.className = "live-plot";
    parentElement.appendChild(plot);
  }
  const figure = JSON.parse(data.figure);
  const draw = () => window.Plotly.react(plot, figure.data, figure.layout, data.config);
  if (window.Plotly) { draw(); return; }
  window.livePlotly ??= new Promise((loaded, failed) => {
    const script = document.createElement("script");
    script.src = data.plotly;
    script.onload = loaded;
    script.onerror = failed;
    document.head.appendChild(script);
  });
  window.livePlotly.then(draw);
}
"""


def _served() -> bool:
    """Whether plotly.js is in static/ (copied now if it is not, or is another version's: told by its size and
    time, which ``copy2`` keeps) and Streamlit serves that folder."""
    if not st.get_option("server.enableStaticServing"):
        return False
    try:
        source = PLOTLY_JS.stat()
        served = SERVED.stat() if SERVED.exists() and not SERVED.is_symlink() else None
        if served is None or (served.st_size, served.st_mtime_ns) != (source.st_size, source.st_mtime_ns):
            SERVED.parent.mkdir(exist_ok=True)
            copy = SERVED.with_name(f".plotly-{os.getpid()}.js")  # then renamed over: no server sees half a file
            shutil.copy2(PLOTLY_JS, copy)
            copy.replace(SERVED)
        return True
    except OSError:
        return False


_component = None


def live_chart(figure: go.Figure, key: str) -> None:
    """``figure`` in a container keyed ``key`` (its ``st-key-…`` class, as ``st.plotly_chart(key=…)`` had), drawn
    in place of the last one."""
    global _component
    if _component is None:
        _component = st.components.v2.component("live_plot", js=_JS, isolate_styles=False) if _served() else False
    with st.container(key=key):
        if _component:
            _component(data={"figure": plotly.io.to_json(figure, validate=False), "config": CONFIG,
                             "plotly": "/app/static/plotly.min.js"}, key=f"{key}-plot")
        else:
            st.plotly_chart(figure, key=f"{key}-plot", config={"displayModeBar": False}, theme=None)
