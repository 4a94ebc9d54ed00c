"""Base-model answers end where the answer ends; --num-fewshot, --fewshot-file,
--system-instruction and --gen-kwargs; a standard error that cannot be known says so."""

import json
import math

import pytest
import torch

from seaforge.cli import run
from seaforge.errors import UserError
from seaforge.eval import prompts
from seaforge.eval.backend_hf import HFBackend
from seaforge.eval.cache import InferenceCache, make_gen
from seaforge.eval.evaluate import Context, parse_gen_kwargs
from seaforge.eval.report import fmt
from seaforge.eval.runner import RunConfig, run_eval
from seaforge.eval.scores import aggregate
from seaforge.eval.tasks import bundled_tasks

CAUSAL = bundled_tasks()["causal"]
QA = bundled_tasks()["qa"]


class Scripted:
    """A base model that answers, then goes on inventing the next few-shot example."""

    supports_loglikelihood = False
    fingerprint = "scripted"
    info = {"backend": "scripted", "model": "scripted", "chat_template": None, "chat_template_sha256": None}

    def __init__(self, text):
        self.text, self.requests = text, []

    def generate(self, requests):
        self.requests += requests
        return [self.text] * len(requests)


def test_base_stops_come_from_the_prompt_template():
    assert prompts.base_stops(CAUSAL, "id") == ("\n\n", "\n", "Pernyataan:", "Jawaban:")
    assert prompts.base_stops(QA, "id") == ("\n\n", "Paragraf:", "Jawaban:")  # free text: lines allowed
    assert prompts.cut_at_stop(" A\n\nPernyataan: x\nJawaban: B", ("\n\n", "Jawaban:")) == " A"
    assert prompts.cut_at_stop("no stop here", ("\n\n",)) == "no stop here"


def test_the_first_answer_is_scored_not_the_one_the_model_invents_after_it(tmp_path):
    # Before: the answer was read after the last "Jawaban:", i.e. from the invented example.
    invented = " A\n\nPernyataan: Hujan turun.\nPertanyaan: Apa akibatnya?\nA. Basah\nB. Kering\nJawaban: B"
    backend = Scripted(invented)
    result = run_eval(backend, [CAUSAL], tmp_path / "out", RunConfig(languages=["id"], mode="base"))
    rows = [json.loads(line) for line in (tmp_path / "out" / "items" / "causal" / "id.jsonl").read_text().splitlines()]
    assert all(row["pred"] == "A" and row["output"] == " A" for row in rows)
    assert all("\n\n" in request.stop and "Jawaban:" in request.stop for request in backend.requests)
    gold_a = sum(row["gold"] == "A" for row in rows)
    assert result["results"]["id"]["nlr"]["causal"]["n"] == len(rows) and gold_a < len(rows)


def test_hf_generation_stops_at_a_stop_string(tmp_path):
    torch.set_num_threads(1)
    backend = HFBackend.load("tiny:llama", batch_size=2)
    free = backend.generate([make_gen(prompt="Selamat pagi", max_tokens=40)])[0]
    stop = free[12:15]
    assert free.find(stop) > 0
    ctx = Context(backend, InferenceCache(tmp_path / "c.sqlite"), mode="base")
    request = make_gen(prompt="Selamat pagi", max_tokens=40, stop=[stop])
    raw = backend.generate([request])[0]
    assert len(raw) < len(free) and raw.startswith(free[: free.find(stop)])  # stopped early
    assert ctx.generate([request]) == [free[: free.find(stop)]]  # and cut at the stop


class Recorder:
    supports_loglikelihood = False
    fingerprint = "recorder"
    info = {"backend": "recorder", "model": "recorder", "chat_template": None, "chat_template_sha256": None}

    def __init__(self):
        self.requests = []

    def generate(self, requests):
        self.requests += requests
        return ["Jawaban: A"] * len(requests)


def _examples_in(prompt):
    return prompt.count("Pernyataan:") - 1  # the item itself is one


def test_num_fewshot_system_instruction_and_gen_kwargs_reach_every_request(tmp_path):
    backend = Recorder()
    config = RunConfig(
        languages=["id"],
        mode="base",
        num_fewshot=1,
        system_instruction="Anda ahli penalaran.",
        gen_kwargs=parse_gen_kwargs("temperature=0.5,top_p=0.9,max_new_tokens=7,stop=###"),
    )
    result = run_eval(backend, [CAUSAL], tmp_path / "out", config)
    assert backend.requests
    for request in backend.requests:
        assert request.prompt.startswith("Anda ahli penalaran.\n\n") and _examples_in(request.prompt) == 1
        assert (request.max_tokens, request.temperature, request.top_p) == (7, 0.5, 0.9)
        assert request.stop[-1] == "###" and "\n\n" in request.stop
    assert result["results"]["id"]["nlr"]["causal"]["fewshot"]["k"] == 1
    backend = Recorder()
    run_eval(backend, [CAUSAL], tmp_path / "zero", RunConfig(languages=["id"], mode="base", num_fewshot=0))
    assert all(_examples_in(request.prompt) == 0 for request in backend.requests)
    backend = Recorder()
    run_eval(backend, [CAUSAL], tmp_path / "chat", RunConfig(languages=["id"], mode="instruct", system_instruction="S"))
    assert all(request.messages[0] == ("system", "S") for request in backend.requests)


def test_fewshot_file_supplies_examples_for_any_data(tmp_path):
    shots = tmp_path / "shots.jsonl"
    record = {"id": "mine-1", "premise": "CONTOH: Lantainya licin.", "question": "effect", "choice1": "Saya jatuh.",
              "choice2": "Saya tertawa.", "label": 0}  # fmt: skip
    shots.write_text(json.dumps(record) + "\n", encoding="utf-8")  # no language field: the run's one language
    backend = Recorder()
    result = run_eval(
        backend, [CAUSAL], tmp_path / "out", RunConfig(languages=["id"], mode="base", fewshot_file=str(shots))
    )
    assert all("CONTOH: Lantainya licin." in request.prompt for request in backend.requests)
    assert result["results"]["id"]["nlr"]["causal"]["fewshot"] == {"k": 1, "source": str(shots)}
    with pytest.raises(UserError, match="--fewshot-file .* no language field"):
        run_eval(
            Recorder(),
            [CAUSAL],
            tmp_path / "two",
            RunConfig(languages=["id", "th"], mode="base", fewshot_file=str(shots)),
        )


@pytest.mark.parametrize(
    "args,says",
    [
        (["--gen-kwargs", "temprature=0.5"], "--gen-kwargs: unknown key 'temprature'"),
        (["--gen-kwargs", "top_p=2"], "--gen-kwargs: top_p must be a number in (0, 1]"),
        (["--gen-kwargs", "max_new_tokens=0"], "--gen-kwargs: max_new_tokens must be an integer >= 1"),
        (["--gen-kwargs", "stop"], "--gen-kwargs: 'stop' is not key=value"),
        (["--num-fewshot", "-1"], "--num-fewshot must be 0 or more"),
        (["--fewshot-file", "missing.jsonl"], "--fewshot-file missing.jsonl: no such file"),
        (["--system-instruction", " "], "--system-instruction is empty"),
        (["--choice-scoring", "vibes"], "--choice-scoring must be one of generate, loglikelihood, cloze"),
    ],
)
def test_bad_generation_flags_fail_before_the_model_is_loaded(tmp_path, capsys, args, says):
    rc = run(["eval", "run", "--model", "tiny:gpt9", "--tasks", "causal", "--out", str(tmp_path / "out"), *args])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert rc == 2 and err.startswith("error: ") and says in err, err


def test_gen_kwargs_parse_escapes_repeats_and_aliases():
    assert parse_gen_kwargs(r"stop=\n\n,until=Soal:,max_tokens=5") == {"stop": ("\n\n", "Soal:"), "max_new_tokens": 5}
    assert parse_gen_kwargs(None) == {}


def test_one_item_has_no_standard_error_rather_than_zero(tmp_path):
    backend = Recorder()
    result = run_eval(backend, [CAUSAL], tmp_path / "out", RunConfig(languages=["id"], mode="base", limit=1))
    summary = result["results"]["id"]["nlr"]["causal"]
    assert summary["n"] == 1 and math.isnan(summary["stderr"])
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert written["results"]["id"]["nlr"]["causal"]["stderr"] is None  # null, not 0.0
    assert written["aggregate"]["sea_average"]["stderr"] is None
    assert fmt(result["aggregate"]["sea_average"]).endswith("± n/a")
    assert fmt({"score": 12.34, "stderr": 1.0}) == "12.3 ± 1.0"
    two = aggregate({"id": {"nlr": {"a": {"normalized_accuracy": 10.0, "normalized_stderr": float("nan")},
                                    "b": {"normalized_accuracy": 30.0, "normalized_stderr": 2.0}}}})  # fmt: skip
    assert two["sea_average"]["score"] == 20.0 and math.isnan(two["sea_average"]["stderr"])
