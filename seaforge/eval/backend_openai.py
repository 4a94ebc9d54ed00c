"""Any OpenAI-compatible endpoint (vLLM, SGLang, llama.cpp server, seaforge serve, hosted APIs).

Requests run concurrently up to `concurrency`; 429s and 5xx errors are retried with exponential
backoff and jitter, honouring the server's Retry-After so a rate-limited run slows down instead
of failing.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Sequence

import httpx

from seaforge.eval.backends import BackendError
from seaforge.eval.cache import GenRequest, LLRequest

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}


class OpenAIBackend:
    supports_loglikelihood = True  # via /completions echo+logprobs (vLLM, llama.cpp); not chat APIs

    def __init__(self, model: str, base_url: str, api_key_env: str = "OPENAI_API_KEY",
                 concurrency: int = 8, max_retries: int = 5, timeout: float = 120.0,
                 backoff: float = 0.5, max_backoff: float = 30.0):
        self.model, self.base_url = model, base_url.rstrip("/")
        self.api_key = os.environ.get(api_key_env, "")
        self.concurrency, self.max_retries, self.timeout = concurrency, max_retries, timeout
        self.backoff, self.max_backoff = backoff, max_backoff
        self.retries = 0  # retried requests, reported in the results
        self.fingerprint = f"openai|{self.base_url}|{model}"
        self.info = {"backend": "openai", "model": model, "base_url": self.base_url,
                     "chat_template": "applied by the server", "chat_template_sha256": None}

    # --- plumbing -------------------------------------------------------------------------

    def _run(self, payloads: list[tuple[str, dict]]) -> list[dict]:
        return asyncio.run(self._gather(payloads))

    async def _gather(self, payloads: list[tuple[str, dict]]) -> list[dict]:
        limit = asyncio.Semaphore(self.concurrency)
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        limits = httpx.Limits(max_connections=self.concurrency,
                              max_keepalive_connections=self.concurrency)
        async with httpx.AsyncClient(timeout=self.timeout, headers=headers, limits=limits) as client:
            async def one(path: str, body: dict) -> dict:
                async with limit:
                    return await self._post(client, path, body)
            return await asyncio.gather(*(one(p, b) for p, b in payloads))

    async def _post(self, client: httpx.AsyncClient, path: str, body: dict) -> dict:
        url = f"{self.base_url}{path}"
        for attempt in range(self.max_retries + 1):
            wait = None
            try:
                resp = await client.post(url, json=body)
                if resp.status_code == 200:
                    return resp.json()
                if resp.status_code not in RETRY_STATUS:
                    raise BackendError(f"{url}: HTTP {resp.status_code}: {resp.text[:300]}")
                error = f"HTTP {resp.status_code}"
                wait = _retry_after(resp)
            except httpx.TransportError as err:  # connection refused/reset, timeouts
                error = f"{type(err).__name__}: {err}"
            if attempt == self.max_retries:
                raise BackendError(f"{url}: gave up after {attempt + 1} attempts; last error {error}")
            self.retries += 1
            if wait is None:
                wait = min(self.max_backoff, self.backoff * 2 ** attempt) * random.uniform(0.5, 1.0)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    # --- the two methods ------------------------------------------------------------------

    def generate(self, requests: Sequence[GenRequest]) -> list[str]:
        payloads = []
        for r in requests:
            body: dict = {"model": self.model, "max_tokens": r.max_tokens, "temperature": r.temperature}
            if r.seed is not None:
                body["seed"] = r.seed
            if r.messages:
                payloads.append(("/chat/completions", {**body, "messages": r.chat()}))
            else:
                payloads.append(("/completions", {**body, "prompt": r.prompt or ""}))
        out = []
        for (path, _), resp in zip(payloads, self._run(payloads)):
            choice = (resp.get("choices") or [{}])[0]
            if path == "/chat/completions":
                message = choice.get("message") or {}
                # Servers that split reasoning out (vLLM reasoning parsers) put the answer in content.
                out.append(message.get("content") or "")
            else:
                out.append(choice.get("text") or "")
        return out

    def loglikelihood(self, requests: Sequence[LLRequest]) -> list[float]:
        payloads = [("/completions", {"model": self.model, "prompt": r.context + r.continuation,
                                      "max_tokens": 0, "echo": True, "logprobs": 1, "temperature": 0})
                    for r in requests]
        values = []
        for r, resp in zip(requests, self._run(payloads)):
            values.append(_continuation_logprob(resp, len(r.context), self.base_url))
        return values


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after")
    try:
        return min(60.0, max(0.0, float(value))) if value is not None else None
    except ValueError:
        return None


def _continuation_logprob(resp: dict, context_chars: int, url: str) -> float:
    """Sum the echoed token log-probs whose text starts at or after the context's end."""
    try:
        lp = resp["choices"][0]["logprobs"]
        offsets, values = lp["text_offset"], lp["token_logprobs"]
    except (KeyError, IndexError, TypeError):
        raise BackendError(f"{url}: the endpoint returned no echoed logprobs; log-likelihood tasks "
                           "need a completions endpoint with echo (vLLM, llama.cpp)") from None
    picked = [v for off, v in zip(offsets, values) if off >= context_chars and v is not None]
    if not picked:
        raise BackendError(f"{url}: no continuation tokens in the echoed logprobs")
    return float(sum(picked))
