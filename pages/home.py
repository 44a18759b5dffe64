"""The home page: what this is, and the live kitchen's state."""

import streamlit as st

from lessons.app_state import kitchen_or_stop

st.title("Microservices Kitchen")
st.write("A restaurant that grows from one cook doing everything into a brigade of specialists — "
         "and the same ideas on a streaming service, with live services you can break.")

client = kitchen_or_stop()
cluster = client.cluster()
st.subheader(f"The live {cluster['topology']} kitchen ({cluster['architecture']})")
st.dataframe(
    [{"service": s["name"], "role": s["role"], "replicas up": sum(r["state"] == "up" for r in s["replicas"]),
      "states": ", ".join(r["state"] for r in s["replicas"]) or "none", "version": s["version"],
      "latency ms": s["faults"]["latency_ms"], "error rate": s["faults"]["error_rate"]}
     for s in cluster["services"]],
    hide_index=True, width="stretch")

if st.button(f"Send {cluster['entry']['method']} {cluster['entry']['path']}"):
    answer = client.entry_request()
    st.caption(f"HTTP {answer.status_code} · trace {answer.headers.get('x-trace-id', '—')}")
    st.json(answer.json())
