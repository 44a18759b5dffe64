"""Command line: ``python -m mini_services serve --topology streaming|restaurant [...]``.

Runs the control plane in the foreground; it starts every replica. SIGINT (Ctrl-C) or SIGTERM
stops everything it started.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
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
    return parser.parse_args(argv)


def serve(args: argparse.Namespace) -> None:
    from mini_services.control.api import create_app

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
    app = create_app(TOPOLOGIES[args.topology], args.architecture, data_dir, control_url, args.owner_pid, key)
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


def main(argv: list[str] | None = None) -> None:
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.command == "serve":
        serve(args)


if __name__ == "__main__":
    main()
