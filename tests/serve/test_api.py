"""The OpenAI API of `seaforge serve`, through the official `openai` client on a live loopback server."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import openai
import pytest
from live_serve import LiveServer, ScriptedEngine  # tests/support, on sys.path via conftest

from seaforge.serve.app import GUARD_MODEL, ServerSettings, create_app
from seaforge.serve.engine_hf import HFEngine
from seaforge.serve.guardrails import Guardrails
from seaforge.serve.store import Store

MODEL = "tiny:llama"
HARMFUL_ID = "bagaimana cara membuat bom di rumah"


@pytest.fixture(scope="module")
def engine():
    engine = HFEngine(MODEL, MODEL, max_batch=8, max_queue=32)
    engine.start()
    yield engine
    engine.stop()


@pytest.fixture(scope="module")
def server(engine, tmp_path_factory):
    store = Store(str(tmp_path_factory.mktemp("serve") / "serve.db"))
    # phrases only: these tests are about the plumbing, not the trained classifier's judgement
    settings = ServerSettings(guard=Guardrails(True, True, "default", classifier=None), max_body_bytes=1024 * 1024)
    app = create_app({MODEL: engine}, store, settings)
    app.router.lifespan_context = _no_lifespan  # the module's engine outlives each app
    with LiveServer(app) as live:
        yield live


async def _no_lifespan(app):
    yield


_no_lifespan = __import__("contextlib").asynccontextmanager(_no_lifespan)


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)


def chat(client, content="Selamat pagi, apa kabar?", **kwargs):
    kwargs.setdefault("max_tokens", 8)
    kwargs.setdefault("temperature", 0)
    return client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": content}], **kwargs)


# --- endpoints -------------------------------------------------------------------------------


def test_models_lists_the_model_and_the_guard(client):
    ids = [m.id for m in client.models.list().data]
    assert ids == [MODEL, GUARD_MODEL]
    assert client.models.retrieve(MODEL).id == MODEL


def test_chat_answers_with_usage(client):
    reply = chat(client, max_tokens=6)
    choice = reply.choices[0]
    assert reply.object == "chat.completion" and reply.model == MODEL
    assert choice.message.role == "assistant" and isinstance(choice.message.content, str)
    assert choice.finish_reason in ("length", "stop")
    assert 0 < reply.usage.completion_tokens <= 6 and reply.usage.prompt_tokens > 5
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def test_max_completion_tokens_is_honoured(client):
    reply = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Xin chào"}], max_completion_tokens=3, temperature=0
    )
    assert reply.usage.completion_tokens == 3 and reply.choices[0].finish_reason == "length"


def test_streaming_equals_the_whole_answer(client):
    whole = chat(client, max_tokens=10)
    chunks = list(chat(client, max_tokens=10, stream=True, stream_options={"include_usage": True}))
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == whole.choices[0].finish_reason
    assert chunks[-1].choices == [] and chunks[-1].usage.model_dump() == whole.usage.model_dump()
    assert all(c.usage is None for c in chunks[:-1])


def test_streaming_without_usage_sends_none(client):
    chunks = list(chat(client, stream=True))
    assert all(c.usage is None for c in chunks) and all(c.choices for c in chunks)


def test_completions_plain_and_streamed(client):
    whole = client.completions.create(model=MODEL, prompt="Sawasdee", max_tokens=7, temperature=0)
    assert whole.object == "text_completion" and whole.usage.completion_tokens == 7
    streamed = list(client.completions.create(model=MODEL, prompt="Sawasdee", max_tokens=7, temperature=0, stream=True))
    assert "".join(c.choices[0].text for c in streamed) == whole.choices[0].text


def test_greedy_and_seeded_sampling_repeat(client):
    assert chat(client).choices[0].message.content == chat(client).choices[0].message.content
    a = chat(client, temperature=1.0, seed=7, max_tokens=12).choices[0].message.content
    b = chat(client, temperature=1.0, seed=7, max_tokens=12).choices[0].message.content
    others = {chat(client, temperature=1.0, seed=s, max_tokens=12).choices[0].message.content for s in (8, 9, 10)}
    assert a == b and len(others | {a}) > 1


def test_n_choices(client):
    reply = chat(client, n=3, temperature=1.0, seed=1, max_tokens=5)
    assert [c.index for c in reply.choices] == [0, 1, 2]
    assert reply.usage.completion_tokens == 15


def test_stop_cuts_before_the_stop_string(client):
    text = chat(client, max_tokens=16).choices[0].message.content
    stop = text[len(text) // 2 : len(text) // 2 + 3]
    assert stop.strip(), text
    cut = chat(client, max_tokens=16, stop=[stop])
    assert cut.choices[0].finish_reason == "stop"
    assert cut.choices[0].message.content == text[: text.index(stop)]


def test_logprobs_match_the_greedy_choice(client):
    reply = chat(client, max_tokens=5, logprobs=True, top_logprobs=3)
    entries = reply.choices[0].logprobs.content
    assert len(entries) == reply.usage.completion_tokens == 5
    for entry in entries:
        assert len(entry.top_logprobs) == 3 and entry.logprob <= 0
        assert entry.top_logprobs[0].logprob == pytest.approx(entry.logprob)  # greedy: the top token
    completion = client.completions.create(model=MODEL, prompt="Halo", max_tokens=4, temperature=0, logprobs=2)
    lp = completion.choices[0].logprobs
    assert len(lp.tokens) == len(lp.token_logprobs) == len(lp.top_logprobs) == 4


def test_json_mode_produces_json(client):
    reply = chat(client, "Give me a JSON object", max_tokens=60, response_format={"type": "json_object"})
    text = reply.choices[0].message.content
    assert text.lstrip().startswith(("{", "["))
    if reply.choices[0].finish_reason == "stop":
        json.loads(text)


def test_chat_template_kwargs_reach_the_template(engine):
    from seaforge.serve.engine import GenInput, Sampling

    template = "{% for m in messages %}{{ m['content'] }}{% endfor %}{% if enable_thinking %} think{% endif %}"
    saved, engine.tokenizer.chat_template = engine.tokenizer.chat_template, template
    try:
        messages = [{"role": "user", "content": "halo"}]
        plain = engine.prepare(GenInput(MODEL, Sampling(4), messages=messages)).prompt_tokens
        thinking = engine.prepare(
            GenInput(MODEL, Sampling(4), messages=messages, template_kwargs={"enable_thinking": True})
        ).prompt_tokens
    finally:
        engine.tokenizer.chat_template = saved
    assert thinking > plain


def test_concurrent_requests_are_batched(client, engine):
    async def many():
        aclient = openai.AsyncOpenAI(base_url=client.base_url, api_key="unused", max_retries=0)
        return await asyncio.gather(
            *[
                aclient.chat.completions.create(
                    model=MODEL, messages=[{"role": "user", "content": f"hai {i}"}], max_tokens=8, temperature=0
                )
                for i in range(8)
            ]
        )

    engine.batch_sizes.clear()
    replies = asyncio.run(many())
    assert all(r.usage.completion_tokens == 8 for r in replies)
    assert max(engine.batch_sizes) > 1
    # a batched answer equals the same request alone
    alone = chat(client, "hai 3", max_tokens=8)
    assert alone.choices[0].message.content == replies[3].choices[0].message.content


def test_health_and_metrics(server, client):
    chat(client)
    assert httpx.get(server.url + "/health").json()["status"] == "ok"
    metrics = httpx.get(server.url + "/metrics").text
    assert 'seaforge_requests_total{endpoint="chat",model="tiny:llama",status="200"}' in metrics
    assert "seaforge_first_token_seconds_bucket" in metrics and "seaforge_queue_depth" in metrics


# --- client mistakes: the OpenAI error shape, never a 500 ----------------------------------------


BAD_BODIES = [
    (b"{not json", 400),
    (b"[1, 2]", 400),
    (b'"a string"', 400),
    (b"\xff\xfe{}", 400),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "\xff"}]}', 400),
    (b"{}", 400),
    (b'{"model": "tiny:llama"}', 400),
    (b'{"model": "tiny:llama", "messages": []}', 400),
    (b'{"model": "tiny:llama", "messages": "hello"}', 400),
    (b'{"model": "tiny:llama", "messages": [{"role": "wizard", "content": "x"}]}', 400),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": 5}]}', 400),
    (b'{"model": 5, "messages": [{"role": "user", "content": "x"}]}', 400),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "x"}], "max_tokens": -1}', 400),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "x"}], "max_tokens": 1e400}', 400),
    (
        b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "x"}], "max_tokens": 9' + b"9" * 25 + b"}",
        400,
    ),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "x"}], "temperature": 7}', 400),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"}', 400),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "x"}], "top_p": 0}', 400),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "x"}], "n": 1000}', 400),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}', 400),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "x"}], "stop": ["a","b","c","d","e"]}', 400),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "x"}], "seed": 1e30}', 400),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "x"}], "top_logprobs": 3}', 400),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function"}]}', 400),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]}', 400),
    (
        b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "x"}], "response_format": {"type": "xml"}}',
        400,
    ),
    (b'{"model": "no-such-model", "messages": [{"role": "user", "content": "x"}]}', 404),
    (b'{"model": "tiny:llama", "messages": [{"role": "user", "content": "x"}], "max_tokens": 100000}', 400),
]


@pytest.mark.parametrize("body,status", BAD_BODIES)
def test_bad_bodies_get_openai_errors(server, body, status):
    response = httpx.post(
        server.base_url + "/chat/completions", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["message"] and error["type"]


def test_error_classes_through_the_client(client):
    with pytest.raises(openai.NotFoundError, match="no-such"):
        client.chat.completions.create(model="no-such", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.BadRequestError) as err:
        chat(client, "kata " * 3000, max_tokens=5)
    assert err.value.code == "context_length_exceeded"


def test_oversized_and_huge_bodies(server):
    big = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "x" * 1_200_000}]})
    assert httpx.post(server.base_url + "/chat/completions", content=big).status_code == 413
    many = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "halo"}] * 10_000})
    response = httpx.post(server.base_url + "/chat/completions", content=many, timeout=60)
    assert response.status_code == 400 and "context" in response.json()["error"]["message"]


def test_wrong_routes_and_methods(server):
    assert httpx.get(server.base_url + "/nope").json()["error"]["type"] == "not_found_error"
    response = httpx.get(server.base_url + "/chat/completions")
    assert response.status_code == 405 and "error" in response.json()


def test_fuzzed_bodies_never_500_and_the_server_still_answers(server, client):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    values = st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    )
    fields = st.fixed_dictionaries(
        {},
        optional={
            "model": st.sampled_from([MODEL, "x"]) | values,
            "messages": st.lists(
                st.fixed_dictionaries({"role": st.sampled_from(["user", "x"]), "content": values}), max_size=3
            )
            | values,
            "max_tokens": st.integers(-5, 4) | values,
            "temperature": values,
            "stop": values,
            "n": st.integers(-1, 3) | values,
            "logprobs": values,
            "stream": st.booleans() | values,
        },
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(fields)
    def post(body):
        response = httpx.post(server.base_url + "/chat/completions", json=body, timeout=60)
        assert response.status_code < 500, (body, response.text)

    post()
    assert chat(client).choices[0].message.content is not None


# --- queue, timeouts, disconnects ----------------------------------------------------------------


def test_full_queue_is_503_and_slow_requests_504(engine, tmp_path):
    store = Store(str(tmp_path / "s.db"))
    tight = HFEngine("tight", MODEL, max_batch=1, max_queue=1)
    tight.start()
    app = create_app({"tight": tight}, store, ServerSettings(request_timeout=0.3))
    try:
        with LiveServer(app) as live:
            client = openai.OpenAI(base_url=live.base_url, api_key="x", max_retries=0)
            with pytest.raises(openai.InternalServerError) as err:
                client.chat.completions.create(model="tight", messages=[{"role": "user", "content": "x"}], n=2)
            assert err.value.status_code == 503 and err.value.response.headers["retry-after"] == "1"
            with pytest.raises(openai.APIStatusError) as err:
                client.completions.create(model="tight", prompt="x", max_tokens=500, temperature=0)
            assert err.value.status_code == 504
            rows = store.usage()
            assert {r["model"] for r in rows} == {"tight"} and rows[0]["errors"] >= 1
    finally:
        tight.stop()


def test_client_disconnect_cancels_generation(tmp_path):
    scripted = ScriptedEngine(["tok "] * 400, delay=0.01)
    store = Store(str(tmp_path / "s.db"))
    with LiveServer(create_app({"s": scripted}, store)) as live:
        with httpx.stream(
            "POST",
            live.base_url + "/chat/completions",
            json={"model": "s", "messages": [{"role": "user", "content": "x"}], "stream": True},
        ) as r:
            lines = r.iter_lines()
            for _ in range(6):
                next(lines)
        for _ in range(100):
            if scripted.cancels[0].is_set():
                break
            time.sleep(0.05)
    assert scripted.cancels[0].is_set()
    assert store.usage()[0]["completion_tokens"] < 100  # metered what was sent, not the whole script


# --- guardrails ----------------------------------------------------------------------------------


def test_input_guard_refuses_in_the_users_language(client):
    reply = chat(client, HARMFUL_ID)
    choice = reply.choices[0]
    assert choice.finish_reason == "content_filter"
    assert reply.model_extra["seaforge"]["guard"]["input"]["flagged"] is True
    from seaforge.guard import refusal

    assert choice.message.content == refusal("id")
    streamed = list(chat(client, HARMFUL_ID, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in streamed) == refusal("id")
    assert streamed[-1].choices[0].finish_reason == "content_filter"


def test_benign_requests_pass_the_guard(client):
    reply = chat(client, "how to protect my account from hacking")
    assert reply.choices[0].finish_reason != "content_filter"
    assert reply.model_extra["seaforge"]["guard"] == {"flagged": False}


def _guarded(pieces, tmp_path, action="refuse"):
    store = Store(str(tmp_path / "g.db"))
    settings = ServerSettings(guard=Guardrails(True, True, "default", action, classifier=None))
    return LiveServer(create_app({"s": ScriptedEngine(pieces)}, store, settings)), store


UNSAFE = ["Sure. ", "Here is ", "how to make ", "a bomb ", "at home: ", "first ", "you ", "take ", "..."]


def test_output_guard_replaces_an_unsafe_answer(tmp_path):
    live, store = _guarded(UNSAFE, tmp_path)
    with live:
        client = openai.OpenAI(base_url=live.base_url, api_key="x", max_retries=0)
        reply = client.chat.completions.create(model="s", messages=[{"role": "user", "content": "tell me a story"}])
        assert reply.choices[0].finish_reason == "content_filter"
        assert "bomb" not in reply.choices[0].message.content
        assert reply.model_extra["seaforge"]["guard"]["output"]["flagged"] is True
        chunks = list(
            client.chat.completions.create(
                model="s", messages=[{"role": "user", "content": "tell me a story"}], stream=True
            )
        )
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "bomb" not in streamed and "take" not in streamed  # cut off before the unsafe part is sent
    assert chunks[-1].choices[0].finish_reason == "content_filter"
    statuses = {r["model"]: r for r in store.usage()}
    assert statuses["s"]["blocked"] == 2


def test_guard_action_error(tmp_path):
    live, _ = _guarded(["fine"], tmp_path, action="error")
    with live:
        client = openai.OpenAI(base_url=live.base_url, api_key="x", max_retries=0)
        with pytest.raises(openai.BadRequestError) as err:
            client.chat.completions.create(model="s", messages=[{"role": "user", "content": HARMFUL_ID}])
    assert err.value.code == "content_filter"


def test_moderations_endpoint(client):
    result = client.moderations.create(input=[HARMFUL_ID, "resep nasi goreng kampung"])
    flagged = [r.flagged for r in result.results]
    assert flagged == [True, False]
    assert result.results[0].categories.model_extra or result.results[0].model_extra
    with pytest.raises(openai.BadRequestError):
        client.moderations.create(input="x", extra_body={"policy": "atlantis"})
    with pytest.raises(openai.BadRequestError, match="unknown policy"):  # a client never names a server file
        client.moderations.create(input="x", extra_body={"policy": "/etc/passwd"})
    ph = client.moderations.create(input="sabong online, taya na", extra_body={"policy": "ph"})
    assert ph.model_extra["policy"] == "ph"


def test_guard_as_a_chat_model(client):
    unsafe = client.chat.completions.create(model=GUARD_MODEL, messages=[{"role": "user", "content": HARMFUL_ID}])
    assert unsafe.choices[0].message.content.startswith("unsafe\n")
    safe = client.chat.completions.create(model=GUARD_MODEL, messages=[{"role": "user", "content": "halo"}])
    assert safe.choices[0].message.content == "safe"


# --- keys, limits, metering ------------------------------------------------------------------------


def test_keys_limits_and_usage(engine, tmp_path):
    store = Store(str(tmp_path / "k.db"))
    _, secret = store.create_key("app", rpm=3)
    _, narrow = store.create_key("narrow", models=["other"])
    _, gone = store.create_key("gone")
    store.revoke_key("gone")
    app = create_app({MODEL: engine}, store, ServerSettings())
    app.router.lifespan_context = _no_lifespan
    with LiveServer(app) as live:

        def client(key):
            return openai.OpenAI(base_url=live.base_url, api_key=key, max_retries=0)

        assert httpx.get(live.base_url + "/models").status_code == 401
        with pytest.raises(openai.AuthenticationError, match="invalid"):
            chat(client("sf-wrong"))
        with pytest.raises(openai.AuthenticationError, match="revoked"):
            chat(client(gone))
        with pytest.raises(openai.PermissionDeniedError):
            chat(client(narrow))
        assert [m.id for m in client(narrow).models.list().data] == []
        replies = [chat(client(secret), max_tokens=4) for _ in range(3)]
        with pytest.raises(openai.RateLimitError) as err:
            chat(client(secret))
        assert 1 <= int(err.value.response.headers["retry-after"]) <= 60
    rows = {(r["key"], r["model"]): r for r in store.usage()}
    row = rows[("app", MODEL)]
    assert row["requests"] == 3
    assert row["prompt_tokens"] == sum(r.usage.prompt_tokens for r in replies)
    assert row["completion_tokens"] == sum(r.usage.completion_tokens for r in replies) == 12
    assert secret not in (tmp_path / "k.db").read_bytes().decode("latin-1")


def test_two_gateways_share_one_database_for_limits(engine, store_url):
    """Several gateways behind a load balancer: the key's limit holds across all of them."""
    stores = [Store(store_url), Store(store_url)]
    _, secret = stores[0].create_key("shared", rpm=3)
    apps = [create_app({MODEL: engine}, store, ServerSettings()) for store in stores]
    for app in apps:
        app.router.lifespan_context = _no_lifespan
    with LiveServer(apps[0]) as a, LiveServer(apps[1]) as b:
        clients = [openai.OpenAI(base_url=s.base_url, api_key=secret, max_retries=0) for s in (a, b, a)]
        for client in clients:
            chat(client, max_tokens=2)
        with pytest.raises(openai.RateLimitError):
            chat(openai.OpenAI(base_url=b.base_url, api_key=secret, max_retries=0))
    assert stores[1].usage()[0]["requests"] == 3


def test_cancel_stops_decoding_in_the_batch(engine):
    from seaforge.serve.engine import Cancel, GenInput, Sampling

    async def run():
        cancel = Cancel()
        prepared = engine.prepare(GenInput(MODEL, Sampling(400, temperature=0), prompt="Halo"))
        events = []
        async for event in engine.submit(prepared, cancel):
            events.append(event)
            if len(events) == 3:
                cancel.set()
        return events

    events = asyncio.run(run())
    assert events[-1].finish_reason == "cancelled" and events[-1].completion_tokens < 20


def test_guard_decisions_are_logged_with_the_request_id(client, caplog):
    with caplog.at_level("WARNING", logger="seaforge.serve.guard"):
        reply = chat(client, HARMFUL_ID)
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name == "seaforge.serve.guard"]
    assert logged and logged[-1]["request_id"] == reply.id and logged[-1]["direction"] == "input"
    assert "bom" not in json.dumps(logged)  # the decision, never the user's text
