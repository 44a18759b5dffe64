"""The baseline for every hop: uvicorn + FastAPI on 127.0.0.1, no tracing, no middleware.

Served exactly as a kitchen replica is (uvloop, httptools, no access log), so the only
difference from a replica is what the kitchen adds. Prints its base URL on the first line.

    GET /ping            {"ok": true}
    GET /users/{id}      a user-sized JSON answer
    GET /sleep/{ms}      the same answer after ``asyncio.sleep(ms)`` (the kitchen's simulated service time)
"""

from __future__ import annotations

import asyncio
import socket

import uvicorn
from fastapi import FastAPI

app = FastAPI()
USER = {"id": 7, "name": "Hana Tanaka", "email": "hana.7@example.com", "country": "BR"}


@app.get("/ping")
async def ping() -> dict:
    return {"ok": True}


@app.get("/users/{user_id}")
async def user(user_id: int) -> dict:
    return {**USER, "id": user_id}


@app.get("/sleep/{ms}")
async def sleep(ms: float) -> dict:
    await asyncio.sleep(ms / 1000)
    return USER


if __name__ == "__main__":
    sock = socket.create_server(("127.0.0.1", 0))
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, loop="uvloop", http="httptools", log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
