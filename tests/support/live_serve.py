"""Run a seaforge serve app on loopback in a background thread, and a scripted engine for tests.

Not part of the package: tests/serve/conftest.py and bench/bench_serve.py put this folder on sys.path.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn

from seaforge.serve.engine import Event, Prepared


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """`with LiveServer(app) as srv: srv.base_url` (http://127.0.0.1:PORT/v1)."""

    def __init__(self, app):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.base_url = self.url + "/v1"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=30)


class ScriptedEngine:
    """Answers every request with the same pieces of text, one event per piece (for guard tests)."""

    backend = "scripted"
    context = 4096

    def __init__(self, pieces: list[str], delay: float = 0.0):
        self.pieces, self.delay = pieces, delay
        self.queue_depth = 0
        self.cancels = []  # one per request: set when the server cancels it

    def start(self):
        pass

    def stop(self):
        pass

    def prepare(self, inp):
        text = inp.prompt if inp.messages is None else " ".join(m["content"] for m in inp.messages)
        return Prepared(inp, len(text.split()) or 1)

    def submit(self, prepared, cancel):
        self.cancels.append(cancel)

        async def events():
            n = prepared.input.n
            for index in range(n):
                for i, piece in enumerate(self.pieces):
                    if cancel.is_set():
                        yield Event(index, "", [], "cancelled", i)
                        break
                    if self.delay:
                        await asyncio.sleep(self.delay)
                    last = i == len(self.pieces) - 1
                    yield Event(index, piece, [], "stop" if last else None, i + 1)

        return events()
