"""Pure figure builders: the control plane's JSON in, a plotly figure out (tested without Streamlit).

    graph_figure(cluster, graph)   the live service graph: each node's state in a word (and its colour),
                                   replicas, build, language; under each callee how its calls went; edge width = traffic
    waterfall_figure(trace)        one trace: a row per span, in call order, failures red and said in words
    history_figure(history, now)   the last minute of load: p95 of the answers, failures and degraded answers a second

Node positions depend only on the topology, so nodes never move between refreshes, and every
figure carries a constant ``uirevision`` so a zoom survives the 1-second refresh.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

# each state has its word on the node too: the colour only repeats it (WCAG 1.4.1)
STATE_COLOURS = {"up": "#15803d", "slow": "#b45309", "failing": "#c2410c", "down": "#991b1b",
                 "starting": "#1d4ed8", "recovering": "#6d28d9"}
ERROR_RED, OK_GREY, INK = "#b91c1c", "#64748b", "#0f172a"
MUTED = "#475569"  # a second line that explains, not alarms: 7.6:1 on white
DEGRADED_AMBER = "#b45309"  # answers without some optional service (hatched, and named in the legend)
DEGRADED_ERROR_SHARE = 0.05  # an edge failing more often than this is drawn red
TEXT_PX = 15  # every label of the graph and the waterfall is at least 14 px: legible from the back of a room


RAIL = "rail"  # the restaurant's message broker: drawn between the waiter and the stations that take its tickets
RAIL_CONSUMERS = ("chef", "bartender")  # where its tickets go (more edges come from the spans when they exist)


def positions(cluster: dict) -> dict[str, tuple[float, float]]:
    """The gateway on top, the services it calls in a row beneath (fixed for a topology); a rail half-way down,
    above the stations that take its tickets."""
    gateway = cluster["gateway"]
    others = [s["name"] for s in cluster["services"] if s["name"] not in (gateway, RAIL)]
    spread = max(len(others) - 1, 1)
    placed = {gateway: (0.0, 1.0)}
    placed.update({name: (-1.5 + 3.0 * i / spread if len(others) > 1 else 0.0, 0.0) for i, name in enumerate(others)})
    if any(s["name"] == RAIL for s in cluster["services"]):
        under = [placed[c][0] for c in RAIL_CONSUMERS if c in placed] or [0.0]
        # a quarter right of their middle: its label (left of it) stays inside a narrow column's plot
        placed[RAIL] = (sum(under) / len(under) + 0.25, 0.5)
    return placed


def edges_of(cluster: dict, graph: dict) -> list[tuple[str, str]]:
    """Every edge to draw, in a fixed order: who calls whom in the topology, the rail's own paths, then any other
    pair the spans showed (idle ones are drawn dotted)."""
    pairs = [(s["name"], callee) for s in cluster["services"] for callee in s["calls"]]
    if any(s["name"] == RAIL for s in cluster["services"]):
        pairs += [(cluster["gateway"], RAIL), *((RAIL, c) for c in RAIL_CONSUMERS)]
    pairs += sorted((e["source"], e["target"]) for e in graph["edges"])
    return list(dict.fromkeys(pairs))


def _busiest_into(graph: dict) -> dict[str, dict]:
    """Per callee, the edge into it with the most calls (a station fed by the rail may also be called direct)."""
    into: dict[str, dict] = {}
    for edge in graph["edges"]:
        if edge["target"] not in into or edge["calls"] > into[edge["target"]]["calls"]:
            into[edge["target"]] = edge
    return into


def state_of(service: dict, node: dict | None) -> str:
    """The node's state as the control plane decided it (``down`` when no replica is up and no node came)."""
    if node and node.get("state"):
        return node["state"]
    return "up" if any(r["state"] == "up" for r in service["replicas"]) else "down"


def versions(service: dict) -> str:
    """The builds its live replicas run: ``v1``, or ``v2 ×2 · v1 ×1`` during a rollout."""
    running = [r.get("version", "v1") for r in service["replicas"] if r["state"] in ("up", "starting")]
    counts = {v: running.count(v) for v in dict.fromkeys(sorted(running, reverse=True))}
    if len(counts) <= 1:
        return next(iter(counts), service.get("version", "v1"))
    return " · ".join(f"{v} ×{n}" for v, n in counts.items())


LANGUAGE_WORDS = {"python": "Python", "node": "Node.js", "nodejs": "Node.js"}  # a replica's, a span's (OpenTelemetry)


def languages(service: dict) -> str:
    """What its live replicas run on, in a word: ``Python``, ``Node.js``, or ``Node.js+Python`` during a swap."""
    running = {r.get("language", "python") for r in service["replicas"] if r["state"] in ("up", "starting")}
    return "+".join(LANGUAGE_WORDS.get(lang, lang) for lang in sorted(running)) or "Python"


def short_duration(ms: float | None) -> str:
    """A p95 for a metric tile: ``640 ms``, or ``3.74 s`` from a second up (``3,742 ms`` is cut in a narrow column)."""
    return "–" if ms is None else f"{ms:,.0f} ms" if ms < 1000 else f"{ms / 1000:,.2f} s"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _calls_lines(edge: dict | None) -> list[str]:
    """How the calls to a service went, as its caller saw them: short lines under the node."""
    if edge is None or not edge["calls"]:
        lines = ["no calls now"]
    elif edge["error_rate"] >= 0.995:  # every call failed: how fast they failed says nothing of the service
        lines = ["every call failed"]
    else:
        lines = [f"p95 {_ms(edge['p95_ms'])}", f"{edge['error_rate']:.0%} failed"]
    if edge and edge.get("breaker") in ("open", "half-open"):
        lines.append(f"circuit {edge['breaker']}")
    return lines


def node_label(service: dict, node: dict | None, edge: dict | None, gateway: bool) -> str:
    """Name; state in a word and replicas; build; how its calls went. Every line short, so neighbours never touch."""
    up, wanted = sum(r["state"] == "up" for r in service["replicas"]), service["desired_replicas"]
    if up > wanted and service.get("deploying"):  # a rolling deploy starts a new replica beside the old ones
        replicas = f"{up}× (+{up - wanted} rolling)"
    else:
        replicas = f"{up}×" if up == wanted else f"{up} of {wanted}"
    builds = versions(service)
    lines = [f"<b>{service['name']}</b>", f"<b>{state_of(service, node)}</b> · {replicas}",
             *([builds, languages(service)] if "×" in builds else [f"{builds} · {languages(service)}"])]
    if service["name"] == RAIL:  # the broker: no build of ours; how the tickets pinned on it went
        return "<br>".join([*lines[:2], *_calls_lines(edge)[:1]])
    if gateway:
        if node and node["rps"]:
            lines += [f"p95 {_ms(node['p95_ms'])}", f"{node['error_rate']:.0%} failed"]
    else:
        lines += _calls_lines(edge)
    return "<br>".join(lines)


def graph_figure(cluster: dict, graph: dict) -> go.Figure:
    """The live graph: a node per service saying its state, replicas and build; edges as wide as their traffic.

    Each callee's call figures are written under it, as its busiest caller saw them (the gateway, or the rail for
    the stations that take its tickets): no label floats on an edge, so none can cover another."""
    place = positions(cluster)
    nodes = {n["id"]: n for n in graph["nodes"]}
    traffic = {(e["source"], e["target"]): e for e in graph["edges"]}
    into = _busiest_into(graph)
    # one plain dict, validated once by go.Figure: five times faster than add_trace / update_layout
    data: list[dict] = []
    for caller, callee in edges_of(cluster, graph):
        if caller in place and callee in place:
            (x0, y0), (x1, y1) = place[caller], place[callee]
            edge = traffic.get((caller, callee))
            live = bool(edge and edge["calls"])
            failing = bool(live and edge["error_rate"] > DEGRADED_ERROR_SHARE) or bool(
                edge and edge.get("breaker") == "open")
            data.append({"type": "scatter", "x": [x0, x1], "y": [y0, y1], "mode": "lines", "hoverinfo": "skip",
                         "showlegend": False,
                         "line": {"width": 1.5 + min(edge["rps"] if live else 0.0, 200) / 12,
                                  "color": ERROR_RED if failing else OK_GREY, "dash": "solid" if live else "dot"}})
    shown = [s for s in cluster["services"] if s["name"] in place]
    names = [s["name"] for s in shown]
    states = [state_of(s, nodes.get(s["name"])) for s in shown]
    replicas = [sum(r["state"] == "up" for r in s["replicas"]) for s in shown]
    data.append({
        "type": "scatter", "x": [place[n][0] for n in names], "y": [place[n][1] for n in names],
        "mode": "markers+text", "showlegend": False,
        "marker": {"size": [30 + 6 * min(r, 8) for r in replicas], "color": [STATE_COLOURS[s] for s in states],
                   "symbol": ["x" if s == "down" else "circle" for s in states], "opacity": 1,
                   "line": {"width": 2, "color": "white"}},
        "text": [node_label(s, nodes.get(s["name"]), into.get(s["name"]), s["name"] == cluster["gateway"])
                 for s in shown],
        # the gateway's label above it, clear of the edges that leave it downwards; the rail's beside it
        "textposition": [_text_side(n, cluster["gateway"]) for n in names],
        "textfont": {"size": TEXT_PX, "color": INK},
        "hovertext": [_node_hover(n, nodes.get(n)) for n in names], "hoverinfo": "text"})
    return go.Figure({"data": data, "layout": {
        "uirevision": "kitchen-graph", "height": 470, "margin": {"l": 4, "r": 4, "t": 4, "b": 4},
        "hoverlabel": {"font": {"size": TEXT_PX}},
        "xaxis": {"visible": False, "range": [-2.05, 2.05], "fixedrange": True},
        "yaxis": {"visible": False, "range": [-1.05, 1.75], "fixedrange": True},
        "plot_bgcolor": "white", "paper_bgcolor": "white"}})


def _text_side(name: str, gateway: str) -> str:
    return "top center" if name == gateway else "top left" if name == RAIL else "bottom center"


def _node_hover(name: str, node: dict | None) -> str:
    if node is None:
        return f"{name}: no traffic yet"
    return (f"<b>{name}</b>: {node.get('state', '')} — {node.get('why', '')}<br>{node['rps']:.1f} answers/s · "
            f"{node['error_rate']:.0%} failed<br>p50 {_ms(node['p50_ms'])} · p95 {_ms(node['p95_ms'])}")


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


LABEL_CHARS = 34  # the longest line of a waterfall row label: the bars keep more than half the chart


def _short(text: str, most: int = LABEL_CHARS) -> str:
    """``text`` cut at a word boundary to ``most`` characters (the whole text is in the hover)."""
    if len(text) <= most:
        return text
    cut = text[: most - 1].rsplit(" ", 1)[0]
    return cut.rstrip(":,") + "…"


def station_time(span: dict) -> str | None:
    """Where an answer's own time went, when that is worth a line: ``queued 3,400 ms · worked 60 ms`` (its wait for a
    free worker of its station, then the station's set work); None for a quick one, a call, or a span without it."""
    queued, work = span.get("queued_ms"), span.get("work_ms")
    if span.get("kind") != "server" or queued is None or work is None or (queued < 1 and work < 10):
        return None
    return " · ".join(([f"queued {_ms(queued)}"] if queued >= 1 else []) + [f"worked {_ms(work)}"])


def row_label(span: dict, depth: int) -> str:
    """Who did what (a call reads as caller → callee, with its attempt when retried), and why it failed."""
    indent = "\u00a0\u00a0" * depth
    if span.get("kind") == "client" and span.get("peer"):
        said = f"{span['service']} → {span['peer']}"
        if (span.get("attempts") or 1) > 1 and ((span.get("attempt") or 1) > 1 or span["status"] == "error"):
            said += f", attempt {span['attempt']} of {span['attempts']}"
    else:
        said = f"{span['service']} · {span['name']}"
    label = indent + _short(said)
    if span.get("error"):
        label += f"<br>{indent}<span style='color:{ERROR_RED}'>{_short(span['error'])}</span>"
    elif spent := station_time(span):
        label += f"<br>{indent}<span style='color:{MUTED}'>{spent}</span>"
    return label


def waterfall_figure(trace: dict) -> go.Figure:
    """One trace: a row per span in call order (each retry its own row), failures red and said in words."""
    rows = call_order(trace["spans"])
    spent = [station_time(s) for s, _ in rows]
    ends = [s["start_ms"] + s["duration_ms"] for s, _ in rows] or [1.0]
    bars = {
        "type": "bar", "orientation": "h", "y": list(range(len(rows))),
        "x": [max(s["duration_ms"], 0.05) for s, _ in rows], "base": [s["start_ms"] for s, _ in rows],
        "marker": {"color": [ERROR_RED if s["status"] == "error" else _colour(s["service"]) for s, _ in rows]},
        "text": [_ms(s["duration_ms"]) for s, _ in rows], "textfont": {"size": TEXT_PX - 1},
        "textposition": "outside", "cliponaxis": False, "hoverinfo": "text",
        "hovertext": [f"{s['service']} ({s.get('replica') or '?'}, {LANGUAGE_WORDS.get(s.get('language') or '', '?')})<br>{s['name']}<br>starts at {s['start_ms']:.1f} ms, "
                      f"takes {_ms(s['duration_ms'])}<br>{s.get('error') or s['status']}"
                      + (f"<br>{said} (its station's set work per request)" if said else "")
                      for (s, _), said in zip(rows, spent)]}
    title = f"{trace['name']} — {_ms(trace['duration_ms'])}" + (
        f" — without {', '.join(trace['degraded'])}" if trace.get("degraded") else "")
    height = 34 * len(rows) + 16 * sum(1 for (s, _), said in zip(rows, spent) if s.get("error") or said)
    return go.Figure({"data": [bars], "layout": {
        "uirevision": "kitchen-waterfall", "height": max(200, height + 90), "bargap": 0.25,
        "margin": {"l": 6, "r": 56, "t": 36, "b": 40}, "plot_bgcolor": "white", "paper_bgcolor": "white",
        "title": {"text": _short(title, 60), "font": {"size": TEXT_PX + 1}},
        "hoverlabel": {"font": {"size": TEXT_PX}},
        "xaxis": {"title": {"text": "milliseconds since the request arrived", "font": {"size": TEXT_PX - 1}},
                  "gridcolor": "#e2e8f0", "range": [0, max(ends) * 1.12], "tickfont": {"size": TEXT_PX - 1}},
        "yaxis": {"autorange": "reversed", "automargin": True, "tickfont": {"size": TEXT_PX - 1},
                  "tickmode": "array", "tickvals": list(range(len(rows))),
                  "ticktext": [row_label(s, depth) for s, depth in rows]}}})


def history_figure(history: list[dict], now_s: float) -> go.Figure:
    """The last minute of load, a point a second: p95 of the answers (line), and the requests that failed and the
    answers that came degraded (stacked bars). Counted from the start of the current second (the newest point is
    the second that just ended, at -1): the figure changes once a second, when a point is added, so the browser
    redraws it once a second, not at every tick of the live view."""
    this_second = math.floor(now_s)
    ago = [p["t"] - this_second for p in history]
    return go.Figure({"data": [
        {"type": "bar", "x": ago, "y": [p["failed"] for p in history], "name": "failed per second",
         "marker": {"color": ERROR_RED}, "yaxis": "y2", "opacity": 0.55},
        {"type": "bar", "x": ago, "y": [p.get("degraded", 0) for p in history], "name": "degraded per second",
         "marker": {"color": DEGRADED_AMBER, "pattern": {"shape": "/"}}, "yaxis": "y2", "opacity": 0.55},
        {"type": "scatter", "mode": "lines", "x": ago, "y": [p["p95_ms"] for p in history],
         "name": "p95 of answers (ms)", "line": {"color": INK, "width": 3}, "connectgaps": False},
    ], "layout": {
        "uirevision": "kitchen-history", "height": 230, "margin": {"l": 60, "r": 60, "t": 10, "b": 40},
        "plot_bgcolor": "white", "paper_bgcolor": "white", "font": {"size": TEXT_PX - 1}, "barmode": "stack",
        "legend": {"orientation": "h", "y": 1.12, "x": 0, "font": {"size": TEXT_PX - 1}},
        "xaxis": {"title": {"text": "seconds ago"}, "range": [-60, 0], "gridcolor": "#e2e8f0", "fixedrange": True},
        "yaxis": {"title": {"text": "p95 ms"}, "rangemode": "tozero", "gridcolor": "#e2e8f0", "fixedrange": True},
        "yaxis2": {"title": {"text": "failed or degraded /s"}, "overlaying": "y", "side": "right", "rangemode": "tozero",
                   "tickmode": "auto", "nticks": 6,  # round steps of its own, not steps matched to the left axis
                   "showgrid": False, "fixedrange": True}}})


PALETTE = ["#2563eb", "#7c3aed", "#0891b2", "#ca8a04", "#db2777", "#059669", "#ea580c", "#4f46e5"]


def _colour(service: str) -> str:
    """A stable colour per service name (the same in every trace)."""
    return PALETTE[sum(map(ord, service)) % len(PALETTE)]
