"""Cache keys follow the weights, tokenizer and chat template, not the model's path."""

import os
import shutil

import pytest
import torch

from seaforge.eval.backend_hf import HFBackend
from seaforge.eval.cache import file_fingerprint, weights_fingerprint
from seaforge.eval.runner import RunConfig, run_eval
from seaforge.eval.tasks import bundled_tasks
from seaforge.testing import tiny_causal_lm, tiny_model_dir, tiny_tokenizer


def _save(folder, seed):
    """A tiny model with weights from `seed`, written over whatever `folder` held."""
    tokenizer = tiny_tokenizer()
    model = tiny_causal_lm("llama", tokenizer, seed=seed)
    tokenizer.save_pretrained(str(folder))
    model.save_pretrained(str(folder))


def test_weights_fingerprint_changes_with_content_not_with_path(tmp_path):
    source = tiny_model_dir("llama")
    copy = tmp_path / "copy"
    shutil.copytree(source, copy, copy_function=shutil.copy2)  # copy2 keeps mtimes
    assert weights_fingerprint(copy) == weights_fingerprint(source)  # another path, same model
    (copy / "README.md").write_text("notes", encoding="utf-8")
    (copy / "checkpoint-10").mkdir()
    assert weights_fingerprint(copy) == weights_fingerprint(source)  # notes and other checkpoints
    template = copy / "chat_template.jinja"
    template.write_text(template.read_text(encoding="utf-8").replace("<|im_start|>", "<|im_begin|>"), "utf-8")
    assert weights_fingerprint(copy) != weights_fingerprint(source)  # the chat template is keyed


def test_large_files_are_keyed_by_size_mtime_and_their_ends(tmp_path):
    weights = tmp_path / "model.bin"
    weights.write_bytes(b"a" * 5000)
    before = file_fingerprint(weights, whole_hash_bytes=1000)
    assert before.startswith("size:5000|")
    stat = weights.stat()
    weights.write_bytes(b"b" + b"a" * 4999)  # same size, first byte changed, mtime put back
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert file_fingerprint(weights, whole_hash_bytes=1000) != before
    weights.write_bytes(b"a" * 5000)
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # same bytes, rewritten later
    assert file_fingerprint(weights, whole_hash_bytes=1000) != before
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert file_fingerprint(weights, whole_hash_bytes=1000) == before


def test_a_checkpoint_overwritten_at_the_same_path_does_not_get_the_old_answers(tmp_path):
    torch.set_num_threads(1)
    folder = tmp_path / "checkpoint"
    tasks = [bundled_tasks()["causal"]]

    def run(out):
        config = RunConfig(languages=["id"], mode="base", choice_scoring="loglikelihood", cache=str(tmp_path / "c.db"))
        return run_eval(HFBackend.load(str(folder), batch_size=4), tasks, tmp_path / out, config)

    _save(folder, seed=1)
    first = run("a")
    again = run("b")
    assert again["cache"]["misses"] == 0 and again["cache"]["hits"] == first["cache"]["misses"] > 0
    _save(folder, seed=2)  # new weights at the same path
    changed = run("c")
    assert changed["cache"]["hits"] == 0 and changed["cache"]["misses"] == first["cache"]["misses"]
    assert changed["cache"]["model_fingerprint"] != first["cache"]["model_fingerprint"]
    logprobs = [r["logprobs"] for r in _items(tmp_path / "a")], [r["logprobs"] for r in _items(tmp_path / "c")]
    assert logprobs[0] != logprobs[1]  # the new model's own answers


def _items(out):
    import json

    return [json.loads(line) for line in (out / "items" / "causal" / "id.jsonl").read_text().splitlines()]


def test_an_in_memory_model_is_keyed_on_its_parameters():
    loaded = HFBackend.load("tiny:llama")
    same = HFBackend(loaded.model, loaded.tokenizer, "a-name")
    assert same.fingerprint == HFBackend(loaded.model, loaded.tokenizer, "another-name").fingerprint
    with torch.no_grad():
        next(loaded.model.parameters()).add_(1.0)  # trained in-process: other answers
    assert HFBackend(loaded.model, loaded.tokenizer, "a-name").fingerprint != same.fingerprint
    with torch.no_grad():
        next(loaded.model.parameters()).sub_(1.0)


@pytest.mark.parametrize("missing", ["nowhere/at-all", ""])
def test_fingerprint_of_an_unknown_name_is_the_name(missing, monkeypatch):
    from seaforge.eval.cache import model_fingerprint

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert model_fingerprint(missing) == f"name:{missing}"
