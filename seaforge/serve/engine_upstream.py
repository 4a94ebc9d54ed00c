"""Proxy to any OpenAI-compatible server (a vLLM fleet, a hosted API): ours adds keys, limits,
metering and the guard. `--backend vllm` starts `vllm serve` beside us and proxies to it."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import httpx
import orjson

from seaforge.serve.engine import BackendFailure, Cancel, EngineError, Event, GenInput, Prepared

# The upstream tokenises; we only estimate for admission (about 4 characters per token in English,
# fewer in Thai or Burmese), and meter what the upstream reports in `usage`.
CHARS_PER_TOKEN = 3


def list_upstream_models(base_url: str, api_key: str | None = None) -> list[dict]:
    """The models an upstream serves, from its /models; an EngineError naming the URL when it fails."""
    url = base_url.rstrip("/") + "/models"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = httpx.get(url, headers=headers, timeout=10)
        response.raise_for_status()
        data = response.json()["data"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as err:
        raise EngineError(f"upstream {url} did not list its models: {err}") from None
    return [m for m in data if isinstance(m, dict) and m.get("id")]


class UpstreamEngine:
    backend = "upstream"

    def __init__(
        self,
        name: str,
        base_url: str,
        upstream_model: str,
        *,
        api_key: str | None = None,
        context: int | None = None,
        timeout: float = 600.0,
    ):
        self.name, self.base_url, self.upstream_model = name, base_url.rstrip("/"), upstream_model
        self.api_key, self.context, self.timeout = api_key, context, timeout
        self.created = time.time()
        self.queue_depth = 0
        self._client: httpx.AsyncClient | None = None
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        pass

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            limits = httpx.Limits(max_connections=512, max_keepalive_connections=64)
            self._client = httpx.AsyncClient(headers=headers, timeout=self.timeout, limits=limits)
        return self._client

    def prepare(self, inp: GenInput) -> Prepared:
        text = inp.prompt if inp.messages is None else "".join(m["content"] for m in inp.messages)
        return Prepared(inp, max(1, len(text) // CHARS_PER_TOKEN))

    def _body(self, inp: GenInput, stream: bool) -> dict:
        s = inp.sampling
        body = {
            "model": self.upstream_model,
            "stream": stream,
            "temperature": s.temperature,
            "top_p": s.top_p,
            "max_tokens": s.max_tokens,
            "n": inp.n,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        if s.stop:
            body["stop"] = list(s.stop)
        if s.seed is not None:
            body["seed"] = s.seed
        if s.presence_penalty or s.frequency_penalty:
            body.update(presence_penalty=s.presence_penalty, frequency_penalty=s.frequency_penalty)
        if inp.messages is not None:
            body["messages"] = inp.messages
            if s.logprobs is not None:
                body.update(logprobs=True, top_logprobs=s.logprobs)
            if s.json_mode:
                body["response_format"] = {"type": "json_object"}
            if inp.template_kwargs:
                body["chat_template_kwargs"] = inp.template_kwargs
        else:
            body["prompt"] = inp.prompt
            if s.logprobs is not None:
                body["logprobs"] = s.logprobs
        return body

    def submit(self, prepared: Prepared, cancel: Cancel) -> AsyncIterator[Event]:
        if prepared.input.raw.get("stream") is True:
            return self._events(prepared.input, cancel)
        return self._whole(prepared.input)

    async def _whole(self, inp: GenInput) -> AsyncIterator[Event]:
        """A client that does not stream: one upstream request without streaming (cheaper than
        framing and re-parsing every token), turned into one finishing event per choice."""
        chat = inp.messages is not None
        url = f"{self.base_url}/{'chat/completions' if chat else 'completions'}"
        self.queue_depth += 1
        try:
            response = await self.client().post(
                url, content=orjson.dumps(self._body(inp, stream=False)), headers={"content-type": "application/json"}
            )
            if response.status_code >= 400:
                raise BackendFailure(_upstream_message(url, response), _status_for(response.status_code))
            data = orjson.loads(response.content)
        except httpx.HTTPError as err:
            raise BackendFailure(f"upstream {url} failed: {type(err).__name__}: {err}", 502) from None
        except orjson.JSONDecodeError:
            raise BackendFailure(f"upstream {url} answered with a body that is not JSON", 502) from None
        finally:
            self.queue_depth -= 1
        usage = data.get("usage") or {}
        choices = sorted(data.get("choices") or [], key=lambda c: int(c.get("index", 0)))
        if len(choices) != inp.n:
            raise BackendFailure(f"upstream {url} answered {len(choices)} choices for n={inp.n}", 502)
        total = int(usage.get("completion_tokens") or 0)
        for position, choice in enumerate(choices):
            text = (choice.get("message") or {}).get("content") if chat else choice.get("text")
            logprobs = choice.get("logprobs") or {}
            entries = (logprobs.get("content") or []) if chat else _completion_entries(logprobs)
            share = total // inp.n + (total % inp.n if position == 0 else 0)  # per-choice counts are not given
            event = Event(position, text or "", entries, choice.get("finish_reason") or "stop", share)
            if position == 0:
                event.prompt_tokens = int(usage.get("prompt_tokens") or 0)
            yield event

    async def _events(self, inp: GenInput, cancel: Cancel) -> AsyncIterator[Event]:
        chat = inp.messages is not None
        url = f"{self.base_url}/{'chat/completions' if chat else 'completions'}"
        counts = [0] * inp.n
        finished: dict[int, Event] = {}  # held back until `usage` arrives, so counts are exact
        self.queue_depth += 1
        try:
            async with self.client().stream(
                "POST",
                url,
                content=orjson.dumps(self._body(inp, stream=True)),
                headers={"content-type": "application/json"},
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise BackendFailure(_upstream_message(url, response), _status_for(response.status_code))
                async for line in response.aiter_lines():
                    if cancel.is_set():
                        break
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    chunk = orjson.loads(data)
                    if "error" in chunk:
                        raise BackendFailure(f"upstream {url}: {chunk['error'].get('message', chunk['error'])}", 502)
                    if chunk.get("usage"):
                        _settle(finished, counts, chunk["usage"])
                    for choice in chunk.get("choices") or []:
                        index = int(choice.get("index", 0))
                        text = (choice.get("delta") or {}).get("content") if chat else choice.get("text")
                        logprobs = choice.get("logprobs") or {}
                        entries = logprobs.get("content") or [] if chat else _completion_entries(logprobs)
                        counts[index] += max(1, len(entries)) if (text or entries) else 0
                        event = Event(index, text or "", entries, choice.get("finish_reason"), counts[index])
                        if event.finish_reason is not None:
                            finished[index] = event
                        elif event.text or event.logprobs:
                            yield event
        except httpx.HTTPError as err:
            raise BackendFailure(f"upstream {url} failed: {type(err).__name__}: {err}", 502) from None
        finally:
            self.queue_depth -= 1
        for index in sorted(finished):
            yield finished[index]
        for index in range(inp.n):
            if index not in finished:  # the upstream ended early, or we cancelled
                yield Event(index, "", [], "cancelled" if cancel.is_set() else "stop", counts[index])


def _settle(finished: dict[int, Event], counts: list[int], usage: dict) -> None:
    """Put the upstream's own token counts on the finishing events."""
    total = int(usage.get("completion_tokens") or 0)
    if finished and total:
        first = min(finished)
        counts[first] += total - sum(counts)
        for index, event in finished.items():
            event.completion_tokens = counts[index]
        finished[first].prompt_tokens = int(usage.get("prompt_tokens") or 0)


def _completion_entries(logprobs: dict) -> list[dict]:
    tokens = logprobs.get("tokens") or []
    values = logprobs.get("token_logprobs") or []
    tops = logprobs.get("top_logprobs") or [{}] * len(tokens)
    return [
        {"token": t, "logprob": v, "top_logprobs": [{"token": k, "logprob": p} for k, p in (top or {}).items()]}
        for t, v, top in zip(tokens, values, tops)
    ]


def _status_for(upstream_status: int) -> int:
    # The client's own mistakes keep their status; the upstream's failures are a bad gateway.
    return upstream_status if upstream_status in (400, 404, 413, 422, 429) else 502


def _upstream_message(url: str, response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
        message = error.get("message") if isinstance(error, dict) else error
    except ValueError:
        message = response.text[:300]
    return f"upstream {url} answered {response.status_code}: {message}"


# --- vLLM: started beside us, then proxied -----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_vllm(name: str, model_path: str, extra_args: list[str] | None = None, wait: float = 900.0) -> UpstreamEngine:
    """Start `vllm serve` on a free loopback port and proxy to it (vLLM does the batching on the GPU)."""
    if importlib.util.find_spec("vllm") is None:
        raise EngineError("--backend vllm needs vLLM, which is not installed (pip install vllm; it needs a GPU)")
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        model_path,
        "--served-model-name",
        name,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *(extra_args or []),
    ]
    process = subprocess.Popen(command, env={**os.environ})
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EngineError(f"vllm serve {model_path} exited with code {process.returncode} while starting")
        try:
            models = list_upstream_models(base_url)
            break
        except EngineError:
            time.sleep(2)
    else:
        process.terminate()
        raise EngineError(f"vllm serve {model_path} did not start within {wait:g} s")
    engine = UpstreamEngine(name, base_url, name, context=models[0].get("max_model_len"))
    engine.backend, engine._process = "vllm", process
    return engine
