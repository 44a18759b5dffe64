"""The warm template (issue 12): every Python replica is forked from one template process per control plane.

What must hold is what held for replicas started one by one: a pid of its own (its own spans say so), SIGKILL
of one replica touches nobody else, death with the control plane (template and replicas within 2 s), and a
kitchen that keeps working, and leaves nothing behind, when the template itself dies.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psutil
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.utils.kitchen import ROOT, Kitchen, alive, wait_for


def replica_pids(kitchen: Kitchen, forked_only: bool = False) -> dict[str, int]:
    """Every up replica's pid; ``forked_only``: the Python ones (the rail is a nats-server, started by exec)."""
    return {r["id"]: r["pid"] for s in kitchen.cluster()["services"] for r in s["replicas"] if r["state"] == "up"
            and not (forked_only and s["name"] == "rail")}


def template_of(kitchen: Kitchen) -> psutil.Process:
    """The control plane's one child that is the parent of every forked replica."""
    parents = {psutil.Process(pid).ppid() for pid in replica_pids(kitchen, forked_only=True).values()}
    assert len(parents) == 1, f"replicas have several parents: {parents}"
    template = psutil.Process(parents.pop())
    assert template.ppid() == kitchen.process.pid, "the replicas' parent is not the control plane's child"
    return template


class Collector(ThreadingHTTPServer):
    """A tiny OTLP/HTTP receiver (what OTEL_EXPORTER_OTLP_ENDPOINT points at): the resource of every batch."""

    def __init__(self) -> None:
        self.resources: list[dict] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = ExportTraceServiceRequest.FromString(self.rfile.read(int(self.headers["Content-Length"])))
                for batch in request.resource_spans:
                    said = {a.key: a.value.string_value or a.value.int_value for a in batch.resource.attributes}
                    collector.resources.append({**said, "spans": sum(len(s.spans) for s in batch.scope_spans)})
                body = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


def test_each_forked_replica_exports_its_own_spans_under_its_own_pid(tmp_path):
    collector = Collector()
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    kitchen = Kitchen("streaming", tmp_path, env={"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.server_port}"})
    try:
        template = template_of(kitchen)
        assert "mini_services" in " ".join(template.cmdline())  # forked from the control plane: its command line
        pids = replica_pids(kitchen)
        assert len(set(pids.values())) == len(pids) == 5 and template.pid not in pids.values()
        assert kitchen.entry().status_code == 200

        def every_replica_exported() -> dict[str, int]:
            seen = {r["service.instance.id"]: r["process.pid"] for r in list(collector.resources) if r["spans"]}
            return seen if set(pids) <= set(seen) else {}
        seen = wait_for(every_replica_exported, 5, "spans of every replica at the collector")
        assert {replica: seen[replica] for replica in pids} == pids, "a replica's spans carry another pid"
    finally:
        kitchen.stop()
        collector.shutdown()


def test_killing_one_forked_replica_leaves_its_siblings_and_the_template_alone(new_kitchen):
    kitchen = new_kitchen("streaming")
    kitchen.post("/services/recommendations/scale", {"replicas": 3})
    wait_for(lambda: len(kitchen.up("recommendations")) == 3, 10, "three recommendations replicas")
    template, before = template_of(kitchen), replica_pids(kitchen)
    victim = kitchen.up("recommendations")[1]
    killed = kitchen.post("/services/recommendations/kill", {"replica": victim["id"]})
    assert [r["state"] for r in killed["replicas"] if r["id"] == victim["id"]] == ["down"]
    assert not alive(victim["pid"]), "kill answered before the replica was gone"
    after = replica_pids(kitchen)
    assert after == {rid: pid for rid, pid in before.items() if rid != victim["id"]}
    assert all(alive(pid) for pid in after.values()) and template.is_running()
    assert kitchen.entry().status_code == 200
    kitchen.post("/services/recommendations/restart")
    wait_for(lambda: len(kitchen.up("recommendations")) == 3, 10, "the killed replica back")
    again = replica_pids(kitchen)[victim["id"]]
    assert again != victim["pid"] and psutil.Process(again).ppid() == template.pid, "not forked from the template"


@pytest.mark.alone
def test_sigkill_of_the_control_plane_takes_the_template_and_every_replica_within_2s(new_kitchen):
    kitchen = new_kitchen("restaurant")
    kitchen.post("/services/chef/scale", {"replicas": 4})
    wait_for(lambda: len(kitchen.up("chef")) == 4, 10, "four chefs")
    template = template_of(kitchen)
    pids = {template.pid, *replica_pids(kitchen).values()}
    assert len(pids) == 10  # the template, 8 Python replicas (4 chefs) and the rail
    kitchen.process.send_signal(signal.SIGKILL)
    kitchen.process.wait()
    wait_for(lambda: not any(alive(p) for p in pids), 2, "the template and every replica to die with the control plane")


def test_a_dead_template_is_replaced_and_the_kitchen_keeps_working(new_kitchen):
    kitchen = new_kitchen("restaurant")
    template = template_of(kitchen)
    first = replica_pids(kitchen, forked_only=True)
    os.kill(template.pid, signal.SIGKILL)  # its replicas die with it (PR_SET_PDEATHSIG)
    wait_for(lambda: not any(alive(p) for p in first.values()), 2, "the template's replicas to die with it")
    wait_for(lambda: all(r["state"] == "down" for s in kitchen.cluster()["services"] for r in s["replicas"]
                         if s["name"] != "rail"), 5, "every forked replica to read down (the rail is no fork)")
    for name in {s["name"] for s in kitchen.cluster()["services"]}:
        kitchen.post(f"/services/{name}/restart")
    wait_for(kitchen.all_up, 20, "every service back (started the old way while a fresh template starts)")
    assert kitchen.entry().status_code == 200

    fresh: list[psutil.Process] = []

    def forked_by_a_fresh_template() -> bool:  # once the new template is ready, new replicas come from it
        kitchen.post("/services/chef/scale", {"replicas": 1})
        kitchen.post("/services/chef/scale", {"replicas": 2})
        wait_for(lambda: len(kitchen.up("chef")) == 2, 10, "two chefs")
        newest = max(kitchen.up("chef"), key=lambda r: int(r["id"].rsplit("-", 1)[1]))
        fresh[:] = [psutil.Process(psutil.Process(newest["pid"]).ppid())]
        return "mini_services.control.template" in fresh[0].cmdline() and fresh[0].ppid() == kitchen.process.pid
    wait_for(forked_by_a_fresh_template, 15, "a scale-up forked by the fresh template", every=0.5)
    kitchen.stop()  # asserts every replica is gone
    wait_for(lambda: not alive(fresh[0].pid), 2, "the fresh template to stop with its control plane")


APP = """
import json, os, sys
os.environ["KITCHEN_DATA_ROOT"] = sys.argv[1]
from lessons.private import PrivateKitchens
registry = PrivateKitchens()
mine = registry.get("learner")
print(json.dumps({"template": registry.template.pid, "control": mine.process.pid}), flush=True)
sys.stdin.read()  # until killed
"""


def test_private_kitchens_are_forked_from_the_apps_kitchen_template_and_go_when_the_app_is_killed(tmp_path):
    app = subprocess.Popen([sys.executable, "-c", APP, str(tmp_path)], cwd=ROOT, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True)
    try:
        line = app.stdout.readline()
        while line and not line.startswith("{"):  # the kitchen's own first line comes out here too
            line = app.stdout.readline()
        started = json.loads(line)
        control = psutil.Process(started["control"])
        assert control.ppid() == started["template"], "the private kitchen was not forked from the kitchen template"
        pids = {started["template"], control.pid, *(p.pid for p in control.children(recursive=True))}
        assert len(pids) == 8, f"kitchen template, control plane, replica template, five replicas: {pids}"
    finally:
        app.kill()  # SIGKILL: the app has no chance to stop anything itself
        app.wait()
        app.stdout.close()
        app.stdin.close()
    wait_for(lambda: not any(alive(p) for p in pids), 10, "the kitchen template and its kitchen to stop with the app")
