import pytest

from seaforge.tokenizer.scripts import target_char_pattern
from seaforge.tokenizer.train import BYTE_TOKENS, SPECIAL_TOKENS, mixture, save_atomically, train_bpe


def _chars_by_lang(texts_by_lang, drawn):
    owner = {t: lang for lang, texts in texts_by_lang.items() for t in texts}
    out = {}
    for text in drawn:
        out[owner[text]] = out.get(owner[text], 0) + len(text)
    return out


def test_equal_weights_give_each_language_an_equal_share():
    texts = {"id": ["kalimat panjang sekali " * 4] * 200, "km": ["ខ្ញុំស្រឡាញ់"] * 3}
    got = _chars_by_lang(texts, mixture(texts, budget_chars=20_000))
    assert got["km"] == pytest.approx(10_000, rel=0.02)  # three Khmer lines repeated
    assert got["id"] == pytest.approx(10_000, rel=0.02)  # Indonesian subsampled


def test_weights_set_the_shares_and_unknown_languages_fail():
    texts = {"th": ["สวัสดีครับ"] * 50, "lo": ["ສະບາຍດີ"] * 50}
    got = _chars_by_lang(texts, mixture(texts, {"th": 3, "lo": 1}, budget_chars=8_000))
    assert got["th"] / got["lo"] == pytest.approx(3, rel=0.05)
    with pytest.raises(ValueError, match="weights"):
        list(mixture(texts, {"km": 1.0}))


def test_mixture_is_deterministic():
    texts = {"th": [f"ข้อความ {i}" for i in range(100)], "en": [f"line {i}" for i in range(100)]}
    assert list(mixture(texts, budget_chars=500)) == list(mixture(texts, budget_chars=500))


@pytest.fixture(scope="module")
def trained(sample_by_lang):
    return train_bpe(sample_by_lang, 900, show_progress=False)


def test_trained_tokenizer_layout_and_byte_fallback_round_trip(trained):
    assert trained.convert_ids_to_tokens(list(range(len(SPECIAL_TOKENS) + 2)))[:6] == SPECIAL_TOKENS
    assert trained.convert_tokens_to_ids(BYTE_TOKENS[0xE0]) == len(SPECIAL_TOKENS) + 0xE0
    assert len(trained) <= 900
    for text in ["ขอบคุณมาก 2025!", "Xin chào ☃ 𝔸", "ຂອບໃຈ\n\tမင်္ဂလာပါ"]:
        ids = trained(text, add_special_tokens=False)["input_ids"]
        assert trained.decode(ids) == text
        assert trained.unk_token_id not in ids
    # a character never seen in training comes back through byte tokens, not <unk>
    assert "<0xF0>" in trained.tokenize("𝔸")


def test_equal_weights_give_low_resource_script_more_tokens(sample_by_lang):
    skewed = {**sample_by_lang, "id": sample_by_lang["id"] * 40}
    khmer = target_char_pattern(["Khmr"])

    def khmer_tokens(tok):
        return sum(bool(khmer.search(t)) for t in tok.get_vocab())

    equal = train_bpe(skewed, 700, show_progress=False)
    by_size = train_bpe(skewed, 700, weights={k: float(len(v)) for k, v in skewed.items()}, show_progress=False)
    assert khmer_tokens(equal) > khmer_tokens(by_size)


def test_saved_tokenizer_reloads_with_chat_template(trained, tmp_path):
    from transformers import AutoTokenizer

    out = save_atomically(trained, tmp_path / "tok")
    again = AutoTokenizer.from_pretrained(str(out))
    text = "Tolong minum air yang cukup."
    assert again(text)["input_ids"] == trained(text)["input_ids"]
    chat = again.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert chat == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    with pytest.raises(FileExistsError):
        save_atomically(trained, out)


def test_vocab_too_small_is_refused(sample_by_lang):
    with pytest.raises(ValueError, match="vocab_size"):
        train_bpe(sample_by_lang, 100, show_progress=False)


def test_tokens_never_exceed_the_length_cap(sample_by_lang, trained):
    def longest(tok):
        return max(len(t) for t in tok.get_vocab() if t not in SPECIAL_TOKENS + BYTE_TOKENS)

    capped = train_bpe(sample_by_lang, 900, max_token_length=6, show_progress=False)
    assert longest(capped) <= 6 < longest(trained)
