"""Pure figure builders: the control plane's JSON in, a plotly figure out (tested without Streamlit).

    graph_figure(cluster, graph)   the live service graph: colour = health, size and badge = replicas,
                                   edge width = traffic, edge label = p95 and error share
    waterfall_figure(trace)        one trace: a bar per span, in call order, failed spans in red

Node positions depend only on the topology, so nodes never move between refreshes, and every
figure carries a constant ``uirevision`` so a zoom survives the 1-second refresh.
"""

from __future__ import annotations

import plotly.graph_objects as go

HEALTH_COLOURS = {"up": "#15803d", "degraded": "#d97706", "down": "#b91c1c"}
ERROR_RED, OK_GREY = "#b91c1c", "#64748b"
DEGRADED_ERROR_SHARE = 0.05  # a node or edge failing more often than this is shown as in trouble


def positions(cluster: dict) -> dict[str, tuple[float, float]]:
    """The gateway on top, the services it calls in a row beneath (fixed for a topology)."""
    gateway = cluster["gateway"]
    others = [s["name"] for s in cluster["services"] if s["name"] != gateway]
    spread = max(len(others) - 1, 1)
    placed = {gateway: (0.0, 1.0)}
    placed.update({name: (-1.5 + 3.0 * i / spread if len(others) > 1 else 0.0, 0.0) for i, name in enumerate(others)})
    return placed


def health(service: dict, node: dict | None) -> str:
    """up, degraded (failing now and then, or not every replica up) or down (no replica up)."""
    up = sum(r["state"] == "up" for r in service["replicas"])
    if up == 0:
        return "down"
    if up < service["desired_replicas"] or (node and node["error_rate"] > DEGRADED_ERROR_SHARE):
        return "degraded"
    return "up"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def graph_figure(cluster: dict, graph: dict) -> go.Figure:
    place = positions(cluster)
    nodes = {n["id"]: n for n in graph["nodes"]}
    traffic = {(e["source"], e["target"]): e for e in graph["edges"]}
    # one plain dict, validated once by go.Figure: five times faster than add_trace / update_layout
    data: list[dict] = []
    labels: list[dict] = []
    for service in cluster["services"]:
        for callee in service["calls"]:
            if callee not in place:
                continue
            (x0, y0), (x1, y1) = place[service["name"]], place[callee]
            edge = traffic.get((service["name"], callee))
            rps = edge["rps"] if edge else 0.0
            failing = bool(edge and edge["error_rate"] > DEGRADED_ERROR_SHARE)
            data.append({"type": "scatter", "x": [x0, x1], "y": [y0, y1], "mode": "lines", "hoverinfo": "skip",
                         "showlegend": False,
                         "line": {"width": 1.5 + min(rps, 200) / 12, "color": ERROR_RED if failing else OK_GREY,
                                  "dash": "solid" if edge else "dot"}})
            if edge:
                labels.append({"x": x0 + 0.68 * (x1 - x0), "y": y0 + 0.68 * (y1 - y0), "showarrow": False,
                               "bgcolor": "rgba(255,255,255,0.85)",
                               "text": f"p95 {_ms(edge['p95_ms'])}<br>{edge['error_rate']:.0%} errors",
                               "font": {"size": 13, "color": ERROR_RED if failing else "#1e293b"}})
    shown = [s for s in cluster["services"] if s["name"] in place]
    names = [s["name"] for s in shown]
    states = [health(s, nodes.get(s["name"])) for s in shown]
    replicas = [sum(r["state"] == "up" for r in s["replicas"]) for s in shown]
    data.append({
        "type": "scatter", "x": [place[n][0] for n in names], "y": [place[n][1] for n in names],
        "mode": "markers+text", "showlegend": False,
        "marker": {"size": [34 + 8 * r for r in replicas], "color": [HEALTH_COLOURS[s] for s in states],
                   "line": {"width": 2, "color": "white"}},
        "text": [f"<b>{n}</b><br>{r}× · {s}" for n, r, s in zip(names, replicas, states)],
        # the gateway's label above it, clear of the edges that leave it downwards
        "textposition": ["top center" if n == cluster["gateway"] else "bottom center" for n in names],
        "textfont": {"size": 15},
        "hovertext": [_node_hover(n, nodes.get(n)) for n in names], "hoverinfo": "text"})
    return go.Figure({"data": data, "layout": {
        "annotations": labels, "uirevision": "kitchen-graph", "height": 420,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "xaxis": {"visible": False, "range": [-2.0, 2.0], "fixedrange": True},
        "yaxis": {"visible": False, "range": [-0.55, 1.45], "fixedrange": True},
        "plot_bgcolor": "white", "paper_bgcolor": "white"}})


def _node_hover(name: str, node: dict | None) -> str:
    if node is None:
        return f"{name}: no traffic yet"
    return (f"<b>{name}</b><br>{node['rps']:.1f} requests/s · {node['error_rate']:.0%} errors"
            f"<br>p50 {_ms(node['p50_ms'])} · p95 {_ms(node['p95_ms'])}")


def call_order(spans: list[dict]) -> list[tuple[dict, int]]:
    """Spans depth-first from the root (children by start time), each with its depth."""
    children: dict[str | None, list[dict]] = {}
    ids = {s["span_id"] for s in spans}
    for s in sorted(spans, key=lambda s: s["start_ms"]):
        parent = s["parent_id"] if s["parent_id"] in ids else None
        children.setdefault(parent, []).append(s)
    ordered: list[tuple[dict, int]] = []

    def visit(span: dict, depth: int) -> None:
        ordered.append((span, depth))
        for child in children.get(span["span_id"], []):
            visit(child, depth + 1)

    for root in children.get(None, []):
        visit(root, 0)
    return ordered


def waterfall_figure(trace: dict) -> go.Figure:
    rows = call_order(trace["spans"])
    bars = {
        "type": "bar", "orientation": "h",
        "y": [f"{'  ' * depth}{_row_label(s)}" for s, depth in rows],
        "x": [max(s["duration_ms"], 0.05) for s, _ in rows], "base": [s["start_ms"] for s, _ in rows],
        "marker": {"color": [ERROR_RED if s["status"] == "error" else _colour(s["service"]) for s, _ in rows]},
        "text": [f"{_ms(s['duration_ms'])}" + (f" · {s['error']}" if s.get("error") else "") for s, _ in rows],
        "textposition": "outside", "cliponaxis": False, "hoverinfo": "text",
        "hovertext": [f"{s['service']} ({s.get('replica') or '?'})<br>{s['name']}<br>starts at {s['start_ms']:.1f} ms, "
                      f"takes {_ms(s['duration_ms'])}<br>{s['status']}" for s, _ in rows]}
    title = f"{trace['name']} — {_ms(trace['duration_ms'])}" + (
        f" — without {', '.join(trace['degraded'])}" if trace.get("degraded") else "")
    return go.Figure({"data": [bars], "layout": {
        "uirevision": "kitchen-waterfall", "height": max(180, 34 * len(rows) + 70),
        "margin": {"l": 10, "r": 80, "t": 30, "b": 30}, "plot_bgcolor": "white", "paper_bgcolor": "white",
        "title": {"text": title, "font": {"size": 15}},
        "xaxis": {"title": {"text": "milliseconds since the request arrived"}, "gridcolor": "#e2e8f0",
                  "rangemode": "tozero"},
        "yaxis": {"autorange": "reversed", "automargin": True, "tickfont": {"family": "monospace", "size": 12}}}})


def _row_label(span: dict) -> str:
    """A call reads as who called whom (its path is on the callee's row just below); work as service · name."""
    if span.get("kind") == "client" and span.get("peer"):
        return f"{span['service']} → {span['peer']}"
    return f"{span['service']} · {span['name']}"


PALETTE = ["#2563eb", "#7c3aed", "#0891b2", "#ca8a04", "#db2777", "#059669", "#ea580c", "#4f46e5"]


def _colour(service: str) -> str:
    """A stable colour per service name (the same in every trace)."""
    return PALETTE[sum(map(ord, service)) % len(PALETTE)]
