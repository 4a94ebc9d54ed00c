"""`seaforge arena` commands on a real database: admin, invitations, prompt import, leaderboard, export."""

import json

from arena_helpers import PASSWORD, make_store

from seaforge.cli import run
from seaforge.train.dpo import load_pairs


def _seed_votes(db: str) -> None:
    """Three Thai battles that alpha wins, one judged twice; a Burmese correction."""
    store = make_store(db)
    annotators = [store.create_annotator(name, PASSWORD, ["th", "my"]) for name in ("som", "aye")]
    for i in range(3):
        a, b = ("alpha", "beta") if i % 2 == 0 else ("beta", "alpha")
        battle = store.create_battle("th", f"คำถาม {i}", f"th-00{i + 1}", a, b, annotators[0].id)
        store.save_answers(battle, f"คำตอบของ {a}", f"คำตอบของ {b}")
        store.cast_vote(battle, annotators[0].id, "a" if a == "alpha" else "b", [], None)
    battle = store.create_battle("my", "မေးခွန်း", None, "alpha", "beta", annotators[1].id)
    store.save_answers(battle, "အဖြေ ၁", "အဖြေ ၂")
    store.cast_vote(battle, annotators[1].id, "both_bad", ["wrong_language"], "ပိုကောင်းတဲ့ အဖြေ")
    store.close()


def test_admin_create_and_invite_print_what_an_admin_needs(tmp_path, capsys, monkeypatch):
    db = f"sqlite:///{tmp_path / 'arena.db'}"
    monkeypatch.setenv("ARENA_PW", PASSWORD)
    assert run(["arena", "admin", "create", "boss", "--lang", "th,mya", "--password-env", "ARENA_PW", "--db", db]) == 0
    assert "created admin boss (th, my)" in capsys.readouterr().out
    assert run(["arena", "invite", "--lang", "km", "--url", "http://arena.example:8100/", "--db", db]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("http://arena.example:8100/join?token=")
    store = make_store(db)
    assert store.invitation(link.split("token=")[1]) == {"langs": ["km"], "is_admin": False}
    assert store.login("boss", PASSWORD).is_admin
    store.close()
    assert run(["arena", "invite", "--lang", "klingon", "--db", db]) == 2
    assert "unknown language code 'klingon'" in capsys.readouterr().err


def test_prompts_import_adds_new_items_once(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'arena.db'}"
    bank = tmp_path / "extra.jsonl"
    bank.write_text('{"lang": "th", "id": "mine-1", "text": "ขอสูตรแกงเขียวหวาน"}\n', encoding="utf-8")
    assert run(["arena", "prompts", "import", str(bank), "--db", db]) == 0
    assert run(["arena", "prompts", "import", str(bank), "--db", db]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "added 1 prompts, 0 already in the bank",
        "added 0 prompts, 1 already in the bank",
    ]
    bank.write_text('{"lang": "th"}\n', encoding="utf-8")
    assert run(["arena", "prompts", "import", str(bank), "--db", db]) == 2
    assert f"{bank}:1: field 'text' is missing or empty" in capsys.readouterr().err


def test_leaderboard_json_ranks_the_winner_first(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'arena.db'}"
    _seed_votes(db)
    assert run(["arena", "leaderboard", "--lang", "th", "--json", "--db", db]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["votes"] == 3 and [r["model"] for r in out["leaderboard"]] == ["alpha", "beta"]
    assert out["annotators"] == {"som": 3} and out["position_bias"]["a_wins"] == 2
    assert run(["arena", "leaderboard", "--db", db]) == 0
    assert "alpha" in capsys.readouterr().out


def test_export_writes_pairs_that_train_dpo_reads_and_corrections_as_chats(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'arena.db'}"
    _seed_votes(db)
    dpo, sft = tmp_path / "pairs.jsonl", tmp_path / "sft.jsonl"
    assert run(["arena", "export", "--dpo", str(dpo), "--sft", str(sft), "--db", db]) == 0
    out = capsys.readouterr().out
    assert f"to {dpo}" in out and f"to {sft}" in out
    pairs, skipped = load_pairs(dpo)
    assert skipped == 0 and len(pairs) >= 3
    assert all(
        p["chosen"][0]["content"] == "คำตอบของ alpha" for p in pairs if p["prompt"][0]["content"].startswith("คำถาม")
    )
    [chat] = [json.loads(line) for line in sft.read_text(encoding="utf-8").splitlines()]
    assert chat["messages"] == [{"role": "user", "content": "မေးခွန်း"}, {"role": "assistant", "content": "ပိုကောင်းတဲ့ အဖြေ"}]
    assert run(["arena", "export", "--db", db]) == 2
    assert "give --dpo FILE, --sft FILE or both" in capsys.readouterr().err


def test_serve_refuses_a_single_model_before_loading_it(tmp_path, capsys):
    assert run(["arena", "serve", "--models", "tiny:llama", "--db", str(tmp_path / "arena.db")]) == 2
    assert "error: --models needs at least two models to compare, got tiny:llama" in capsys.readouterr().err


def test_reading_commands_do_not_create_a_database_at_a_mistyped_path(tmp_path, capsys):
    missing = tmp_path / "typo" / "arena.db"
    for command in (["arena", "leaderboard"], ["arena", "export", "--dpo", str(tmp_path / "p.jsonl")]):
        assert run([*command, "--db", f"sqlite:///{missing}"]) == 2
        assert f"no arena database at {missing}" in capsys.readouterr().err
    assert not missing.parent.exists() and not (tmp_path / "p.jsonl").exists()
