"""A small OpenAI-compatible server on 127.0.0.1 for the eval tests and the concurrency benchmark.

Not part of the installed package: tests import it as `loopback_server` (tests/eval/conftest.py
puts this folder on sys.path) and bench/bench_eval_openai.py adds the folder itself.

It answers /v1/chat/completions and /v1/completions with a Python function, can fail the first
requests on purpose (to exercise retries), and can batch concurrent requests, either statically
(gather for a short window, answer the batch) or continuously the way vLLM and SGLang do
(`decode_steps`: a request joins the running batch at the next step and leaves after its steps),
so a client's concurrency can be measured against a batching server.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class RawReply:
    """What a responder returns instead of a text to play a broken endpoint: sent as is."""

    body: bytes
    status: int = 200


# respond(list of (path, body)) -> list of response texts (or RawReply), one per request
Responder = Callable[[list[tuple[str, dict]]], list]


def prompt_text(path: str, body: dict) -> str:
    """The text a request asks about: the last user message, or the completion prompt."""
    if path.endswith("/chat/completions"):
        return body["messages"][-1]["content"]
    return body.get("prompt", "")


@dataclass
class ServerStats:
    requests: int = 0
    batches: list[int] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    failures_sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class LoopbackServer:
    """`with LoopbackServer(respond) as srv: ... srv.base_url` (http://127.0.0.1:PORT/v1)."""

    def __init__(
        self,
        respond: Responder,
        max_batch: int = 1,
        batch_wait_s: float = 0.005,
        fail_first: int = 0,
        fail_status: int = 429,
        retry_after: float | None = 0.0,
        max_body: int = 1 << 20,
        decode_steps: int = 0,
        step_s: float = 0.01,
    ):
        self.respond, self.max_batch, self.batch_wait_s = respond, max_batch, batch_wait_s
        self.decode_steps, self.step_s = decode_steps, step_s
        self.fail_first, self.fail_status, self.retry_after = fail_first, fail_status, retry_after
        self.max_body = max_body
        self.stats = ServerStats()
        self._queue: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    # --- batching worker ------------------------------------------------------------------

    def _continuous_worker(self) -> None:
        """Each step costs `step_s` whatever the batch size; requests finish after `decode_steps`."""
        active: list[list] = []  # [steps left, future, text]
        while not self._stop.is_set():
            new = []
            while len(active) + len(new) < self.max_batch:
                try:
                    new.append(self._queue.get(timeout=0.05 if not (active or new) else 0))
                except queue.Empty:
                    break
            if new:
                self.stats.batches.append(len(active) + len(new))
                texts = self.respond([(p, b) for p, b, _ in new])
                active += [[self.decode_steps, fut, text] for (_, _, fut), text in zip(new, texts)]
            if not active:
                continue
            time.sleep(self.step_s)
            for entry in active:
                entry[0] -= 1
                if entry[0] <= 0:
                    entry[1].set_result(entry[2])
            active = [e for e in active if e[0] > 0]

    def _worker(self) -> None:
        if self.decode_steps:
            return self._continuous_worker()
        while not self._stop.is_set():
            try:
                first = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            batch = [first]
            deadline = time.monotonic() + self.batch_wait_s
            while len(batch) < self.max_batch:  # gather what arrives within the window
                try:
                    batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            self.stats.batches.append(len(batch))
            try:
                texts = self.respond([(p, b) for p, b, _ in batch])
                for (_, _, fut), text in zip(batch, texts):
                    fut.set_result(text)
            except Exception as err:  # surface responder bugs to the waiting requests
                for _, _, fut in batch:
                    fut.set_exception(err)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: a new TCP connection per request would dominate

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _send_raw(self, reply: RawReply) -> None:
                self.send_response(reply.status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                length = int(self.headers.get("Content-Length", 0))
                if length > server.max_body:  # bounded requests
                    self._send(413, {"error": "request too large"})
                    return
                body = json.loads(self.rfile.read(length) or b"{}")
                stats = server.stats
                with stats.lock:
                    stats.requests += 1
                    fail = stats.failures_sent < server.fail_first
                    if fail:
                        stats.failures_sent += 1
                    stats.in_flight += 1
                    stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
                try:
                    if fail:
                        headers = {"Retry-After": str(server.retry_after)} if server.retry_after is not None else {}
                        self._send(server.fail_status, {"error": "try again"}, headers)
                        return
                    if self.path not in ("/v1/chat/completions", "/v1/completions"):
                        self._send(404, {"error": f"no route {self.path}"})
                        return
                    fut: Future = Future()
                    server._queue.put((self.path, body, fut))
                    text = fut.result(timeout=60)
                    if isinstance(text, RawReply):
                        self._send_raw(text)
                    else:
                        self._send(200, _payload(self.path, body, text))
                finally:
                    with stats.lock:
                        stats.in_flight -= 1

        return Handler

    # --- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> LoopbackServer:
        self._threads = [
            threading.Thread(target=self.httpd.serve_forever, daemon=True),
            threading.Thread(target=self._worker, daemon=True),
        ]
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _payload(path: str, body: dict, text: str) -> dict:
    if path.endswith("/chat/completions"):
        return {
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        }
    choice: dict = {"index": 0, "text": text, "finish_reason": "stop"}
    if body.get("echo") and body.get("logprobs") is not None:
        choice["logprobs"] = _echo_logprobs(body.get("prompt", ""), text)
    return {"object": "text_completion", "model": body.get("model"), "choices": [choice]}


def _echo_logprobs(prompt: str, scores: str) -> dict:
    """Whitespace "tokens" of the prompt with log-probs the responder gave as a JSON list."""
    tokens, offsets, pos = [], [], 0
    for word in prompt.split(" "):
        tokens.append(word if not offsets else " " + word)
        offsets.append(pos)
        pos += len(tokens[-1])
    values = json.loads(scores) if scores else [-1.0] * len(tokens)
    values = [None] + list(values[1 : len(tokens)])  # the first token has no log-prob
    return {"tokens": tokens, "text_offset": offsets, "token_logprobs": values}
