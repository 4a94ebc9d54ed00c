import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seaforge.tokenizer.extend import apply_extension, backend_json, extend_tokenizer, full_vocab, token_text
from seaforge.tokenizer.scripts import target_char_pattern

from .conftest import TARGETS, shared_path

TARGET_RE = target_char_pattern(["Thai", "Khmr", "Laoo", "Mymr", "Taml"])


@pytest.fixture(scope="module")
def extended(tiny_tok, sample_by_lang):
    texts = {lang: sample_by_lang[lang] for lang in TARGETS}
    return extend_tokenizer(tiny_tok, texts, 120, min_frequency=1)


def test_existing_ids_are_unchanged_and_new_ids_follow(tiny_tok, extended):
    new, ext = extended
    old_vocab, new_vocab = full_vocab(backend_json(tiny_tok)), full_vocab(backend_json(new))
    assert all(new_vocab[t] == i for t, i in old_vocab.items())
    assert sorted(ext.new_tokens.values()) == list(range(len(tiny_tok), len(new)))
    assert 0 < len(ext.new_tokens) <= 120


def test_every_new_token_holds_a_target_script_character(extended):
    _, ext = extended
    assert all(TARGET_RE.search(token_text(t, byte_level=True)) for t in ext.new_tokens)


def test_target_text_gets_shorter(tiny_tok, extended, sample_by_lang):
    new, _ = extended
    for lang in TARGETS:
        before = sum(len(tiny_tok.tokenize(t)) for t in sample_by_lang[lang])
        after = sum(len(new.tokenize(t)) for t in sample_by_lang[lang])
        assert after < before, lang


def test_text_without_target_scripts_tokenises_identically(tiny_tok, extended, sample_by_lang):
    new, _ = extended
    for lang in ("en", "id", "vi", "zh", "tl", "jv"):
        for text in sample_by_lang[lang]:
            assert new(text)["input_ids"] == tiny_tok(text)["input_ids"], text


non_target = st.text(
    st.one_of(
        st.sampled_from(list("ae\u0301\u0308कि्ाبِ日本 ,.'s\n")),  # letters with marks, other scripts
        st.characters(codec="utf-8", exclude_categories=("Cs",)).filter(lambda c: not TARGET_RE.search(c)),
    ),
    max_size=60,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=non_target)
def test_random_non_target_text_tokenises_identically(tiny_tok, extended, text):
    new, _ = extended
    assert new(text)["input_ids"] == tiny_tok(text)["input_ids"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=non_target)
def test_random_non_target_text_is_pre_split_identically(tiny_tok, extended, text):
    new, _ = extended
    split = new.backend_tokenizer.pre_tokenizer.pre_tokenize_str
    assert split(text) == tiny_tok.backend_tokenizer.pre_tokenizer.pre_tokenize_str(text)


mixed = st.text(
    st.one_of(
        st.sampled_from(list("กขคงาิีุู่้็ក្ខាំេ၊ကျော်ລາວதமிழ் .,\n")), st.characters(codec="utf-8", exclude_categories=("Cs",))
    ),
    max_size=80,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mixed)
def test_every_text_round_trips(extended, text):
    new, _ = extended
    assert new.decode(new(text)["input_ids"]) == text


def test_sample_sentences_round_trip(extended, sample_by_lang):
    new, _ = extended
    for texts in sample_by_lang.values():
        for text in texts:
            assert new.decode(new(text)["input_ids"]) == text


def test_token_budget_is_respected(tiny_tok, sample_by_lang):
    new, ext = extend_tokenizer(tiny_tok, {"th": sample_by_lang["th"]}, 7, min_frequency=1)
    assert len(ext.new_tokens) == 7 and len(new) == len(tiny_tok) + 7


def test_without_script_split_tokens_never_span_a_combining_mark(tiny_tok, sample_by_lang):
    _, ext = extend_tokenizer(tiny_tok, {"km": sample_by_lang["km"]}, 60, min_frequency=1, script_split=False)
    _, split = extend_tokenizer(tiny_tok, {"km": sample_by_lang["km"]}, 60, min_frequency=1)

    def longest(e):
        return max(len(token_text(t, True)) for t in e.new_tokens)

    # The GPT-2 regex cuts Khmer at marks, which caps token length; the script split lifts it.
    assert longest(split) > longest(ext)


def test_extension_is_tied_to_its_base_vocabulary(tiny_tok, extended, sample_by_lang):
    from seaforge.testing import tiny_tokenizer

    _, ext = extended
    other = tiny_tokenizer(vocab_size=500)
    with pytest.raises(ValueError, match="vocabulary"):
        apply_extension(other, ext)


def test_byte_fallback_tokenizer_gains_new_characters_and_merges(sample_by_lang):
    from seaforge.tokenizer.embeddings import decompose_new_tokens
    from seaforge.tokenizer.train import train_bpe

    latin = {lang: sample_by_lang[lang] for lang in ("en", "id", "ms", "tl")}
    base = train_bpe(latin, 500, show_progress=False)  # Khmer is only <0xNN> bytes here
    km = sample_by_lang["km"]
    assert "<0xE1>" in base.tokenize(km[0])
    new, ext = extend_tokenizer(base, {"km": km}, 60, min_frequency=1)
    old_vocab, new_vocab = base.get_vocab(), new.get_vocab()
    assert all(new_vocab[t] == i for t, i in old_vocab.items())
    chars = [t for t in ext.new_tokens if len(t) == 1]
    assert chars and all(TARGET_RE.match(c) for c in chars)
    assert sum(len(new.tokenize(t)) for t in km) < sum(len(base.tokenize(t)) for t in km) / 2
    for text in km + sample_by_lang["th"] + ["ក្ខ ☃ abc"]:
        assert new.decode(new(text)["input_ids"]) == text
    for text in sample_by_lang["en"] + sample_by_lang["id"]:
        assert new(text)["input_ids"] == base(text)["input_ids"]
    pieces = decompose_new_tokens(base, new)
    assert all(len(pieces[new_vocab[c]]) == len(c.encode("utf-8")) for c in chars)  # its bytes


@pytest.mark.slow
def test_qwen3_extension_keeps_english_and_indonesian_counts():
    from seaforge.tokenizer.load import load_tokenizer

    qwen = load_tokenizer(str(shared_path("tokenizers", "qwen3")))
    udhr = shared_path("corpora", "udhr")
    lines = {
        lang: (udhr / f"{lang}.txt").read_text(encoding="utf-8").splitlines() for lang in ("tha", "khm", "eng", "ind")
    }
    new, ext = extend_tokenizer(qwen, {"th": lines["tha"][0::2], "km": lines["khm"][0::2]}, 400)
    assert 100 < len(ext.new_tokens) <= 400
    for lang in ("eng", "ind"):
        for line in lines[lang]:
            assert new(line)["input_ids"] == qwen(line)["input_ids"]
    for lang in ("tha", "khm"):
        held_out = lines[lang][1::2]
        assert sum(len(new.tokenize(x)) for x in held_out) < sum(len(qwen.tokenize(x)) for x in held_out)
        for line in held_out:
            assert new.decode(new(line)["input_ids"]) == unicodedata.normalize("NFC", line)
