"""Command line: ``python -m mini_services serve --topology streaming|restaurant [...]``.

Runs the control plane in the foreground; it starts every replica. SIGINT (Ctrl-C) or SIGTERM
stops everything it started.

``python -m mini_services scenario NAME [--control-url URL] [--list]`` plays a scenario script
(``mini_services/scenarios/NAME.toml``, or any .toml path) on a running kitchen: its control plane plays
it (every tab of the app sees the same story) and the CLI prints each narration line as it happens.
Ctrl-C stops the story on the kitchen, switches its load off, and exits.
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import os
import secrets
import signal
import socket
import sys
from pathlib import Path

import uvicorn

from mini_services.settings import settings
from mini_services.topologies import ARCHITECTURES, TOPOLOGIES


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m mini_services", description="Microservices Kitchen runtime")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run a kitchen: its control plane and every service")
    serve.add_argument("--topology", choices=sorted(TOPOLOGIES), default="streaming")
    serve.add_argument("--architecture", choices=ARCHITECTURES, default="microservices")
    serve.add_argument("--port", type=int, default=settings.control_port, help="control plane port (default %(default)s)")
    serve.add_argument("--data-dir", type=Path, default=None,
                       help="where each service keeps its SQLite file (default: under %s)" % settings.data_root)
    serve.add_argument("--share", action="store_true",
                       help="serve a class: listen beyond 127.0.0.1; changes need the instructor's key "
                            "(KITCHEN_INSTRUCTOR_KEY, or one generated and printed once)")
    serve.add_argument("--owner-pid", type=int, default=None, help=argparse.SUPPRESS)  # stop when this process ends
    scenario = commands.add_parser("scenario", help="play a scenario script against a running kitchen")
    scenario.add_argument("name", nargs="?", help="a scenario (valentine, \"Valentine's Day spike\") or a .toml file")
    scenario.add_argument("--control-url", default=os.environ.get("KITCHEN_CONTROL_URL",
                                                                  f"http://127.0.0.1:{settings.control_port}"),
                          help="the kitchen's control plane (default %(default)s; a shared kitchen's key is "
                               "taken from KITCHEN_INSTRUCTOR_KEY)")
    scenario.add_argument("--list", action="store_true", help="list the scenarios and stop")
    return parser.parse_args(argv)


def serve(args: argparse.Namespace) -> None:
    from mini_services.control.forked import WarmTemplate

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    data_dir = (args.data_dir or settings.data_root / f"{args.topology}-{args.architecture}").resolve()
    host = "0.0.0.0" if args.share else settings.host
    try:  # bind before anything starts, so a busy port fails at once and starts nothing
        sock = socket.create_server((host, args.port))
    except OSError as exc:
        sys.exit(f"cannot listen on {host}:{args.port}: {exc.strerror} (is a kitchen already running?)")
    control_url = f"http://127.0.0.1:{sock.getsockname()[1]}"  # --port 0 picks a free port
    key = None
    if args.share:
        key = os.environ.get("KITCHEN_INSTRUCTOR_KEY") or secrets.token_urlsafe(16)
    template = WarmTemplate.fork_here()  # before any thread starts: every Python replica is forked from it
    from mini_services.control.api import create_app  # after: the template holds no copy of what only we use

    app = create_app(TOPOLOGIES[args.topology], args.architecture, data_dir, control_url, args.owner_pid, key,
                     template=template)
    print(f"Microservices Kitchen: {args.topology} ({args.architecture}) control plane on {control_url}, "
          f"data in {data_dir}", flush=True)
    if args.share and not os.environ.get("KITCHEN_INSTRUCTOR_KEY"):
        print(f"Shared with the class on port {sock.getsockname()[1]} of every address of this machine. "
              f"Instructor key (shown this once): {key}", flush=True)
    elif args.share:
        print("Shared with the class; changes need the key in KITCHEN_INSTRUCTOR_KEY.", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, loop="uvloop", http="httptools",
                            timeout_graceful_shutdown=3)
    uvicorn.Server(config).run(sockets=[sock])


def play_scenario(args: argparse.Namespace) -> int:
    """Play one scenario on the kitchen's control plane, printing each narration line with its time as the
    kitchen does it; the exit code says how it went. Ctrl-C stops the story there (its load goes off)."""
    from mini_services.scenario import ScenarioError, list_scenarios, load_scenario, shipped_stem
    from mini_services.scenario_cli import KitchenTimeline

    try:
        if args.list:
            for stem, shipped in list_scenarios().items():
                print(f"{stem:16} {shipped.name} ({shipped.topology}, {shipped.length_s:g} s): {shipped.description}")
            return 0
        if not args.name:
            sys.exit("say which scenario to play (python -m mini_services scenario --list shows them)")
        scenario = load_scenario(args.name)  # checked here first: a typo needs no kitchen to be told
        stem = None if args.name.endswith(".toml") or "/" in args.name else shipped_stem(args.name)
    except ScenarioError as problem:
        sys.exit(f"scenario: {problem}")
    timeline = KitchenTimeline(args.control_url, key=os.environ.get("KITCHEN_INSTRUCTOR_KEY"))
    try:
        started = timeline.play({"name": stem} if stem else {"scenario": scenario.model_dump(exclude_unset=True)})
        print(f"Playing {scenario.name!r} ({scenario.length_s:g} s) on {args.control_url}: {scenario.description}",
              flush=True)
        final = timeline.follow(started, lambda line: print(line, flush=True))
    except ScenarioError as problem:
        hint = " (is a kitchen running? python -m mini_services serve)" if "does not answer" in str(problem) else ""
        sys.exit(f"scenario {scenario.name!r}: {problem}{hint}")
    except KeyboardInterrupt:
        try:
            stopped = timeline.stop()
            said = f"Stopped after {stopped['done']} of {stopped['total']} steps; the load is off, the rest of the "
        except ScenarioError as problem:
            said = f"Stopped here, but the kitchen did not take the stop ({problem}); the "
        print(f"\n{said}kitchen stays as it is.", flush=True)
        return 130
    finally:
        timeline.close()
    if final["status"] != "finished":
        sys.exit(f"scenario {scenario.name!r} {final['status']}: {final['error'] or 'another story took the timeline'}")
    print(f"{scenario.name!r} is over.", flush=True)
    return 0


def main(argv: list[str] | None = None) -> None:
    args = parse(sys.argv[1:] if argv is None else argv)
    faulthandler.enable()  # a stuck process sent SIGABRT prints every thread's stack before it dies
    # Ctrl-C (SIGINT) stops us even when started in the background of a script, where the shell hands every
    # program SIGINT ignored and Python would then never raise KeyboardInterrupt (the scenario's stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if args.command == "serve":
        try:
            serve(args)
        except KeyboardInterrupt:  # Ctrl-C: uvicorn has stopped everything in order (or nothing had started yet)
            sys.exit(130)
    elif args.command == "scenario":
        sys.exit(play_scenario(args))


if __name__ == "__main__":
    main()
