"""Arena exports: the mapping from votes to pairs and chats, read back with the trainers' own readers."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from seaforge.arena.export import export_dpo, export_sft, preference_pairs
from seaforge.arena.records import Vote
from seaforge.config import load_config
from seaforge.train.dpo import load_pairs
from seaforge.train.sft_data import load_chat_rows

_ids = itertools.count()
PROMPT = "Terangkan cara membuat teh tarik dalam tiga langkah."
ANSWER_A = "Rebus air, bancuh teh dengan susu pekat, kemudian tarik dari satu gelas ke gelas lain."
ANSWER_B = "Tea is a drink."
FIX = "1. Rebus air dan bancuh teh pekat. 2. Masukkan susu pekat manis. 3. Tarik beberapa kali hingga berbuih."


def vote(winner: str, *, annotator: str = "aisyah", battle: str = "b1", lang: str = "ms", **kw) -> Vote:
    fields = dict(
        battle_id=battle,
        lang=lang,
        prompt=PROMPT,
        model_a="sealion",
        model_b="tiny",
        answer_a=ANSWER_A,
        answer_b=ANSWER_B,
        winner=winner,
        annotator=annotator,
        created_at=float(next(_ids)),
    )
    fields.update(kw)
    return Vote(**fields)


def content(messages: list[dict]) -> str:
    (message,) = messages
    return message["content"]


@pytest.fixture(scope="module")
def tokenizer():
    from seaforge.testing import tiny_tokenizer

    return tiny_tokenizer()


def test_a_decisive_vote_becomes_a_pair_the_dpo_reader_loads(tmp_path, capsys):
    path = tmp_path / "pairs.jsonl"
    stats = export_dpo([vote("a"), vote("b", battle="b2")], path)
    assert (stats.written, stats.skipped, stats.path) == (2, {}, str(path))
    pairs, skipped = load_pairs(path)
    assert skipped == 0 and capsys.readouterr().err == ""
    assert [(content(p["chosen"]), content(p["rejected"])) for p in pairs] == [
        (ANSWER_A, ANSWER_B),
        (ANSWER_B, ANSWER_A),
    ]
    assert pairs[0]["prompt"] == [{"role": "user", "content": PROMPT}]
    first = json.loads(path.read_text().splitlines()[0])
    assert first["lang"] == "ms" and first["kind"] == "vote" and first["chosen_model"] == "sealion"


def test_ties_and_both_bad_give_no_pair():
    pairs, skipped = preference_pairs([vote("tie"), vote("both_bad", battle="b2")])
    assert pairs == [] and skipped == {"tie": 1, "both_bad": 1}


def test_several_annotators_give_a_pair_only_with_a_majority():
    votes = [vote("a", annotator="ana"), vote("a", annotator="ben"), vote("b", annotator="cai")]
    votes += [vote("a", annotator="ana", battle="split"), vote("b", annotator="ben", battle="split")]
    pairs, skipped = preference_pairs(votes)
    assert skipped == {"no_majority": 1}
    (pair,) = pairs
    assert content(pair["chosen"]) == ANSWER_A
    assert pair["annotators"] == ["ana", "ben"] and pair["majority"] == [2, 3]


def test_the_majority_reads_swapped_sides_right():
    swapped = dict(model_a="tiny", model_b="sealion", answer_a=ANSWER_B, answer_b=ANSWER_A)
    votes = [vote("a", annotator="ana"), vote("b", annotator="ben", **swapped)]  # both chose sealion
    (pair,), _ = preference_pairs(votes)
    assert content(pair["chosen"]) == ANSWER_A and pair["majority"] == [2, 2]


def test_a_correction_is_chosen_against_both_answers_and_becomes_an_sft_chat(tmp_path, tokenizer):
    votes = [vote("both_bad", correction=FIX + "\n", tags=("wrong_facts",)), vote("a", battle="b2", correction=FIX)]
    pairs, skipped = preference_pairs(votes)
    corrections = [p for p in pairs if p["kind"] == "correction"]
    assert skipped == {"both_bad": 1, "duplicate": 2}  # battle b2 shows the same answers: same pairs again
    assert sorted(p["rejected_model"] for p in corrections) == ["sealion", "tiny"]
    assert all(content(p["chosen"]) == FIX for p in corrections)

    path = tmp_path / "sft.jsonl"
    stats = export_sft(votes, path)
    assert (stats.written, stats.skipped) == (1, {"duplicate": 1})
    (chat,) = [json.loads(line) for line in path.read_text().splitlines()]
    assert chat["messages"] == [{"role": "user", "content": PROMPT}, {"role": "assistant", "content": FIX}]
    assert chat["fixes"] == ["sealion", "tiny"] and chat["tags"] == ["wrong_facts"]
    rows = load_chat_rows(path, tokenizer, seq_len=256)
    assert rows.skipped == {} and len(rows.input_ids) == 1
    assert FIX in tokenizer.decode([t for t, label in zip(rows.input_ids[0], rows.labels[0]) if label >= 0])


def test_a_correction_equal_to_a_shown_answer_is_no_pair_against_it():
    pairs, skipped = preference_pairs([vote("a", correction=ANSWER_A)])
    assert skipped == {"correction_unchanged": 1, "duplicate": 1}  # A over B: the vote's pair already
    assert [(p["kind"], content(p["rejected"])) for p in pairs] == [("vote", ANSWER_B)]


def test_unusable_battles_are_counted_by_reason():
    votes = [
        vote("a", battle="same", answer_b=ANSWER_A),
        vote("b", battle="empty", answer_b="  "),
        vote("a", battle="noprompt", prompt=" "),
    ]
    assert preference_pairs(votes) == ([], {"empty_answer": 1, "empty_prompt": 1, "identical_answers": 1})


def test_exports_are_deterministic_and_filter_by_language(tmp_path):
    votes = [
        vote(random.Random(i).choice(["a", "b"]), battle=f"b{i:02d}", lang=["ms", "id"][i % 2], answer_b=f"{i} cawan")
        for i in range(20)
    ]
    votes += [vote("a", battle="b99", correction=FIX, annotator=name) for name in ("zed", "ana")]
    export_dpo(votes, tmp_path / "one.jsonl")
    export_dpo(random.Random(0).sample(votes, len(votes)), tmp_path / "two.jsonl")
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    stats = export_dpo(votes, tmp_path / "id.jsonl", lang="id")
    rows = [json.loads(line) for line in (tmp_path / "id.jsonl").read_text().splitlines()]
    assert stats.written == len(rows) == 10 and {r["lang"] for r in rows} == {"id"}
    assert [r["battle_id"] for r in rows] == sorted(r["battle_id"] for r in rows)


def test_export_replaces_the_file_atomically_and_writes_an_empty_file_for_no_votes(tmp_path):
    path = tmp_path / "out" / "pairs.jsonl"
    export_dpo([vote("a")], path)
    stats = export_dpo([], path)
    assert stats.written == 0 and path.read_text() == ""
    assert [p.name for p in path.parent.iterdir()] == ["pairs.jsonl"]  # no temp file left behind


@pytest.mark.slow
def test_exports_train_with_seaforge_dpo_and_sft(tmp_path, tokenizer, request):
    """Both files go through `seaforge train dpo` / `sft` as they are (tiny model, two steps each)."""
    import torch

    from seaforge.testing import tiny_causal_lm
    from seaforge.train.config import DPOConfig, SFTConfig
    from seaforge.train.dpo import run_dpo
    from seaforge.train.sft import run_sft

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model gains nothing from threads on a shared machine
    request.addfinalizer(lambda: torch.set_num_threads(threads))
    model = tmp_path / "model"
    tiny_causal_lm("llama", tokenizer).save_pretrained(model)
    tokenizer.save_pretrained(model)
    votes = [vote("a", battle=f"b{i}", prompt=f"{i}. {PROMPT}", correction=FIX if i % 2 else None) for i in range(4)]
    export_dpo(votes, tmp_path / "pairs.jsonl")
    export_sft(votes, tmp_path / "chats.jsonl")
    common = ["train.steps=2", "train.micro_batch_size=2", "train.warmup_steps=0", "train.log_every=1"]
    dpo = [f"model.path={model}", f"data.path={tmp_path / 'pairs.jsonl'}", f"output_dir={tmp_path / 'dpo'}"]
    history = run_dpo(load_config(DPOConfig, None, dpo + common + ["data.max_length=96"]))
    assert any("rewards/margins" in row for row in history)
    sft = [f"model.path={model}", f"data.path={tmp_path / 'chats.jsonl'}", f"output_dir={tmp_path / 'sft'}"]
    history = run_sft(load_config(SFTConfig, None, sft + common + ["data.seq_len=128", "data.packing=false"]))
    assert history and all("loss" in row for row in history if "step" in row)
    assert (tmp_path / "dpo" / "final").is_dir() and (tmp_path / "sft" / "final").is_dir()
