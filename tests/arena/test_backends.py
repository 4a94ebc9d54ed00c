"""The arena on the serving stack's other backends: models behind an OpenAI-compatible endpoint, and (slow)
a real model, gemma3-270m, answering a Thai battle."""

import json

import pytest
from arena_helpers import Arena, make_store
from live_serve import LiveServer, ScriptedEngine

from seaforge.arena.app import create_app
from seaforge.serve.app import create_app as create_serve_app
from seaforge.serve.server import EngineOptions, load_engines
from seaforge.serve.store import Store


def _judge_one(live: Arena, lang: str) -> tuple[object, dict]:
    client = live.annotator("judge", langs=(lang,))
    response = client.new_battle(lang)
    assert response.status_code == 303
    battle = response.headers["location"]
    events = [json.loads(line) for line in client.get(f"{battle}/stream").text.splitlines()]
    assert events[-1] == {"done": True}, events[-1]
    texts = {side: "".join(e["text"] for e in events if e.get("side") == side) for side in "ab"}
    assert client.vote(battle, "a").status_code == 303
    return live.store.battle(battle.rsplit("/", 1)[1]), texts


def test_models_behind_an_openai_compatible_endpoint_battle_by_streaming(tmp_path):
    upstream_engines = {
        "sea-a": ScriptedEngine(["Halo, ", "apa kabar?"]),
        "sea-b": ScriptedEngine(["Selamat ", "pagi!"]),
    }
    with LiveServer(create_serve_app(upstream_engines, Store(str(tmp_path / "upstream.db")))) as upstream:
        engines = load_engines([upstream.base_url], EngineOptions(backend="upstream"))
        assert sorted(engines) == ["sea-a", "sea-b"]
        store = make_store(f"sqlite:///{tmp_path / 'arena.db'}")
        with LiveServer(create_app(engines, store)) as server:
            battle, texts = _judge_one(Arena(store, server.url), "id")
    answers = {battle.model_a: texts["a"], battle.model_b: texts["b"]}
    assert answers == {"sea-a": "Halo, apa kabar?", "sea-b": "Selamat pagi!"}
    assert (battle.answer_a, battle.answer_b) == (texts["a"], texts["b"])
    for engine in engines.values():
        engine.stop()


@pytest.mark.slow
def test_gemma3_270m_and_tiny_llama_answer_a_thai_battle(tmp_path):
    """Needs gemma3-270m in the local cache (`seaforge models pull gemma3-270m`)."""
    engines = load_engines(["gemma3-270m", "tiny:llama"], EngineOptions())
    store = make_store(f"sqlite:///{tmp_path / 'arena.db'}")
    try:
        with LiveServer(create_app(engines, store)) as server:
            battle, texts = _judge_one(Arena(store, server.url), "th")
        gemma = texts["a"] if battle.model_a == "gemma3-270m" else texts["b"]
        assert gemma.strip() and any("\u0e00" <= ch <= "\u0e7f" for ch in gemma), gemma  # it answers in Thai
    finally:
        for engine in engines.values():
            engine.stop()
