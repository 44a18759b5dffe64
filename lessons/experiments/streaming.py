"""Lessons 3-6 on the streaming service: its services and databases, scaling, deploys, and its code."""

from __future__ import annotations

import streamlit as st

from lessons.app_state import kitchen_or_stop
from lessons.experiments.common import act, cost_meter, memory_mb, show_notice
from lessons.kitchen import KitchenProblem
from lessons.live import live_view
from lessons.render import ROOT

SERVICES = ["users", "recommendations", "billing", "streaming"]


def streaming_example() -> None:
    client = kitchen_or_stop("streaming")
    st.write("One request for the home screen goes through the gateway to four services. Each keeps its own "
             "database: pick one and look inside (these are the real tables and rows, read from the running service).")
    left, right = st.columns([1, 2])
    with left:
        st.button("Open the home screen (GET /api/home?user_id=7)", key="streaming-one", on_click=act,
                  args=(client.entry_request,), width="stretch")
        service = st.radio("Whose database?", SERVICES, key="streaming-db", horizontal=True)
    with right:
        try:
            for table in client.tables(service):
                st.markdown(f"**{service} · {table['name']}** — {table['rows']:,} rows (newest shown)")
                st.dataframe(table["sample"], hide_index=True, width="stretch")
        except KitchenProblem as problem:
            st.warning(f"{service}'s database cannot be read now: {problem}")
    live_view(client.url, key="streaming")


def scaling() -> None:
    client = kitchen_or_stop("streaming")
    cluster = client.cluster()
    recs = next(s for s in cluster["services"] if s["name"] == "recommendations")
    st.write("Valentine's Day: everyone looks for romance at once. Start the spike, watch **p95** climb and the "
             "recommendations node turn amber, then give *only* Recommendations more replicas.")
    spike, calm = st.columns(2)
    spike.button("Valentine's Day spike (60 home screens a second, 60 s)", key="valentine", on_click=act,
                 args=(client.start_load, 60, 60), width="stretch",
                 kwargs={"notice": "The spike is on. Recommendations can serve about 40 a second per replica."})
    calm.button("The evening is over (stop)", key="valentine-stop", on_click=act, args=(client.stop_load,),
                width="stretch")
    st.slider("Recommendations replicas", 1, 8, value=max(recs["desired_replicas"], 1), key="recs-replicas",
              on_change=lambda: act(client.scale, "recommendations", st.session_state["recs-replicas"],
                                    notice=f"Recommendations now runs {st.session_state['recs-replicas']} replicas; "
                                           "billing, users and streaming are untouched."))
    show_notice()
    live_view(client.url, key="scaling")
    st.subheader("What the extra copies cost")
    ours, theirs = st.columns(2)
    with ours:
        cost_meter(cluster, "Microservices")
        per_copy = (memory_mb(cluster)["recommendations"] / max(1, sum(r["state"] == "up" for r in recs["replicas"])))
        st.write(f"One more recommendations replica: **{per_copy:,.0f} MB** (measured).")
    with theirs:
        monolith = kitchen_or_stop("streaming-monolith").cluster()
        one_copy = memory_mb(monolith)["monolith"]
        st.metric("The same service as a monolith: one copy (measured now)", f"{one_copy:,.0f} MB")
        st.write(f"To add the same capacity to a monolith you copy **all** of it: {one_copy:,.0f} MB a copy, "
                 "users, billing and video included, though only recommendations was busy.")
    st.caption("Read the two numbers honestly: our services are tiny, so most of each process is the Python "
               "runtime itself, and one copy of the whole monolith weighs about what one small service does. "
               "That per-process overhead is part of the microservice premium (lesson 7). In real systems each "
               "part brings its own libraries, caches and connections, and copying the whole is what costs.")


def deploys() -> None:
    client = kitchen_or_stop("streaming")
    billing = next(s for s in client.cluster()["services"] if s["name"] == "billing")
    st.write("The Billing team ships on its own. A rolling deploy starts one replica of the new version, waits "
             "until it is up, then retires an old one, and so on. Keep a little traffic running to see that "
             "people can watch all the while.")
    traffic, v2, bad, rollback = st.columns(4)
    traffic.button("Keep 10 viewers a second coming", key="deploy-traffic", on_click=act,
                   args=(client.start_load, 10, 120), width="stretch")
    v2.button("Deploy billing v2", key="deploy-v2", on_click=act, args=(client.deploy, "billing", "v2"),
              kwargs={"notice": "Rolling out billing v2, one replica at a time."}, width="stretch")
    bad.button("Deploy billing v3 (a bad build)", key="deploy-bad", on_click=act,
               args=(client.deploy, "billing", "v3"), kwargs={"bad": True, "notice": "v3 fails every billing call. "
               "Videos still play; the home screen just can't show the plan."}, width="stretch")
    rollback.button("Roll back to v1", key="deploy-rollback", on_click=act, args=(client.deploy, "billing", "v1"),
                    kwargs={"notice": "Rolling back to v1."}, width="stretch")
    show_notice()
    st.write("Billing replicas now: " + ", ".join(f"`{r['id']}` {r['version']} ({r['state']})"
                                                  for r in billing["replicas"]) +
             (" — **deploying**" if billing["deploying"] else ""))
    live_view(client.url, key="deploys")


def right_tool() -> None:
    client = kitchen_or_stop("streaming")
    st.write("Every service here is written in Python so you can read them all, but each could be rewritten "
             "in another language without the others noticing: they only see its HTTP API. Here is the API each "
             "running service publishes, read from the live process, and the code behind it.")
    service = st.radio("Service", ["gateway", *SERVICES], horizontal=True, key="tool-service")
    try:
        spec = client.service_get(service, "/openapi.json")
    except KitchenProblem as problem:
        st.warning(f"Its live API cannot be read now: {problem}")
    else:
        st.markdown("**Its API, as the running process describes it:**\n" + "\n".join(
            f"- `{method.upper()} {path}` — {op.get('summary') or op.get('description', '')}"
            for path, ops in spec["paths"].items() for method, op in ops.items()
            if not path.startswith(("/_kitchen", "/health"))))
    source = ROOT / "mini_services" / "services" / service / "app.py"  # read, not imported: pages use only HTTP
    st.caption(f"{source.relative_to(ROOT)} — the code this service runs")
    st.code(source.read_text(encoding="utf-8"), language="python", line_numbers=True)
    live_view(client.url, key="right-tool")
