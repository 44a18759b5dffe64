"""Lesson 6, the right tool for each job: the User service swapped to Node.js while the home screen keeps answering,
both builds' code side by side, each replica's language, memory and measured hop, and the numpy model's cost.

    hops(traces)               every gateway → users call in some traces: replica, language, hop and time inside
    remember(kept, found)      the samples of this page, the newest kept per language (so both sides stay after a swap)
    by_language(samples)       Python against Node.js: calls, p50 and p95 of the hop, p50 inside users
"""

from __future__ import annotations

import statistics

import streamlit as st

from lessons.app_state import kitchen_or_stop
from lessons.experiments.common import act, show_notice
from lessons.kitchen import KitchenProblem
from lessons.live import feed, live_view
from lessons.render import ROOT

NAMES = {"python": "Python", "node": "Node.js", "nodejs": "Node.js"}  # replica language, span language -> a word
USERS_BUILDS = (("Python", "mini_services/services/users/app.py", "python"),
                ("Node.js", "mini_services/services/users/node/users.js", "javascript"))
MODEL_SOURCE = "mini_services/services/recommendations/model.py"
KEPT_PER_LANGUAGE = 300
SAMPLES_KEY = "polyglot-samples"


def hops(traces: list[dict]) -> list[dict]:
    """Every answered gateway → users call in ``traces``: who served it, in which language, the hop (the caller's
    span: network and users together) and the time inside users (its own span)."""
    found = []
    for trace in traces:
        spans = {s["span_id"]: s for s in trace["spans"]}
        for served in trace["spans"]:
            call = spans.get(served["parent_id"] or "")
            if served["service"] == "users" and served["kind"] == "server" and served["status"] == "ok" and \
                    call is not None and call["kind"] == "client":
                found.append({"trace_id": trace["trace_id"], "replica": served.get("replica") or "?",
                              "language": NAMES.get(served.get("language") or "", served.get("language") or "?"),
                              "hop_ms": call["duration_ms"], "inside_ms": served["duration_ms"]})
    return found


def remember(kept: list[dict], found: list[dict], most: int = KEPT_PER_LANGUAGE) -> list[dict]:
    """``kept`` and the new ``found`` (each trace once), the newest ``most`` of each language."""
    seen = {s["trace_id"] for s in kept}
    merged = kept + [s for s in found if s["trace_id"] not in seen]
    out: list[dict] = []
    for language in dict.fromkeys(s["language"] for s in merged):
        out += [s for s in merged if s["language"] == language][-most:]
    return out


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def by_language(samples: list[dict]) -> list[dict]:
    """Per language seen: how many calls, the hop's p50 and p95 and the p50 inside users (ms, measured)."""
    rows = []
    for language in sorted({s["language"] for s in samples}):
        mine = [s for s in samples if s["language"] == language]
        hop = [s["hop_ms"] for s in mine]
        rows.append({"language": language, "calls": len(mine), "hop p50 (ms)": round(statistics.median(hop), 2),
                     "hop p95 (ms)": round(_p(hop, 0.95), 2),
                     "inside users p50 (ms)": round(statistics.median(s["inside_ms"] for s in mine), 2)})
    return rows


def replica_rows(cluster: dict, samples: list[dict]) -> list[dict]:
    """Each users replica now: language and state in words, measured memory, and its calls' hop p50."""
    users = next(s for s in cluster["services"] if s["name"] == "users")
    rows = []
    for r in users["replicas"]:
        hop = [s["hop_ms"] for s in samples if s["replica"] == r["id"]]
        rows.append({"replica": r["id"], "language": NAMES.get(r.get("language", "python"), r.get("language")),
                     "state": r["state"], "version": r["version"],
                     "memory (MB)": r.get("rss_mb"), "calls seen": len(hop),
                     "hop p50 (ms)": round(statistics.median(hop), 2) if hop else None})
    return rows


def _users_now(data: dict | None) -> None:
    """Drawn every tick: the users replicas, and Python against Node.js from the calls this page has seen."""
    if data is None:
        return
    kept = remember(st.session_state.get(SAMPLES_KEY, []), hops(data["traces"]))
    st.session_state[SAMPLES_KEY] = kept
    users = next((s for s in data["cluster"]["services"] if s["name"] == "users"), None)
    if users is None:
        return
    if users["deploying"]:
        try:
            packages = feed(st.session_state["polyglot-url"]).client.languages()["node"]["packages"]
        except (KitchenProblem, KeyError):
            packages = {}
        doing = (f"installing the Node.js packages first (npm ci, only the first time): {packages.get('detail', '')}"
                 if packages.get("state") == "installing" else "one replica at a time")
        st.markdown(f"**users is rolling out:** {doing}")
    st.markdown("**The users replicas now** (memory measured from each process; hop = the gateway's call to it, "
                "network and work together, from the traces this page has seen):")
    st.dataframe(replica_rows(data["cluster"], kept), hide_index=True, width="stretch")
    compared = by_language(kept)
    if compared:
        st.markdown("**Python against Node.js**, every call this page has seen (the newest "
                    f"{KEPT_PER_LANGUAGE} of each):")
        st.dataframe(compared, hide_index=True, width="stretch")
    else:
        st.caption("No call to users seen yet: send some viewers to compare the two builds.")


def _swap(client) -> None:
    st.markdown("#### Swap the User service to Node.js while people keep watching")
    try:
        node = client.languages()["node"]
        version = next(s for s in client.cluster()["services"] if s["name"] == "users")["version"]
    except KitchenProblem as problem:
        node, version = {"available": False, "reason": f"the kitchen could not say ({problem})"}, "v1"
    if not node["available"]:
        st.info(f"Node.js is not available to this kitchen, so its User service can only run its Python build here. "
                f"{node['reason']}. Everything else on this page works.", icon=":material/info:")
    else:
        packages = node["packages"]
        st.caption(f"Node.js {node['version']} found; its npm packages: {packages['state']}"
                   + (f" ({packages['detail']})" if packages.get("detail") else "") + ".")
        traffic, quiet = st.columns(2)
        to_node, to_python = st.columns(2)
        traffic.button("Keep 20 viewers a second coming (2 min)", key="tool-traffic", on_click=act,
                       args=(client.start_load, 20, 120), width="stretch")
        to_node.button("Swap users to Node.js", key="tool-node", on_click=act, width="stretch",
                       args=(client.deploy, "users", version), kwargs={"language": "node", "notice":
                       "Rolling out the Node.js build of users, one replica at a time: watch the table below."})
        to_python.button("Back to Python", key="tool-python", on_click=act, width="stretch",
                         args=(client.deploy, "users", version), kwargs={"language": "python", "notice":
                         "Rolling the Python build of users back in, one replica at a time."})
        quiet.button("Stop the viewers", key="tool-quiet", on_click=act, args=(client.stop_load,), width="stretch")
    show_notice()
    st.session_state["polyglot-url"] = client.url
    live_view(client.url, key="right-tool", above=_users_now)


def _side_by_side() -> None:
    st.markdown("#### The same service, twice: the code each build runs")
    st.write("Both answer the same requests with the same rows from the same kind of database; the gateway cannot "
             "tell them apart. What differs is the language, its libraries, and who on the team can read it.")
    for column, (name, path, language) in zip(st.columns(2), USERS_BUILDS):
        column.caption(f"{name}: {path}")
        column.code((ROOT / path).read_text(encoding="utf-8"), language=language, line_numbers=True, wrap_lines=True)


def _excerpt(path: str, start: str, end: str) -> str:
    """The lines of ``path`` from the one that starts with ``start`` up to (not including) the one with ``end``."""
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip().startswith(start))
    last = next(i for i, line in enumerate(lines) if i > first and line.strip().startswith(end))
    return "\n".join(lines[first:last]).rstrip()


def _model(client) -> None:
    from lessons.experiments.watching import watch_this

    st.markdown("#### The Recommendation service: a real model, in Python")
    left, right = st.columns(2)
    with left:
        st.caption(f"{MODEL_SOURCE}: training and scoring (numpy)")
        st.code(_excerpt(MODEL_SOURCE, "def train", "def measured"), language="python", wrap_lines=True)
    with right:
        try:
            cost = client.service_get("recommendations", "/_kitchen/model")
        except KitchenProblem as problem:
            st.warning(f"The model's cost cannot be read now: {problem}")
        else:
            first, second = st.columns(2)
            first.metric("training at start-up", f"{cost['trained_ms']:.1f} ms",
                         help=f"{cost['views']} views by {cost['viewers']} viewers of {cost['titles']} titles")
            second.metric("CPU per request (p50)", "no request yet" if cost["cpu_ms_p50"] is None else
                          f"{cost['cpu_ms_p50']:.2f} ms",
                          help=f"over the latest of its {cost['requests']:,} requests (this replica)")
            first.metric("loading numpy", f"{cost['numpy_load_ms']:.0f} ms", help="when the replica started")
            second.metric("numpy's memory", "–" if cost["numpy_rss_mb"] is None else f"{cost['numpy_rss_mb']:.0f} MB",
                          help="what this replica's memory grew by when it loaded numpy")
            st.caption("Measured now in one running replica. The kitchen still holds each recommendation for a set "
                       "50 ms of pretend inference (its capacity model, so lesson 4's spike happens); this small model's "
                       "own work is the CPU figure above.")
        watch_this(client)


def _every_service(client) -> None:
    with st.expander("Every service's live API and code"):
        service = st.radio("Service", ["gateway", "users", "recommendations", "billing", "streaming"], horizontal=True,
                           key="tool-service")
        try:
            spec = client.service_get(service, "/openapi.json")
        except KitchenProblem as problem:
            st.warning(f"Its live API cannot be read now: {problem}")
        else:
            st.markdown("**Its API, as the running process describes it:**\n" + "\n".join(
                f"- `{method.upper()} {path}` — {op.get('summary') or op.get('description', '')}"
                for path, ops in spec["paths"].items() for method, op in ops.items()
                if not path.startswith(("/_kitchen", "/health"))))
        source = ROOT / "mini_services" / "services" / service / "app.py"  # read, not imported: pages use HTTP only
        st.caption(f"{source.relative_to(ROOT)} — the code this service runs (in Python)")
        st.code(source.read_text(encoding="utf-8"), language="python", line_numbers=True)


def right_tool() -> None:
    client = kitchen_or_stop("streaming")
    _swap(client)
    _side_by_side()
    _model(client)
    _every_service(client)
