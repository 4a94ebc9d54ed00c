"""The two-method model interface every backend implements, and the factory that picks one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from seaforge.errors import UserError
from seaforge.eval.cache import GenRequest, LLRequest

BACKENDS = ("hf", "openai", "vllm")


class BackendError(UserError):
    """A backend that cannot answer (unreachable endpoint, missing package, no log-probs)."""


class Backend(Protocol):
    fingerprint: str  # identifies the model + inference settings in cache keys
    info: dict  # recorded in the results: model, backend, chat template, dtype...
    supports_loglikelihood: bool

    def generate(self, requests: Sequence[GenRequest]) -> list[str]:
        """One completion per request, in order."""

    def loglikelihood(self, requests: Sequence[LLRequest]) -> list[float]:
        """Sum of log-probabilities of each continuation given its context."""


Progress = Callable[[int], None]


def make_backend(
    kind: str,
    model: str,
    *,
    batch_size: int = 16,
    base_url: str | None = None,
    api_key_env: str = "OPENAI_API_KEY",
    concurrency: int = 8,
    dtype: str = "auto",
    max_retries: int = 5,
    timeout: float = 120.0,
    device: str | None = None,
) -> Backend:
    """Build a backend. `model`: anything `seaforge.models.resolve.resolve_model` takes (hf, vllm),
    or the served model name (openai)."""
    if kind == "hf":
        from seaforge.eval.backend_hf import HFBackend

        return HFBackend.load(model, batch_size=batch_size, dtype=dtype, device=device)
    if kind == "openai":
        from seaforge.eval.backend_openai import OpenAIBackend

        if not base_url:
            raise BackendError("the openai backend needs --base-url (e.g. http://127.0.0.1:8000/v1)")
        return OpenAIBackend(
            model, base_url, api_key_env=api_key_env, concurrency=concurrency, max_retries=max_retries, timeout=timeout
        )
    if kind == "vllm":
        from seaforge.eval.backend_vllm import VLLMBackend

        return VLLMBackend(model, dtype=dtype)
    raise BackendError(f"unknown backend {kind!r}; choose one of {', '.join(BACKENDS)}")
