"""hf backend on a tiny model; openai backend against a loopback server; vllm's lazy import."""

import json
import threading
import time

import pytest
import torch
from loopback_server import LoopbackServer, RawReply, prompt_text

from seaforge.eval.backend_hf import HFBackend
from seaforge.eval.backend_openai import OpenAIBackend
from seaforge.eval.backends import BackendError, make_backend
from seaforge.eval.cache import LLRequest, make_gen


@pytest.fixture(scope="module")
def tiny():
    torch.set_num_threads(1)  # the test machine is shared; one thread is fastest and stable
    return HFBackend.load("tiny:llama", batch_size=4)


def test_batched_generation_equals_one_by_one(tiny):
    reqs = [
        make_gen(messages=[{"role": "user", "content": t}], max_tokens=6)
        for t in ("Selamat pagi", "Xin chào các bạn", "สวัสดีครับ", "Kumusta ka na ba ngayong araw?", "a")
    ]
    batched = tiny.generate(reqs)
    single = [tiny.generate([r])[0] for r in reqs]
    assert batched == single  # left padding must not change greedy outputs


def test_raw_prompts_and_chat_prompts_differ(tiny):
    chat = tiny.generate([make_gen(messages=[{"role": "user", "content": "Halo"}], max_tokens=5)])
    raw = tiny.generate([make_gen(prompt="Halo", max_tokens=5)])
    assert isinstance(chat[0], str) and isinstance(raw[0], str)
    assert tiny.info["chat_template_sha256"] and "<|im_start|>" in tiny.info["chat_template"]


def test_loglikelihood_matches_a_manual_forward_pass(tiny):
    reqs = [LLRequest("Saya suka", " makan"), LLRequest("ฉันชอบ", "กินข้าว"), LLRequest("", "Halo")]
    batched = tiny.loglikelihood(reqs)
    tok, model = tiny.tokenizer, tiny.model
    ctx = tok("Saya suka")["input_ids"]
    cont = tok(" makan", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logp = torch.log_softmax(model(torch.tensor([ctx + cont])).logits[0].float(), -1)
    manual = sum(float(logp[len(ctx) - 1 + i, t]) for i, t in enumerate(cont))
    assert batched[0] == pytest.approx(manual, abs=1e-4)
    assert batched == pytest.approx([tiny.loglikelihood([r])[0] for r in reqs], abs=1e-4)
    assert all(v < 0 for v in batched)


def _echo(batch):
    return [f"echo:{prompt_text(p, b)}" for p, b in batch]


def test_openai_chat_and_completions_round_trip():
    with LoopbackServer(_echo) as srv:
        be = OpenAIBackend("m", srv.base_url, concurrency=4)
        out = be.generate([make_gen(messages=[{"role": "user", "content": "Halo"}]), make_gen(prompt="raw text")])
    assert out == ["echo:Halo", "echo:raw text"]


def test_openai_retries_rate_limits_and_server_errors():
    for status in (429, 503):
        with LoopbackServer(_echo, fail_first=3, fail_status=status, retry_after=0.01) as srv:
            be = OpenAIBackend("m", srv.base_url, concurrency=1, backoff=0.01)
            assert be.generate([make_gen(prompt="x")]) == ["echo:x"]
            assert be.retries == 3 and srv.stats.requests == 4


def test_openai_gives_up_with_a_clear_error():
    with LoopbackServer(_echo, fail_first=100, fail_status=500, retry_after=None) as srv:
        be = OpenAIBackend("m", srv.base_url, max_retries=2, backoff=0.001)
        with pytest.raises(BackendError, match="gave up after 3 attempts; last error HTTP 500"):
            be.generate([make_gen(prompt="x")])
    be = OpenAIBackend("m", "http://127.0.0.1:9/v1", max_retries=1, backoff=0.001)  # nothing listens
    with pytest.raises(BackendError, match="ConnectError"):
        be.generate([make_gen(prompt="x")])


def test_openai_client_error_is_not_retried():
    def bad(batch):
        raise AssertionError("never called")

    with LoopbackServer(bad) as srv:
        be = OpenAIBackend("m", srv.base_url.replace("/v1", "/nope"), max_retries=3)
        with pytest.raises(BackendError, match="HTTP 404"):
            be.generate([make_gen(prompt="x")])
        assert srv.stats.requests == 1


@pytest.mark.parametrize(
    "body,says",
    [
        (b'{"choices": []}', "has no choices"),
        (b"<html><body>Welcome to nginx!</body></html>", "body is not JSON"),
        (b'{"choices": [{"index": 0}]}', "choice 0 has no message"),
        (b"[1, 2]", "JSON list, not an object"),
    ],
)
def test_openai_200_without_an_answer_is_an_error_naming_the_url_and_is_not_cached(tmp_path, body, says):
    from seaforge.errors import UserError
    from seaforge.eval.cache import InferenceCache, cached_call

    with LoopbackServer(lambda batch: [RawReply(body)] * len(batch)) as srv:
        backend = OpenAIBackend("m", srv.base_url, max_retries=3, backoff=0.001)
        cache = InferenceCache(tmp_path / "cache.sqlite")
        with pytest.raises(BackendError, match=f"{srv.base_url}/chat/completions: .*{says}") as caught:
            cached_call(
                cache, backend.fingerprint, [make_gen(messages=[{"role": "user", "content": "Halo"}])], backend.generate
            )
        assert isinstance(caught.value, UserError)
        assert len(cache) == 0  # nothing was stored: a rerun asks again
        assert srv.stats.requests == 1 and backend.retries == 0  # retrying cannot fix it


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_openai_permanent_http_errors_fail_at_once(status):
    with LoopbackServer(lambda batch: [RawReply(b'{"error": "no"}', status)] * len(batch)) as srv:
        backend = OpenAIBackend("m", srv.base_url, max_retries=5, backoff=0.5)
        with pytest.raises(BackendError, match=f"HTTP {status}"):
            backend.generate([make_gen(prompt="x")])
        assert srv.stats.requests == 1 and backend.retries == 0


def test_openai_timeouts_are_still_retried():
    calls = []

    def slow_once(batch):  # the first answer comes after the client's timeout
        calls.append(len(batch))
        if len(calls) == 1:
            time.sleep(0.6)
        return ["ok"] * len(batch)

    with LoopbackServer(slow_once) as srv:
        backend = OpenAIBackend("m", srv.base_url, timeout=0.3, max_retries=2, backoff=0.01)
        assert backend.generate([make_gen(prompt="x")]) == ["ok"]
        assert backend.retries == 1


def test_openai_bad_url_and_unknown_host_fail_at_once():
    for bad in ("127.0.0.1:8000/v1", "ftp://example.org/v1", "http:///v1"):
        with pytest.raises(BackendError, match="--base-url"):
            OpenAIBackend("m", bad)
    backend = OpenAIBackend("m", "http://no-such-host.invalid/v1", max_retries=5, backoff=0.5)
    started = time.perf_counter()
    with pytest.raises(BackendError, match="unknown host 'no-such-host.invalid'"):
        backend.generate([make_gen(prompt="x")])
    assert backend.retries == 0 and time.perf_counter() - started < 5


def test_openai_concurrency_is_respected():
    def slow(batch):
        time.sleep(0.05)
        return ["ok"] * len(batch)

    with LoopbackServer(slow, max_batch=16) as srv:
        OpenAIBackend("m", srv.base_url, concurrency=6).generate([make_gen(prompt=str(i)) for i in range(18)])
        assert srv.stats.max_in_flight == 6
        assert max(srv.stats.batches) > 1  # the server batched concurrent requests


def test_openai_loglikelihood_sums_continuation_tokens_from_echo():
    def scores(batch):  # log-prob of a whitespace token = minus its length
        return [json.dumps([-float(len(w)) for w in prompt_text(p, b).split(" ")]) for p, b in batch]

    with LoopbackServer(scores) as srv:
        be = OpenAIBackend("m", srv.base_url)
        assert be.loglikelihood([LLRequest("aa bbb", " cccc dd")]) == [-6.0]


def test_openai_loglikelihood_without_logprobs_says_why():
    from seaforge.eval.backend_openai import _continuation_logprob

    with pytest.raises(BackendError, match="no echoed logprobs"):
        _continuation_logprob({"choices": [{"text": "x"}]}, 1, "http://x/v1")


def test_vllm_backend_is_imported_lazily_with_a_clear_error():
    try:
        import vllm  # noqa: F401

        pytest.skip("vllm is installed here")
    except ImportError:
        pass
    with pytest.raises(BackendError, match="needs vLLM"):
        make_backend("vllm", "some/model")
    with pytest.raises(BackendError, match="needs --base-url"):
        make_backend("openai", "m")
    with pytest.raises(BackendError, match="unknown backend"):
        make_backend("tgi", "m")


def test_loopback_server_rejects_oversized_requests():
    with LoopbackServer(_echo, max_body=100) as srv:
        be = OpenAIBackend("m", srv.base_url, max_retries=0)
        with pytest.raises(BackendError, match="HTTP 413"):
            be.generate([make_gen(prompt="x" * 500)])


def test_threads_are_cleaned_up():
    before = threading.active_count()
    with LoopbackServer(_echo) as srv:
        OpenAIBackend("m", srv.base_url).generate([make_gen(prompt="x")])
    time.sleep(0.2)
    assert threading.active_count() <= before + 1
