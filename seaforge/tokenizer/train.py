"""`seaforge tokenizer train`: a byte-fallback BPE on a weighted language mixture.

Without weights every language gets the same share of the training characters (small corpora
are repeated, large ones sampled), so a few MB of Lao are not drowned by a GB of Indonesian and
still get their share of the vocabulary. Pre-tokenisation splits on spaces only, like
SentencePiece: Thai, Lao, Khmer and Burmese words are not cut at combining marks, and unseen
characters fall back to UTF-8 byte tokens instead of `<unk>`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

from seaforge.io import atomic_dir

SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<pad>", "<|im_start|>", "<|im_end|>"]
CHATML_TEMPLATE = (
    "{%- for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}"
)
BYTE_TOKENS = [f"<0x{b:02X}>" for b in range(256)]


def mixture(
    texts_by_lang: dict[str, list[str]],
    weights: dict[str, float] | None = None,
    budget_chars: int | None = None,
    seed: int = 0,
) -> Iterator[str]:
    """Texts drawn so that each language fills `weight / sum(weights)` of `budget_chars`.

    Languages with less text than their share are repeated, the others sampled without
    replacement; the default budget is the corpus size and the default weights are equal.
    """
    langs = [lang for lang, texts in texts_by_lang.items() if any(texts)]
    weights = {lang: (weights or {}).get(lang, 1.0 if weights is None else 0.0) for lang in langs}
    unknown = set(weights) - set(langs)
    if unknown or sum(weights.values()) <= 0:
        raise ValueError(f"weights must be positive for at least one corpus language (corpus: {', '.join(langs)})")
    budget = budget_chars or sum(len(t) for lang in langs for t in texts_by_lang[lang])
    total_weight = sum(weights.values())
    rng = random.Random(seed)
    for lang in langs:
        target = budget * weights[lang] / total_weight
        texts = [t for t in texts_by_lang[lang] if t]
        taken = 0
        while taken < target:
            order = list(range(len(texts)))
            rng.shuffle(order)
            for i in order:
                yield texts[i]
                taken += len(texts[i])
                if taken >= target:
                    break


def _with_byte_tokens(tok_json: dict) -> dict:
    """Renumber the vocabulary as specials, the 256 byte tokens, then the learned tokens."""
    learned = sorted(tok_json["model"]["vocab"].items(), key=lambda kv: kv[1])
    order = SPECIAL_TOKENS + BYTE_TOKENS + [t for t, _ in learned if t not in SPECIAL_TOKENS]
    tok_json["model"]["vocab"] = {t: i for i, t in enumerate(order)}
    for added in tok_json["added_tokens"]:
        added["id"] = SPECIAL_TOKENS.index(added["content"])
    return tok_json


def train_bpe(
    texts_by_lang: dict[str, list[str]],
    vocab_size: int,
    weights: dict[str, float] | None = None,
    budget_chars: int | None = None,
    min_frequency: int = 2,
    max_token_length: int = 16,
    show_progress: bool = True,
):
    """Train a byte-fallback BPE tokenizer of `vocab_size` ids on the weighted mixture.

    Tokens are at most `max_token_length` characters (SentencePiece's default, 16): scripts
    written without spaces would otherwise grow whole phrases into single tokens.
    """
    import json

    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        trainers,
    )
    from transformers import PreTrainedTokenizerFast

    reserved = len(SPECIAL_TOKENS) + len(BYTE_TOKENS)
    if vocab_size <= reserved + 16:
        raise ValueError(f"vocab_size must be above {reserved + 16} (specials and 256 byte tokens)")
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first"),
            pre_tokenizers.Digits(individual_digits=True),
        ]
    )
    tok.decoder = decoders.Sequence(
        [decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - len(BYTE_TOKENS),
        min_frequency=min_frequency,
        special_tokens=SPECIAL_TOKENS,
        max_token_length=max_token_length,
        show_progress=show_progress,
    )
    tok.train_from_iterator(mixture(texts_by_lang, weights, budget_chars), trainer=trainer)
    tok = Tokenizer.from_str(json.dumps(_with_byte_tokens(json.loads(tok.to_str()))))
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        extra_special_tokens=["<|im_start|>", "<|im_end|>"],
    )
    fast.chat_template = CHATML_TEMPLATE
    return fast


def save_atomically(tokenizer, out_dir: str | Path, overwrite: bool = False) -> Path:
    """Save in Hugging Face format to a temp folder beside `out_dir`, then rename it into place."""
    out = Path(out_dir)
    with atomic_dir(out, overwrite) as tmp:
        tokenizer.save_pretrained(str(tmp))
    return out
