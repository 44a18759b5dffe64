"""Live view: what one 1-second refresh costs the server, and what ten open tabs cost.

Targets (the issue): one refresh of the live view costs the server < 100 ms with >= 1,000 spans in
the graph's window; N tabs on the Control room cost the control plane about one snapshot a second,
not N (lessons/live.py: every tab shares one ``LiveFeed`` per kitchen: one read and one set of
figures a second, whatever the number of tabs).

(1) one tick, server side: a streaming kitchen under the load generator (60 entry requests/s, 9 spans
    each, kept running while measuring) so that /graph's 10 s window holds >= 1,000 spans. Then,
    N times, the tick of the tab that finds the shared frame old, the costliest: ``LiveFeed.frame()``
    (the four reads: cluster, graph(window_s=10), traces(15, complete=True), load; then
    ``graph_figure``), ``LiveFeed.waterfall(newest trace)``, and what ``st.plotly_chart`` does with
    both figures in every tab (``to_dict``, JSON). Prints p50/p95 of the whole tick and of each part.
(2) ten tabs: ``streamlit run app.py`` attached to that kitchen (KITCHEN_CONTROL_URL), one headless
    Debian Chromium, the Control room open in 0, 1, then 10 tabs, 10 entry requests/s of load.
    Prints the CPU (% of one core) of the Streamlit server, the control plane, the replicas and the
    browser in each case, and the ratios 10 tabs / 1 tab; per tab, the fragment reruns it asked for
    and the fragment runs the server finished for it (read off its websocket: every 1 s fragment of
    the page counts, the live view's and any other), and how often its waterfall showed new data
    (its title, read once a second); and the HTTP requests Streamlit sent the control plane, in
    total and in each second (counted from the kernel's per-socket ``data_segs_out``, ``ss -ti``:
    one request is one segment; ``snapshot`` makes 4).

Run: ``python bench/live_view.py [--ticks 50] [--seconds 20]`` (about 2.5 min).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import plotly.io
import plotly.tools
import psutil
from _common import (ROOT, CpuShare, Kitchen, _assert_gone, _die_with_parent, cpu_seconds, kitchen, ms, percentile, tree,
                     wait_for)
from playwright import sync_api as playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from lessons.figures import graph_figure
from lessons.kitchen import free_port
from lessons.live import TRACES, LiveFeed

TARGET_TICK_MS = 100.0
MIN_SPANS = 1000
TICK_LOAD_RPS = 60  # entry requests/s while a tick is timed (9 spans each: ~5,400 spans in a 10 s window)
TABS_LOAD_RPS = 10  # light load while tabs are open
TABS = 10
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
LIVE = "[data-testid=stApp][data-test-script-state=notRunning]"
FRAGMENT_DONE = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN


# ---- (1) one tick ------------------------------------------------------------------------------
def spans_in_window(graph: dict) -> tuple[int, int]:
    """(server spans, client spans) behind /graph's figures: a node's rps x window, an edge's calls."""
    server = sum(round(n["rps"] * graph["window_s"]) for n in graph["nodes"])
    client = sum(e["calls"] for e in graph["edges"])
    return server, client


PARTS = ("reads + graph_figure", "waterfall_figure", "per tab: figures to JSON", "whole tick")


def as_streamlit_sends(fig) -> int:
    """What ``st.plotly_chart`` does with a built figure in every tab: ``to_dict`` (a deep copy), then JSON."""
    return len(plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True),
                                 validate=False))


def one_tick(feed: LiveFeed) -> tuple[dict[str, float], dict]:
    """The tick of the tab that finds the shared frame old (each part timed in ms): read the kitchen and build
    the graph (``feed.frame()``), build the newest trace's waterfall, and turn both into JSON as Streamlit does.
    Every other tab in that second only does the last part, on the frame this tick built."""
    t: dict[str, float] = {}
    clock = time.perf_counter
    began = last = clock()

    def lap(name: str) -> None:
        nonlocal last
        now = clock()
        t[name] = (now - last) * 1000
        last = now

    feed.stale()
    frame = feed.frame()
    lap("reads + graph_figure")
    traces = frame.data["traces"]
    waterfall = feed.waterfall(traces[0]) if traces else None
    lap("waterfall_figure")
    sent = as_streamlit_sends(frame.graph) + (as_streamlit_sends(waterfall) if waterfall else 0)
    lap("per tab: figures to JSON")
    t["whole tick"] = (clock() - began) * 1000
    return t, {"snap": frame.data, "complete": bool(traces), "json_chars": sent, "graph_figure": frame.graph}


def server_ticks(k: Kitchen, ticks: int) -> float:
    feed = LiveFeed(k.url)
    client = feed.client
    try:
        k.post("/load", {"rps": TICK_LOAD_RPS, "duration_s": 120})
        began = time.monotonic()

        def window_full() -> bool:  # >= 1,000 spans, and the 10 s window has had 10 s to fill
            return sum(spans_in_window(client.graph(window_s=10))) >= MIN_SPANS and time.monotonic() - began >= 10

        wait_for(window_full, 40, f">= {MIN_SPANS} spans in /graph's 10 s window", every=0.5)
        for _ in range(3):  # warm up (plotly's first figure imports and validates a lot)
            one_tick(feed)
        times: dict[str, list[float]] = {p: [] for p in PARTS}
        reads: list[float] = []
        counts: list[int] = []
        waterfalls: list[bool] = []
        with CpuShare() as share:
            for _ in range(ticks):
                t, info = one_tick(feed)
                for p in PARTS:
                    times[p].append(t[p])
                counts.append(sum(spans_in_window(info["snap"]["graph"])))
                waterfalls.append(info["complete"])
        for _ in range(ticks):  # the four reads alone (the rest of "reads + graph_figure" is the figure)
            t0 = time.perf_counter()
            client.cluster(), client.graph(window_s=10), client.traces(TRACES, complete=True), client.load()
            reads.append((time.perf_counter() - t0) * 1000)
        snap, load = info["snap"], info["snap"]["load"]
        graph_ms = []
        for _ in range(ticks):
            t0 = time.perf_counter()
            graph_figure(snap["cluster"], snap["graph"])
            graph_ms.append((time.perf_counter() - t0) * 1000)
        server, client_spans = spans_in_window(snap["graph"])
        sizes = {name: len(httpx.get(f"{k.url}{path}").content) for name, path in
                 (("/cluster", "/cluster"), ("/graph", "/graph?window_s=10"),
                  ("/traces", f"/traces?limit={TRACES}&complete=true"), ("/load", "/load"))}
    finally:
        client.http.close()
        k.control.delete("/load")
    print(f"(1) one live-view tick, server side, {ticks} times, load {TICK_LOAD_RPS} entry requests/s running"
          f" (answered {load['achieved_rps']:.0f}/s, {load['degraded']} degraded, {load['failed']} failed so far)")
    print(f"  spans in /graph's 10 s window: {min(counts)}..{max(counts)} over the ticks (last: {server} server + "
          f"{client_spans} client spans; {len(snap['graph']['nodes'])} nodes, {len(snap['graph']['edges'])} edges);"
          f" /traces: {len(snap['traces'])} complete traces, {sum(len(t['spans']) for t in snap['traces'])} spans;"
          f" store: about {load['completed'] * 9} spans")
    print("  answer sizes: " + ", ".join(f"{n} {b / 1024:.1f} KiB" for n, b in sizes.items())
          + f"; figures as JSON: {info['json_chars'] / 1024:.1f} KiB")
    print("  the tick of the tab that finds the frame old (reads, builds, sends):")
    for p in PARTS:
        print(f"  {p:>26}: p50 {ms(percentile(times[p], 50))}   p95 {ms(percentile(times[p], 95))}"
              f"   max {ms(max(times[p]))}")
    print(f"  of which the four reads p50 {ms(percentile(reads, 50))}, graph_figure p50 {ms(percentile(graph_ms, 50))}"
          f" (timed apart); every other tab that second: only 'per tab', p50 {ms(percentile(times[PARTS[2]], 50))}")
    missing = waterfalls.count(False)
    print(f"  {ticks - missing} of {ticks} ticks had a complete trace to draw (/traces?complete=true)")
    print(f"  {share.summary()}")
    return percentile(times["whole tick"], 95)


# ---- (2) ten tabs ------------------------------------------------------------------------------
def requests_sent(from_pid: int, to_port: int) -> dict[int, int]:
    """Local port -> data segments sent, for every TCP connection of ``from_pid`` to 127.0.0.1:``to_port``."""
    try:
        conns = psutil.Process(from_pid).net_connections(kind="tcp")
    except psutil.NoSuchProcess:
        return {}
    mine = {c.laddr.port for c in conns if c.raddr and c.raddr.port == to_port}
    out = subprocess.run(["ss", "-tinH", "state", "established", "dport", "=", f":{to_port}"],
                         capture_output=True, text=True, check=False).stdout
    sent: dict[int, int] = {}
    port = None
    for line in out.splitlines():
        if line and not line[0].isspace():
            port = int(line.split()[2].rsplit(":", 1)[1])
        elif port in mine:
            found = re.search(r"data_segs_out:(\d+)", line)
            sent[port] = int(found.group(1)) if found else 0
    return sent


class App:
    """``streamlit run app.py`` attached to the kitchen at ``control_url``; SIGINT at the end, then checked gone."""

    def __init__(self, control_url: str, tmp: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        others = {f"KITCHEN_{n}_URL": f"http://127.0.0.1:{free_port()}"  # never the ports after the kitchen's
                  for n in ("RESTAURANT", "RESTAURANT_MONOLITH", "STREAMING_MONOLITH")}
        env = {**os.environ, "KITCHEN_CONTROL_URL": control_url, "KITCHEN_DATA_ROOT": str(tmp / "data"), **others}
        self.log_path = tmp / "streamlit.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent)
        try:
            wait_for(lambda: httpx.get(f"{self.url}/_stcore/health", timeout=1).status_code == 200, 40, "Streamlit")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        pids = {p.pid for p in tree(self.process.pid)}
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                print("  (Streamlit did not stop within 15 s of SIGINT: killed)")
        self.log.close()
        _assert_gone(pids, "Streamlit")


def count_messages(ws, counts: dict[str, int]) -> None:
    """Count a tab's fragment rerun requests, and its fragment runs finished (or cut short for a rerun)."""
    if "/_stcore/stream" not in ws.url:
        return

    def sent(payload: bytes | str) -> None:
        msg = BackMsg.FromString(payload if isinstance(payload, bytes) else payload.encode())
        if msg.WhichOneof("type") == "rerun_script" and msg.rerun_script.fragment_id:
            counts["asked"] += 1

    def received(payload: bytes | str) -> None:
        msg = ForwardMsg.FromString(payload if isinstance(payload, bytes) else payload.encode())
        if msg.WhichOneof("type") == "script_finished":
            if msg.script_finished == FRAGMENT_DONE:
                counts["done"] += 1
            elif msg.script_finished == EARLY:
                counts["early"] += 1

    ws.on("framesent", sent)
    ws.on("framereceived", received)


def open_control_rooms(context, url: str, count: int, tabs: dict[int, dict[str, int]]) -> list:
    """``count`` new tabs on the app's root, then the sidebar's Control room link in each (all tabs at once,
    step by step: their waits overlap). ``tabs[i]`` counts tab i's fragment rerun requests ("asked") and
    the fragment runs the server finished for it ("done"), read off its websocket."""
    pages = []
    for _ in range(count):
        page = context.new_page()
        tabs[len(tabs)] = counts = {"asked": 0, "done": 0, "early": 0}
        page.on("websocket", lambda ws, counts=counts: count_messages(ws, counts))
        page.goto(url, wait_until="commit")
        pages.append(page)
    for page in pages:
        page.wait_for_selector(LIVE, timeout=90_000)
    for page in pages:
        page.get_by_role("link", name="Control room", exact=True).click()
    for page in pages:
        page.wait_for_selector("h1:has-text('Control room')", timeout=60_000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('svg text')].some(e => e.textContent.includes('billing'))",
            timeout=60_000)
    return pages


def waterfall_title(page) -> str | None:
    """The title of the tab's waterfall (its trace and duration): it changes whenever the live view redraws new data."""
    return page.evaluate("() => document.querySelector('.gtitle')?.textContent ?? null")


def measure(label: str, seconds: float, waiter, groups: dict[str, list[psutil.Process]], app: App,
            control_port: int, tabs: dict[int, dict[str, int]], pages: list) -> dict[str, float]:
    """CPU % of one core per group over ``seconds``; rerun requests per tab; Streamlit's requests to the control plane."""
    before = {g: cpu_seconds(ps) for g, ps in groups.items()}
    tabs0, reqs0 = {i: dict(c) for i, c in tabs.items()}, requests_sent(app.process.pid, control_port)
    samples = [reqs0]  # the request counters once a second (a few ms each: one `ss` run)
    titles = [[waterfall_title(page)] for page in pages]  # and what each tab shows
    began = time.monotonic()
    with CpuShare() as share:
        for second in range(1, int(seconds) + 1):  # waiting lets Playwright deliver the tabs' websocket events
            waiter.wait_for_timeout(max(0.0, began + second - time.monotonic()) * 1000)
            samples.append(requests_sent(app.process.pid, control_port))
            for seen, page in zip(titles, pages):
                seen.append(waterfall_title(page))
    wall = time.monotonic() - began
    out = {g: (cpu_seconds(ps) - before[g]) / wall * 100 for g, ps in groups.items()}
    asked = [(c["asked"] - tabs0[i]["asked"]) / wall for i, c in tabs.items()]
    done = [(c["done"] - tabs0[i]["done"]) / wall for i, c in tabs.items()]
    early = sum(c["early"] - tabs0[i]["early"] for i, c in tabs.items())
    redrawn = [sum(a != b for a, b in zip(seen, seen[1:])) / wall for seen in titles]
    per_second = [sum(n - a.get(port, 0) for port, n in b.items()) for a, b in zip(samples, samples[1:])]
    out["requests/s"] = sum(per_second) / wall
    out["asked/s"] = sum(asked) / len(asked) if asked else 0.0
    out["done/s"] = sum(done) / len(done) if done else 0.0
    out["redrawn/s"] = sum(redrawn) / len(redrawn) if redrawn else 0.0
    print(f"  {label:>7}: Streamlit {out['Streamlit']:5.1f}%   control plane {out['control plane']:5.1f}%"
          f"   replicas {out['replicas']:5.1f}%   browser {out['browser']:6.1f}%   (of one core, over {wall:.1f} s)")
    print(f"           Streamlit -> control plane: {out['requests/s']:.2f} HTTP requests/s"
          f" (about {out['requests/s'] / 4:.2f} snapshots/s)"
          )
    if tabs:
        print(f"           each tab: fragment reruns asked {min(asked):.2f}..{max(asked):.2f}/s,"
              f" finished by the server {min(done):.2f}..{max(done):.2f}/s ({early} cut short for a rerun in all);"
              f" waterfall showing new data {min(redrawn):.2f}..{max(redrawn):.2f}/s (its title read"
              f" {len(titles[0]) - 1} times per tab in {wall:.0f} s: a busy browser answers slowly)")
    print(f"           requests in each second: {' '.join(map(str, per_second))}")
    print(f"           {share.summary()}")
    return out


def ten_tabs(k: Kitchen, seconds: float) -> tuple[dict, dict, dict]:
    control_port = int(k.url.rsplit(":", 1)[1])
    k.post("/load", {"rps": TABS_LOAD_RPS, "duration_s": 600})
    print(f"(2) the Control room in {TABS} tabs of one headless Chromium; load {TABS_LOAD_RPS} entry requests/s;"
          f" CPU over {seconds:g} s each")
    with tempfile.TemporaryDirectory(prefix="bench-live-view-") as tmp:
        began = time.monotonic()
        app = App(k.url, Path(tmp))
        try:
            print(f"  Streamlit answered /_stcore/health {time.monotonic() - began:.1f} s after it was started")
            with playwright.sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    kitchen_tree = tree(k.process.pid)
                    ours = {os.getpid(), *(q.pid for q in kitchen_tree), *(q.pid for q in tree(app.process.pid))}
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    tabs: dict[int, dict[str, int]] = {}
                    waiter = context.new_page()  # a blank tab to wait on, so waiting never touches the measured ones

                    def groups() -> dict[str, list[psutil.Process]]:
                        return {"Streamlit": tree(app.process.pid), "control plane": [psutil.Process(k.process.pid)],
                                "replicas": kitchen_tree[1:],
                                "browser": [q for q in tree(os.getpid()) if q.pid not in ours]}

                    zero = measure("0 tabs", seconds / 3, waiter, groups(), app, control_port, tabs, [])
                    t0 = time.monotonic()
                    pages = open_control_rooms(context, app.url, 1, tabs)
                    print(f"  first tab live on the Control room after {time.monotonic() - t0:.1f} s")
                    waiter.wait_for_timeout(2000)
                    one = measure("1 tab", seconds, waiter, groups(), app, control_port, tabs, pages)
                    t0 = time.monotonic()
                    pages += open_control_rooms(context, app.url, TABS - 1, tabs)
                    print(f"  {TABS - 1} more tabs live after {time.monotonic() - t0:.1f} s")
                    waiter.wait_for_timeout(2000)
                    ten = measure(f"{TABS} tabs", seconds, waiter, groups(), app, control_port, tabs, pages)
                    still = sum(page.locator("h1:has-text('Control room')").count() == 1 for page in pages)
                    print(f"  {still} of {len(pages)} tabs still show the Control room at the end")
                finally:
                    browser.close()
        finally:
            app.stop()
            k.control.delete("/load")
    return zero, one, ten


def main(ticks: int, seconds: float) -> None:
    with CpuShare() as whole:
        with kitchen("streaming") as k:
            print(f"a streaming kitchen at {k.url}, all up {k.startup_s:.1f} s after it was started")
            tick_p95 = server_ticks(k, ticks)
            zero, one, ten = ten_tabs(k, seconds)
    print()
    verdict = "PASS" if tick_p95 < TARGET_TICK_MS else "FAIL"
    print(f"  one tick, p95: {tick_p95:.1f} ms = {tick_p95 / TARGET_TICK_MS:.2f}x the target of"
          f" {TARGET_TICK_MS:.0f} ms ({verdict})")

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b > 0 else "n/a"

    for group in ("Streamlit", "control plane"):
        print(f"  {group} CPU, {TABS} tabs / 1 tab: {ten[group]:.1f}% / {one[group]:.1f}% = {ratio(ten[group], one[group])}"
              f"; above the 0-tab baseline ({zero[group]:.1f}%): {ten[group] - zero[group]:.1f} / "
              f"{one[group] - zero[group]:.1f} points = {ratio(ten[group] - zero[group], one[group] - zero[group])}")
    print(f"  Streamlit -> control plane requests/s, {TABS} tabs / 1 tab: {ten['requests/s']:.2f} / {one['requests/s']:.2f}"
          f" = {ratio(ten['requests/s'], one['requests/s'])} (one snapshot a second = 4 requests/s)")
    print(f"  per tab a second, 1 tab vs {TABS}: fragment runs finished {one['done/s']:.2f} vs {ten['done/s']:.2f}"
          f" (asked {one['asked/s']:.2f} vs {ten['asked/s']:.2f}); waterfall showing new data"
          f" {one['redrawn/s']:.2f} vs {ten['redrawn/s']:.2f} = {ratio(ten['redrawn/s'], one['redrawn/s'])}")
    per_tab = (ten["Streamlit"] - one["Streamlit"]) / (TABS - 1) * 10  # % of a core -> ms of CPU a second
    per_run = {n: f"{o['Streamlit'] * 10 / (o['done/s'] * n):.1f} ms" if o["done/s"] else "n/a (none finished)"
               for n, o in ((1, one), (TABS, ten))}
    print(f"  Streamlit CPU per extra tab: {per_tab:.1f} ms a second; per fragment run finished: {per_run[1]} with"
          f" 1 tab, {per_run[TABS]} with {TABS}")
    print(f"  whole run: {whole.summary()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=50, help="timed ticks (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=20.0, help="CPU window with 1 and 10 tabs (default %(default)s)")
    args = parser.parse_args()
    main(args.ticks, args.seconds)
