"""Any OpenAI-compatible endpoint (vLLM, SGLang, llama.cpp server, hosted APIs).

Requests run concurrently up to `concurrency`; 429s, 5xx errors, refused connections and timeouts
are retried with exponential backoff and jitter, honouring the server's Retry-After so a
rate-limited run slows down instead of failing. Errors that a retry cannot fix (a bad URL, an
unknown host, 400/401/403/404, a 200 whose body is not an answer) fail at once, before anything
reaches the cache.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
from collections.abc import Sequence

import httpx

from seaforge.eval.backends import BackendError
from seaforge.eval.cache import GenRequest, LLRequest

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}


class OpenAIBackend:
    supports_loglikelihood = True  # via /completions echo+logprobs (vLLM, llama.cpp); not chat APIs

    def __init__(
        self,
        model: str,
        base_url: str,
        api_key_env: str = "OPENAI_API_KEY",
        concurrency: int = 8,
        max_retries: int = 5,
        timeout: float = 120.0,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
    ):
        self.model, self.base_url = model, _checked_base_url(base_url)
        self.api_key = os.environ.get(api_key_env, "")
        self.concurrency, self.max_retries, self.timeout = concurrency, max_retries, timeout
        self.backoff, self.max_backoff = backoff, max_backoff
        self.retries = 0  # retried requests, reported in the results
        self.fingerprint = f"openai|{self.base_url}|{model}"
        self.info = {
            "backend": "openai",
            "model": model,
            "base_url": self.base_url,
            "chat_template": "applied by the server",
            "chat_template_sha256": None,
        }

    # --- plumbing -------------------------------------------------------------------------

    def _run(self, payloads: list[tuple[str, dict]]) -> list[dict]:
        return asyncio.run(self._gather(payloads))

    async def _gather(self, payloads: list[tuple[str, dict]]) -> list[dict]:
        limit = asyncio.Semaphore(self.concurrency)
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        async with httpx.AsyncClient(timeout=self.timeout, headers=headers, limits=limits) as client:

            async def one(path: str, body: dict) -> dict:
                async with limit:
                    return await self._post(client, path, body)

            return await asyncio.gather(*(one(path, body) for path, body in payloads))

    async def _post(self, client: httpx.AsyncClient, path: str, body: dict) -> dict:
        url = f"{self.base_url}{path}"
        for attempt in range(self.max_retries + 1):
            wait = None
            try:
                resp = await client.post(url, json=body)
                if resp.status_code == 200:
                    return _json_object(resp, url)
                if resp.status_code not in RETRY_STATUS:
                    raise BackendError(f"{url}: HTTP {resp.status_code}: {resp.text[:300]}")
                error = f"HTTP {resp.status_code}"
                wait = _retry_after(resp)
            except httpx.UnsupportedProtocol as err:
                raise BackendError(f"{url}: {err}") from None
            except httpx.TransportError as err:  # connection refused/reset, timeouts
                if _unknown_host(err):  # DNS will not start resolving a misspelt host on a retry
                    raise BackendError(f"{url}: unknown host {httpx.URL(url).host!r}: {err}") from None
                error = f"{type(err).__name__}: {err}"
            if attempt == self.max_retries:
                raise BackendError(f"{url}: gave up after {attempt + 1} attempts; last error {error}")
            self.retries += 1
            if wait is None:
                wait = min(self.max_backoff, self.backoff * 2**attempt) * random.uniform(0.5, 1.0)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    # --- the two methods ------------------------------------------------------------------

    def generate(self, requests: Sequence[GenRequest]) -> list[str]:
        payloads = []
        for request in requests:
            body: dict = {"model": self.model, "max_tokens": request.max_tokens, "temperature": request.temperature}
            if request.seed is not None:
                body["seed"] = request.seed
            if request.top_p is not None:
                body["top_p"] = request.top_p
            if request.stop:  # OpenAI's API takes at most 4; the evaluator cuts at the others itself
                body["stop"] = list(request.stop[:4])
            if request.messages:
                payloads.append(("/chat/completions", {**body, "messages": request.chat()}))
            else:
                payloads.append(("/completions", {**body, "prompt": request.prompt or ""}))
        return [_answer_text(resp, f"{self.base_url}{path}") for (path, _), resp in zip(payloads, self._run(payloads))]

    def loglikelihood(self, requests: Sequence[LLRequest]) -> list[float]:
        payloads = [
            (
                "/completions",
                {
                    "model": self.model,
                    "prompt": request.context + request.continuation,
                    "max_tokens": 0,
                    "echo": True,
                    "logprobs": 1,
                    "temperature": 0,
                },
            )
            for request in requests
        ]
        return [
            _continuation_logprob(resp, len(request.context), self.base_url)
            for request, resp in zip(requests, self._run(payloads))
        ]


def _checked_base_url(base_url: str) -> str:
    """The endpoint without a trailing slash; a URL no request could reach fails before any work."""
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as err:
        raise BackendError(f"--base-url {base_url!r}: not a URL ({err})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise BackendError(f"--base-url {base_url!r}: expected http(s)://host[:port]/v1")
    return base_url.rstrip("/")


def _unknown_host(err: BaseException) -> bool:
    """Whether a transport error comes from a failed name lookup (socket.gaierror in its chain)."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _json_object(resp: httpx.Response, url: str) -> dict:
    """A 200 body that is not a JSON object is a misconfigured endpoint, never an empty answer."""
    try:
        data = resp.json()
    except ValueError:
        raise BackendError(f"{url}: HTTP 200 but the body is not JSON: {resp.text[:200]!r}") from None
    if not isinstance(data, dict):
        raise BackendError(f"{url}: HTTP 200 but the body is a JSON {type(data).__name__}, not an object")
    return data


def _answer_text(resp: dict, url: str) -> str:
    """The first choice's text; a response without one is an error, not an empty answer to score."""
    choices = resp.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise BackendError(f"{url}: the response has no choices: {str(resp)[:200]}")
    choice = choices[0]
    if url.endswith("/chat/completions"):
        message = choice.get("message")
        if not isinstance(message, dict):
            raise BackendError(f"{url}: choice 0 has no message: {str(choice)[:200]}")
        # Servers that split reasoning out (vLLM reasoning parsers) put the answer in content;
        # null content is a real (empty) answer, e.g. all tokens went to reasoning.
        return message.get("content") or ""
    if "text" not in choice:
        raise BackendError(f"{url}: choice 0 has no text: {str(choice)[:200]}")
    return choice["text"] or ""


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after")
    try:
        return min(60.0, max(0.0, float(value))) if value is not None else None
    except ValueError:
        return None


def _continuation_logprob(resp: dict, context_chars: int, url: str) -> float:
    """Sum the echoed token log-probs whose text starts at or after the context's end."""
    try:
        logprobs = resp["choices"][0]["logprobs"]
        offsets, values = logprobs["text_offset"], logprobs["token_logprobs"]
    except (KeyError, IndexError, TypeError):
        raise BackendError(
            f"{url}: the endpoint returned no echoed logprobs; log-likelihood tasks "
            "need a completions endpoint with echo (vLLM, llama.cpp)"
        ) from None
    picked = [value for offset, value in zip(offsets, values) if offset >= context_chars and value is not None]
    if not picked:
        raise BackendError(f"{url}: no continuation tokens in the echoed logprobs")
    return float(sum(picked))
