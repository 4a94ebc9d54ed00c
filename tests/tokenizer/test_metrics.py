import pytest

from seaforge.tokenizer.corpus import Corpus, read_corpus
from seaforge.tokenizer.metrics import _pieces_per_word, corpus_stats, cost_row, word_index

from .conftest import shared_path


def _corpus(items):
    corpus = Corpus()
    for lang, text, item_id in items:
        corpus.add(lang, text, item_id)
    return corpus


def test_byte_tokens_give_exact_counts_and_parity(byte_tokenizer):
    corpus = _corpus([("en", "hello an ox", "1"), ("th", "ขอบคุณ", "1")])
    stats = {s.lang: s for s in corpus_stats(byte_tokenizer, corpus, word_index(corpus))}
    en, th = stats["en"], stats["th"]
    assert (en.tokens, en.words, en.chars, en.bytes) == (11, 3, 11, 11)
    assert en.fertility == pytest.approx(11 / 3) and en.tokens_per_char == 1.0
    assert en.byte_share == 0.0 and en.split3_share == pytest.approx(1 / 3)  # only "hello"
    assert (th.tokens, th.chars, th.bytes) == (18, 6, 18)
    assert th.tokens_per_byte == 1.0 and th.byte_share == 1.0  # every token cuts a Thai letter
    assert th.split3_share == 1.0 and th.fertility == th.tokens / th.words
    assert en.parity == 1.0 and th.parity == pytest.approx(18 / 11)


def test_parity_is_left_out_when_the_corpus_is_not_parallel(byte_tokenizer):
    corpus = _corpus([("en", "hello", "1"), ("th", "ขอบคุณ", "2")])
    assert all(s.parity is None for s in corpus_stats(byte_tokenizer, corpus, word_index(corpus)))


def test_unknown_token_share():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel({"[UNK]": 0, "hello": 1}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]")
    corpus = _corpus([("en", "hello there", "1")])
    (stats,) = corpus_stats(fast, corpus, word_index(corpus))
    assert stats.unk_share == 0.5 and stats.byte_share == 0.0


def test_pieces_per_word_counts_overlapping_tokens():
    assert _pieces_per_word([(0, 2), (2, 5), (5, 6), (6, 9)], [(0, 5), (6, 9)]) == [2, 1]
    # one token covering two words counts for both
    assert _pieces_per_word([(0, 9)], [(0, 3), (4, 9)]) == [1, 1]


def test_cost_row_scales_tokens_to_price_and_time(byte_tokenizer):
    corpus = _corpus([("en", "hello an ox", "1"), ("th", "ขอบคุณ", "1")])
    th = [s for s in corpus_stats(byte_tokenizer, corpus, word_index(corpus)) if s.lang == "th"][0]
    row = cost_row(th, price_per_million=2.0, tokens_per_second=50.0)
    assert row["tokens_per_1k_words"] == pytest.approx(1000 * th.fertility)
    assert row["price_per_1k_words"] == pytest.approx(row["tokens_per_1k_words"] * 2.0 / 1e6)
    assert row["seconds_per_1k_words"] == pytest.approx(row["tokens_per_1k_words"] / 50.0)
    assert row["price_multiplier"] == row["latency_multiplier"] == th.parity


# UDHR token counts pinned in ../shared/tokenizers/README.md (each line alone, no specials).
PINNED = [
    ("qwen3", {"tha": 4918, "khm": 12394, "eng": 1879, "mya": 22193}),
    ("gpt2", {"tha": 17785, "eng": 1875}),
    ("mistral-v3", {"khm": 12581, "lao": 26568}),
    ("llama2", {"tam": 14625}),
]


@pytest.mark.parametrize("name,counts", PINNED, ids=[p[0] for p in PINNED])
def test_real_tokenizers_match_the_pinned_udhr_counts(name, counts):
    from seaforge.tokenizer.load import load_tokenizer

    tok = load_tokenizer(str(shared_path("tokenizers", name)))
    udhr = shared_path("corpora", "udhr")
    corpus = read_corpus([str(udhr / f"{lang}.txt") for lang in counts])
    index = word_index(corpus)
    got = {s.lang: s.tokens for s in corpus_stats(tok, corpus, index)}
    from seaforge.text.languages import resolve

    assert got == {resolve(lang): n for lang, n in counts.items()}


def test_sentencepiece_without_byte_fallback_reports_unknowns():
    from seaforge.tokenizer.load import load_tokenizer

    tok = load_tokenizer(str(shared_path("tokenizers", "wangchanberta")))
    corpus = read_corpus(
        [str(shared_path("corpora", "udhr", "khm.txt")), str(shared_path("corpora", "udhr", "tha.txt"))]
    )
    stats = {s.lang: s for s in corpus_stats(tok, corpus, word_index(corpus))}
    assert stats["th"].tokens == 1820
    assert stats["km"].unk_share >= 0.5 and stats["km"].tokens < stats["km"].words
    assert stats["th"].unk_share < 0.05


@pytest.mark.slow  # converting 128K tiktoken ranks takes ~10 s here
def test_tiktoken_folder_loads_with_its_chat_template():
    from seaforge.tokenizer.load import load_tokenizer

    tok = load_tokenizer(str(shared_path("tokenizers", "llama3")))
    assert len(tok) == 128256 and tok.convert_tokens_to_ids("<|eot_id|>") == 128009
    assert tok.decode(tok("ສະບາຍດີ")["input_ids"]).endswith("ສະບາຍດີ")
    prompt = tok.apply_chat_template([{"role": "user", "content": "Xin chào"}], tokenize=False)
    assert "<|start_header_id|>user<|end_header_id|>" in prompt


def test_unknown_tokenizer_spec_is_a_clear_error(tmp_path):
    from seaforge.tokenizer.load import load_tokenizer

    (tmp_path / "notes.txt").write_text("hello\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a tokenizer"):
        load_tokenizer(str(tmp_path / "notes.txt"))
