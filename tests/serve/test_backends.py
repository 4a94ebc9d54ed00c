"""Backends other than transformers, the CLI, graceful shutdown, and (slow) the real Gemma 3 270M."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import openai
import pytest
from live_serve import LiveServer, free_port  # tests/support, on sys.path via conftest

from seaforge.cli import run
from seaforge.serve.app import create_app
from seaforge.serve.engine import EngineError
from seaforge.serve.server import EngineOptions, load_engines, split_spec
from seaforge.serve.store import Store

MODEL = "tiny:llama"


def _ask(client, model, **kwargs):
    kwargs.setdefault("max_tokens", 8)
    return client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Magandang umaga po"}], temperature=0, **kwargs
    )


def test_model_names():
    assert split_spec("sea=runs/demo/model") == ("sea", "runs/demo/model")
    assert split_spec("tiny:llama") == ("tiny:llama", "tiny:llama")
    assert split_spec("./a=b/model") == ("./a=b/model", "./a=b/model")


def test_upstream_proxies_and_meters_what_the_upstream_reports(tmp_path):
    inner_engines = load_engines([MODEL], EngineOptions())
    inner = LiveServer(create_app(inner_engines, Store(str(tmp_path / "inner.db"))))
    with inner:
        store = Store(str(tmp_path / "gateway.db"))
        engines = load_engines([inner.base_url], EngineOptions(backend="upstream"))
        assert list(engines) == [MODEL] and engines[MODEL].context == 512
        with LiveServer(create_app(engines, store)) as gateway:
            direct = openai.OpenAI(base_url=inner.base_url, api_key="x", max_retries=0)
            proxied = openai.OpenAI(base_url=gateway.base_url, api_key="x", max_retries=0)
            want, got = _ask(direct, MODEL), _ask(proxied, MODEL)
            assert got.choices[0].message.content == want.choices[0].message.content
            assert got.usage.model_dump() == want.usage.model_dump()
            chunks = list(_ask(proxied, MODEL, stream=True, stream_options={"include_usage": True}))
            assert (
                "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
                == want.choices[0].message.content
            )
            assert chunks[-1].usage.completion_tokens == want.usage.completion_tokens
            text = proxied.completions.create(model=MODEL, prompt="Halo", max_tokens=5, temperature=0)
            assert text.usage.completion_tokens == 5
            # the gateway's own estimate lets this through; the upstream's 400 stays a 400
            with pytest.raises(openai.BadRequestError, match="context"):
                _ask(proxied, MODEL, max_tokens=500)
        rows = store.usage()
        assert rows[0]["requests"] == 4 and rows[0]["errors"] == 1
        assert rows[0]["completion_tokens"] == 8 + 8 + 5
    for engine in inner_engines.values():
        engine.stop()


def test_upstream_that_is_down(tmp_path):
    with pytest.raises(EngineError, match="did not list its models"):
        load_engines([f"http://127.0.0.1:{free_port()}/v1"], EngineOptions(backend="upstream"))


def test_unknown_backend_and_bad_models():
    with pytest.raises(EngineError, match="unknown --backend"):
        load_engines([MODEL], EngineOptions(backend="tgi"))
    with pytest.raises(EngineError, match="serves .gguf files"):
        load_engines([MODEL], EngineOptions(backend="llamacpp"))
    with pytest.raises(EngineError, match="no-such-model"):
        load_engines(["no-such-model"], EngineOptions())
    if importlib.util.find_spec("vllm") is None:
        with pytest.raises(EngineError, match="vLLM, which is not installed"):
            load_engines([MODEL], EngineOptions(backend="vllm"))


# --- the CLI -------------------------------------------------------------------------------------


def test_keys_and_usage_commands(tmp_path, capsys):
    db = str(tmp_path / "cli.db")
    assert run(["serve", "keys", "create", "mobile-app", "--rpm", "10", "--models", "a,b", "--db", db]) == 0
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("sf-")
    assert run(["serve", "keys", "list", "--db", db]) == 0
    listing = capsys.readouterr().out
    assert "mobile-app" in listing and "a,b" in listing and secret not in listing
    assert run(["serve", "keys", "create", "mobile-app", "--db", db]) == 2
    assert "mobile-app" in capsys.readouterr().err
    assert run(["serve", "keys", "revoke", "mobile-app", "--db", db]) == 0
    assert run(["serve", "keys", "revoke", "nobody", "--db", db]) == 2
    store = Store(db)
    store.admit("r1", None, MODEL, "chat", 12)
    store.finish("r1", 12, 30, "ok")
    capsys.readouterr()
    assert run(["serve", "usage", "--db", db, "--json"]) == 0
    assert '"total_tokens": 42' in capsys.readouterr().out
    assert run(["serve", "usage", "--db", db, "--since", "soon"]) == 2


def test_serve_argument_errors(tmp_path, capsys):
    db = str(tmp_path / "x.db")
    assert run(["serve", "no-such-model", "--db", db]) == 2
    assert "no-such-model" in capsys.readouterr().err
    assert run(["serve", MODEL, "--guard", "sometimes", "--db", db]) == 2
    assert run(["serve", MODEL, "--policy", "atlantis", "--db", db]) == 2
    assert "atlantis" in capsys.readouterr().err


def _start(args, tmp_path):
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "seaforge", "serve", *args, "--port", str(port), "--db", str(tmp_path / "serve.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process, port
        except httpx.HTTPError:
            time.sleep(0.2)
        if process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"server did not start: {process.communicate()[1][-2000:]}")


def test_without_keys_the_server_stays_on_loopback_and_shuts_down_gracefully(tmp_path):
    process, port = _start([MODEL, "--host", "0.0.0.0"], tmp_path)
    try:
        result = {}

        def slow_request():  # in flight when the server is told to stop
            result["response"] = httpx.post(
                f"http://127.0.0.1:{port}/v1/completions",
                json={"model": MODEL, "prompt": "Halo", "max_tokens": 300, "temperature": 0},
                timeout=60,
            )

        thread = threading.Thread(target=slow_request)
        thread.start()
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        thread.join(60)
        assert result["response"].status_code == 200
        assert result["response"].json()["usage"]["completion_tokens"] == 300
        assert process.wait(60) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once it has drained
    finally:
        if process.poll() is None:
            process.kill()
    err = process.stderr.read()
    assert "binding to 127.0.0.1 instead of 0.0.0.0" in err


# --- real models (slow) ----------------------------------------------------------------------------


@pytest.mark.slow
def test_real_gemma_through_the_openai_client(tmp_path):
    engines = load_engines(["gemma3-270m"], EngineOptions())
    try:
        with LiveServer(create_app(engines, Store(str(tmp_path / "g.db")))) as live:
            client = openai.OpenAI(base_url=live.base_url, api_key="x", max_retries=0)
            # a base model: completions, in Thai
            reply = client.completions.create(
                model="gemma3-270m", prompt="กรุงเทพมหานครเป็นเมืองหลวงของ", max_tokens=12, temperature=0
            )
            assert reply.usage.completion_tokens > 0 and reply.choices[0].text.strip()
            chunks = list(
                client.completions.create(
                    model="gemma3-270m", prompt="Ibu kota Indonesia adalah", max_tokens=12, temperature=0, stream=True
                )
            )
            assert "".join(c.choices[0].text for c in chunks).strip()
            chat = client.chat.completions.create(
                model="gemma3-270m", max_tokens=10, temperature=0, messages=[{"role": "user", "content": "Xin chào"}]
            )
            assert chat.usage.prompt_tokens > 3
    finally:
        for engine in engines.values():
            engine.stop()


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python (the llamacpp extra)")
def test_llamacpp_serves_the_real_smollm2_gguf(tmp_path):
    engines = load_engines(["smollm2-135m-instruct"], EngineOptions(backend="llamacpp", context=2048))
    try:
        with LiveServer(create_app(engines, Store(str(tmp_path / "l.db")))) as live:
            client = openai.OpenAI(base_url=live.base_url, api_key="x", max_retries=0)
            whole = _ask(client, "smollm2-135m-instruct", max_tokens=16)
            assert whole.choices[0].message.content.strip() and whole.usage.prompt_tokens > 5
            chunks = list(_ask(client, "smollm2-135m-instruct", max_tokens=16, stream=True))
            assert "".join(c.choices[0].delta.content or "" for c in chunks) == whole.choices[0].message.content
            data = _ask(client, "smollm2-135m-instruct", max_tokens=40, response_format={"type": "json_object"})
            assert data.choices[0].message.content.lstrip().startswith(("{", "["))
            with pytest.raises(openai.BadRequestError, match="logprobs"):
                _ask(client, "smollm2-135m-instruct", logprobs=True)
    finally:
        for engine in engines.values():
            engine.stop()


def test_several_models_in_one_server(tmp_path):
    engines = load_engines([MODEL, "qwen=tiny:qwen3"], EngineOptions())
    try:
        with LiveServer(create_app(engines, Store(str(tmp_path / "m.db")))) as live:
            client = openai.OpenAI(base_url=live.base_url, api_key="x", max_retries=0)
            assert [m.id for m in client.models.list().data][:2] == [MODEL, "qwen"]
            assert _ask(client, "qwen").model == "qwen" and _ask(client, MODEL).model == MODEL
    finally:
        for engine in engines.values():
            engine.stop()
