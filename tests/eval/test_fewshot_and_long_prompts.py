"""Few-shot examples never come from the test items; long prompts keep their question and cue."""

import json

import pytest
import torch
from recording_backend import Recorder  # tests/support, on sys.path via conftest

from seaforge.eval import prompts
from seaforge.eval.backend_hf import HFBackend
from seaforge.eval.cache import InferenceCache, make_gen
from seaforge.eval.evaluate import Context, _gen_request
from seaforge.eval.items import load_items
from seaforge.eval.runner import RunConfig, run_eval
from seaforge.eval.tasks import bundled_tasks

SENTIMENT = bundled_tasks()["sentiment"]
TEST_TEXTS = [
    "Makanan di warung ini enak dan murah.",
    "Busnya mogok dua kali dalam seminggu.",
    "Perpustakaan kota tutup setiap hari Senin.",
    "Penjualnya jujur dan cepat membalas pesan.",
    "Hotelnya kotor dan airnya tidak mengalir.",
]
EXAMPLE_TEXTS = [
    "CONTOH: Kopi susunya manis sekali, saya suka.",
    "CONTOH: Jalan ke desa rusak parah.",
    "CONTOH: Kantor pos buka jam delapan.",
]
LABELS = ["positive", "negative", "neutral", "positive", "negative"]


def _write(path, texts, prefix):
    rows = [
        {"id": f"{prefix}-{i}", "lang": "id", "text": text, "label": LABELS[i % len(LABELS)]}
        for i, text in enumerate(texts)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_local_data_without_examples_runs_zero_shot_and_says_so(tmp_path, capsys):
    data = _write(tmp_path / "sentiment_id.jsonl", TEST_TEXTS, "test")
    backend = Recorder()
    from rich.console import Console

    result = run_eval(
        backend,
        [SENTIMENT],
        tmp_path / "out",
        RunConfig(languages=["id"], data=str(data), mode="base"),
        console=Console(stderr=True),
    )
    assert len(backend.prompts) == 5
    for prompt, own in zip(backend.prompts, TEST_TEXTS):  # before the fix: 5 other test items each
        assert sum(text in prompt for text in TEST_TEXTS) == 1 and own in prompt
    fewshot = result["results"]["id"]["nlu"]["sentiment"]["fewshot"]
    assert fewshot["k"] == 0 and "ran zero-shot" in fewshot["note"] and "sentiment_id_examples.jsonl" in fewshot["note"]
    assert "running zero-shot" in capsys.readouterr().err


def test_sibling_examples_file_supplies_the_shots(tmp_path):
    data = _write(tmp_path / "sentiment_id.jsonl", TEST_TEXTS, "test")
    _write(tmp_path / "sentiment_id_examples.jsonl", EXAMPLE_TEXTS, "example")
    backend = Recorder()
    result = run_eval(backend, [SENTIMENT], tmp_path / "out", RunConfig(languages=["id"], data=str(data), mode="base"))
    for prompt in backend.prompts:
        assert sum(text in prompt for text in TEST_TEXTS) == 1  # only the item itself
        assert all(text in prompt for text in EXAMPLE_TEXTS)  # k=5 but only 3 examples exist
    fewshot = result["results"]["id"]["nlu"]["sentiment"]["fewshot"]
    assert fewshot == {"k": 3, "source": str(tmp_path / "sentiment_id_examples.jsonl")}


def test_fewshot_data_option_and_refusing_the_test_file_itself(tmp_path):
    data = _write(tmp_path / "test.jsonl", TEST_TEXTS, "test")
    examples = _write(tmp_path / "shots.jsonl", EXAMPLE_TEXTS, "example")
    loaded = load_items(SENTIMENT, "id", str(data), fewshot_k=5, fewshot_data=str(examples))
    assert [item.fields["text"] for item in loaded.fewshot] == EXAMPLE_TEXTS
    assert loaded.fewshot_source == str(examples)
    from seaforge.eval.tasks import TaskError

    with pytest.raises(TaskError, match="is the test file itself"):
        load_items(SENTIMENT, "id", str(data), fewshot_k=5, fewshot_data=str(data))


@pytest.fixture(scope="module")
def tiny():
    torch.set_num_threads(1)
    return HFBackend.load("tiny:llama", batch_size=4)


def _with_context(tiny, max_length):
    backend = HFBackend(tiny.model, tiny.tokenizer, "tiny:llama", batch_size=4)
    backend.max_length = max_length  # a tiny context so that sample prompts overflow it
    return backend


def test_long_prompts_drop_fewshot_examples_before_losing_the_question(tmp_path, tiny):
    short_context = _with_context(tiny, 320)  # zero-shot takes ~150 tokens here, each example ~130
    items = load_items(SENTIMENT, "id", "samples", fewshot_k=5)
    long_shots = [
        type(item)(f"long-{i}", "id", {"text": " ".join([item.fields["text"]] * 3)}, item.label)
        for i, item in enumerate(items.items)
    ]
    items.fewshot = long_shots
    ctx = Context(short_context, InferenceCache(tmp_path / "c.sqlite"), mode="base")
    item = items.items[0]
    request = _gen_request(SENTIMENT, item, items, 0, ctx)
    assert request.prompt.endswith(f"{item.fields['text']}\nJawaban:")  # question and cue kept
    assert short_context.fits(request) and ctx.fewshot_dropped == 1 and ctx.truncated == 0
    full = prompts.base_prompt(SENTIMENT, item, prompts.pick_fewshot(long_shots, item, 5, 0))
    assert not short_context.fits(make_gen(prompt=full, max_tokens=SENTIMENT.max_tokens))


def test_a_prompt_too_long_even_zero_shot_is_cut_from_the_left(tiny):
    short_context = _with_context(tiny, 160)
    question = "Pertanyaan terakhir: apakah pasar buka besok?\nJawaban:"
    prompt = "Kalimat pembuka yang panjang sekali. " * 80 + question
    encoded = short_context.encode_prompts([(prompt, False)], max_tokens=8)
    ids = encoded["input_ids"][0].tolist()
    tail = short_context.tokenizer(question, add_special_tokens=False)["input_ids"]
    assert len(ids) == short_context.max_length - 8
    assert ids[-len(tail) :] == tail  # before the fix the end (question and cue) was cut off
    assert not short_context.fits(make_gen(prompt=prompt, max_tokens=8))


def test_run_reports_how_many_prompts_were_shortened(tmp_path, tiny):
    short_context = _with_context(tiny, 160)
    long_texts = [" ".join([text] * 12) for text in TEST_TEXTS[:3]]
    data = _write(tmp_path / "sentiment.jsonl", long_texts, "test")
    _write(tmp_path / "sentiment_examples.jsonl", EXAMPLE_TEXTS, "example")
    config = RunConfig(languages=["id"], data=str(data), mode="base", max_tokens=2)
    result = run_eval(short_context, [SENTIMENT], tmp_path / "out", config)
    summary = result["results"]["id"]["nlu"]["sentiment"]
    assert result["prompts"] == {"fewshot_dropped": 3, "truncated_left": 3}
    assert summary["prompts_fewshot_dropped"] == 3 and summary["prompts_truncated_left"] == 3
