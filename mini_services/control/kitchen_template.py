"""The app's kitchen template: a warm template that forks whole kitchens (control planes) for private kitchens.

    python -m mini_services.control.kitchen_template    (started by forked.WarmTemplate.exec_new(kitchens=True))

It imports the control plane as well as every service (template.preload), so a private kitchen skips both; each
kitchen it forks then forks its own replica template. It outlives its owner only while its kitchens stop.
Kept apart from template.py so the replica template never imports the control plane.
"""

from __future__ import annotations

import importlib
import os
import socket
from typing import NoReturn

from mini_services.control.template import CHANNEL_FD_VAR, finish_as, own_process, preload, send, serve_forks


def _become_kitchen(request: dict, fds: list[int], template_pid: int, template_fds: list[int]) -> NoReturn:
    """A kitchen's control plane forked from the app's kitchen template: ``python -m mini_services <argv>``."""
    from mini_services.__main__ import main as serve_main

    out_fd, err_fd = fds
    finish_as(lambda: (own_process(template_pid, template_fds, out_fd, err_fd), serve_main(request["argv"])))


def main() -> None:
    channel = socket.socket(fileno=int(os.environ[CHANNEL_FD_VAR]))
    owner = os.getppid()
    importlib.import_module("mini_services.__main__")
    importlib.import_module("mini_services.control.api")
    preload()
    send(channel, {"ready": True})
    serve_forks(channel, owner, _become_kitchen, linger_s=10.0)


if __name__ == "__main__":
    main()
