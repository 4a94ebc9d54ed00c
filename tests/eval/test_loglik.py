"""Log-likelihood: each context runs once for all its options, logits only where they are needed,
the same scores as one forward pass per request; cloze multiple choice with acc_norm."""

import pytest
import torch

from seaforge.eval import prompts
from seaforge.eval.backend_hf import HFBackend
from seaforge.eval.cache import InferenceCache, LLRequest
from seaforge.eval.evaluate import Context, choice_requests, norm_summary, run_choice
from seaforge.eval.items import Item, Loaded
from seaforge.eval.tasks import bundled_tasks

CAUSAL = bundled_tasks()["causal"]


@pytest.fixture(scope="module", params=["llama", "gemma3_text"])
def backend(request):
    torch.set_num_threads(1)  # the test machine is shared; one thread is fastest and stable
    return HFBackend.load(f"tiny:{request.param}", batch_size=3)


def _requests():
    # Contexts of very different lengths (padding), one longer than tiny Gemma's 64-token sliding
    # window, an empty one; 1 to 4 options each, single- and multi-token continuations.
    long = "Saya suka makan nasi goreng di warung dekat rumah setiap pagi sebelum berangkat kerja. " * 6
    contexts = {
        "Ibu kota Indonesia adalah": [" Jakarta", " Bandung raya yang sejuk", " A"],
        long: [" Ya", " Tidak sama sekali, karena warungnya tutup", " B", " mungkin saja"],
        "": [" Halo"],
        "ฉันชอบ": ["กินข้าว", "นอน"],
    }
    return [LLRequest(context, option) for context, options in contexts.items() for option in options]


def _one_pass(backend, request):
    """The reference: context + continuation in one forward pass, every position's logits."""
    context = backend._context_ids(request.context)
    continuation = backend.tokenizer(request.continuation, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = backend.model(torch.tensor([context + continuation])).logits[0].float()
    logprobs = torch.log_softmax(logits, -1)
    return sum(float(logprobs[len(context) - 1 + i, token]) for i, token in enumerate(continuation))


def test_shared_context_scores_equal_one_forward_pass_per_request(backend):
    requests = _requests()
    shared = backend.loglikelihood(requests)
    assert backend.ll_path == "shared"
    old = backend._loglikelihood_concat([backend._ll_pair(request) for request in requests])
    assert shared == pytest.approx(old, abs=1e-4)
    assert shared == pytest.approx([_one_pass(backend, request) for request in requests], abs=1e-4)
    assert all(value < 0 for value in shared)


def test_more_options_than_a_batch_after_one_context_are_split(backend):
    # Minimal pairs: every sentence after the same empty prefix; batch_size is 3.
    sentences = ["Saya makan nasi.", "Saya nasi makan.", "Dia pergi ke pasar kemarin.", "Dia ke pergi pasar.", "Ya."]
    requests = [LLRequest("", sentence) for sentence in sentences * 2]
    assert backend.loglikelihood(requests) == pytest.approx([_one_pass(backend, r) for r in requests], abs=1e-4)


def test_each_context_runs_once_and_logits_are_kept_only_where_needed(backend, monkeypatch):
    requests = _requests()
    seen = []  # (input tokens, logits positions) of every forward pass
    forward = backend.model.forward

    def recording(*args, **kwargs):
        out = forward(*args, **kwargs)
        seen.append((kwargs["input_ids"].numel(), out.logits.shape[0] * out.logits.shape[1]))
        return out

    backend.loglikelihood(requests[:1])  # the one-time check of the shared path runs before
    monkeypatch.setattr(backend.model, "forward", recording)
    backend.loglikelihood(requests)
    contexts = {request.context for request in requests}
    context_tokens = sum(len(backend._context_ids(context)) for context in contexts)
    continuation_tokens = [len(backend._continuation_ids(request.continuation)) for request in requests]
    every_row = sum(len(backend._context_ids(r.context)) + n for r, n in zip(requests, continuation_tokens))
    fed = sum(tokens for tokens, _ in seen)
    # Contexts once each (plus padding), never once per option as before.
    assert fed < every_row - context_tokens / 2
    # Logits: one position per context row and the continuation positions, not every position.
    kept = sum(positions for _, positions in seen)
    assert kept <= len(contexts) * 4 + max(continuation_tokens) * len(requests)
    assert kept < fed / 2


def test_a_model_whose_cache_cannot_be_shared_falls_back_to_one_pass_per_request(monkeypatch):
    backend = HFBackend.load("tiny:llama", batch_size=2)

    def no_cache(*args, **kwargs):
        raise NotImplementedError("no reorderable cache")

    monkeypatch.setattr(backend, "_shared_batch", no_cache)
    requests = _requests()
    values = backend.loglikelihood(requests)
    assert backend.ll_path == "concat" and "no reorderable cache" in backend.info["loglikelihood"]
    monkeypatch.undo()
    assert values == pytest.approx([_one_pass(backend, request) for request in requests], abs=1e-4)


# --- cloze multiple choice ------------------------------------------------------------------------

ITEM = Item(
    "c1",
    "id",
    {
        "premise": "Barang itu dikemas rapat.",
        "question": "cause",
        "choice1": "Barangnya mudah pecah.",
        "choice2": "Kecil.",
    },
    label="A",
)
EXAMPLE = Item(
    "ex1",
    "id",
    {"premise": "Saya lapar.", "question": "effect", "choice1": "Saya makan.", "choice2": "Saya tidur."},
    label="A",
)


def test_cloze_prompt_drops_the_lettered_options_and_scores_each_option_text():
    assert prompts.option_fields(CAUSAL, "id") == {"A": "choice1", "B": "choice2"}
    letter = choice_requests(CAUSAL, ITEM, [EXAMPLE])
    cloze = choice_requests(CAUSAL, ITEM, [EXAMPLE], cloze=True)
    assert [r.continuation for r in letter] == [" A", " B"]
    assert [r.continuation for r in cloze] == [" Barangnya mudah pecah.", " Kecil."]
    context = cloze[0].context
    assert "A. " not in context and "Jawab dengan A atau B" not in context  # no letters asked for
    assert context.endswith("Barang itu dikemas rapat.\nPertanyaan: Apa penyebabnya?\nJawaban:")
    assert "Saya lapar." in context and "Jawaban: Saya makan." in context  # the example's answer text
    assert len({r.context for r in cloze}) == 1  # every option after the same context


def test_cloze_options_fall_back_to_the_native_answer_words():
    sentiment = bundled_tasks()["sentiment"]
    item = Item("s1", "id", {"text": "Enak sekali."}, label=sentiment.labels[0])
    assert prompts.option_fields(sentiment, "id") == {}
    texts = [r.continuation.strip() for r in choice_requests(sentiment, item, [], cloze=True)]
    assert texts == [sentiment.languages["id"].options[label] for label in sentiment.labels]


class FixedScores:
    """Log-likelihoods by continuation: the long right answer is less likely in total but more
    likely per character, so acc and acc_norm disagree."""

    supports_loglikelihood = True
    fingerprint = "fixed"
    info = {"backend": "fixed", "model": "fixed", "chat_template": None, "chat_template_sha256": None}

    def loglikelihood(self, requests):
        return [{" Barangnya mudah pecah.": -11.0, " Kecil.": -9.0}[r.continuation] for r in requests]


def test_cloze_reports_acc_and_length_normalised_acc_norm(tmp_path):
    ctx = Context(FixedScores(), InferenceCache(tmp_path / "c.sqlite"), mode="base", choice_scoring="cloze")
    records = run_choice(CAUSAL, Loaded([ITEM], [EXAMPLE], "test"), 0, ctx)
    # acc: -9 > -11 picks B (wrong); acc_norm: -11/21 chars > -9/6 chars picks A (right).
    assert records[0]["pred"] == "B" and records[0]["score"] == 0.0
    assert records[0]["pred_norm"] == "A" and records[0]["score_norm"] == 1.0
    summary = norm_summary({0: records})
    assert summary["acc"] == 0.0 and summary["acc_norm"] == 100.0
    assert summary["acc_norm_stderr"] != summary["acc_norm_stderr"]  # one item: no standard error (NaN)
    assert norm_summary({0: [{"score": 1.0}]}) == {}  # letter scoring: nothing to add


def test_a_task_yaml_can_ask_for_cloze_scoring(tmp_path):
    from seaforge.eval.runner import RunConfig, run_eval
    from seaforge.eval.tasks import load_task

    yaml = tmp_path / "causal-cloze.yaml"
    yaml.write_text(f"extends: {CAUSAL.path}\nname: causal-cloze\nscoring: cloze\n", encoding="utf-8")
    task = load_task(yaml)

    class Uniform(FixedScores):
        def loglikelihood(self, requests):
            return [-float(len(r.continuation)) for r in requests]  # the shorter option wins acc

    result = run_eval(Uniform(), [task], tmp_path / "out", RunConfig(languages=["id"], mode="base"))
    summary = result["results"]["id"][task.competency]["causal-cloze"]
    assert {"acc", "acc_norm", "acc_stderr", "acc_norm_stderr"} <= set(summary)
