"""The service graph, built with networkx from the span window.

Nodes are services (replicas up, requests per second, error rate, p50/p95 of their server
spans); edges are caller -> callee pairs taken from client spans (calls, rps, error rate and
p50/p95 as the caller saw them, so a dead callee still shows as a failing edge). On the rail,
producer spans give service -> rail and consumer spans rail -> the station that took the ticket.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mini_services.control.models import Graph, GraphEdge, GraphNode
from mini_services.control.spans import SpanRecord

if TYPE_CHECKING:
    import networkx as nx


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of unsorted ``values``; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _figures(spans: list[SpanRecord], window_s: float) -> dict:
    """rps and error share of every span; p50/p95 of the successful ones (a fast refusal is not a fast answer)."""
    durations = [s.duration_ms for s in spans if not s.error]
    return {"rps": len(spans) / window_s, "error_rate": (sum(1 for s in spans if s.error) / len(spans)) if spans else 0.0,
            "p50_ms": percentile(durations, 50), "p95_ms": percentile(durations, 95)}


def build_graph(spans: list[SpanRecord], replicas_up: dict[str, int], window_s: float,
                states: dict[str, tuple[str, str]] | None = None,
                breakers: dict[tuple[str, str], dict] | None = None) -> "nx.DiGraph":
    """Nodes and edges with their figures over ``spans``; ``states``: each node's (state, why), decided
    elsewhere (control/states.py); ``breakers``: each (caller, callee)'s circuit breaker."""
    import networkx as nx  # on first use: keeps it out of the control plane's start-up

    states, breakers = states or {}, breakers or {}

    def node(name: str, group: list[SpanRecord]) -> dict:
        state, why = states.get(name, ("up" if replicas_up.get(name) else "down", ""))
        return {"replicas_up": replicas_up.get(name, 0), "state": state, "why": why, **_figures(group, window_s)}

    def edge(caller: str, callee: str) -> dict:
        breaker = breakers.get((caller, callee)) or {}
        return {"breaker": breaker.get("state"), "breaker_failures": breaker.get("failures", 0)}

    graph = nx.DiGraph()
    served: dict[str, list[SpanRecord]] = {name: [] for name in replicas_up}
    calls: dict[tuple[str, str], list[SpanRecord]] = {}
    for s in spans:
        if s.kind in ("server", "consumer"):  # a consumer span is a ticket the service took off the rail and handled
            served.setdefault(s.service, []).append(s)
        if s.kind in ("client", "producer") and s.peer:  # a producer span: a ticket pinned on the rail
            calls.setdefault((s.service, s.peer), []).append(s)
        elif s.kind == "consumer" and s.peer:  # the edge rail -> the consuming station
            calls.setdefault((s.peer, s.service), []).append(s)
    for name, group in served.items():
        graph.add_node(name, **node(name, group))
    for (caller, callee), group in calls.items():
        for end in (caller, callee):
            if end not in graph:
                graph.add_node(end, **node(end, []))
        graph.add_edge(caller, callee, calls=len(group), **edge(caller, callee), **_figures(group, window_s))
    for caller, callee in breakers:  # a breaker that is open stops the calls: its edge still says so
        if caller in graph and callee in graph and not graph.has_edge(caller, callee):
            graph.add_edge(caller, callee, calls=0, **edge(caller, callee), **_figures([], window_s))
    return graph


def graph_answer(graph: "nx.DiGraph", window_s: float) -> Graph:
    return Graph(
        window_s=window_s,
        nodes=[GraphNode(id=n, **data) for n, data in graph.nodes(data=True)],
        edges=[GraphEdge(source=a, target=b, **data) for a, b, data in graph.edges(data=True)],
    )
