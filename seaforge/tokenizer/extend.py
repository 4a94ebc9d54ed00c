"""Learn new BPE merges for target languages on top of a base tokenizer, keeping every old id.

Why merges and not `add_tokens`: added tokens are cut out of the raw text before
normalization and pre-tokenisation and matched greedily, longest first, wherever they occur; they
ignore BPE ranks and, with thousands of them, they would make the tokenizer a different
algorithm from the one the base model was trained with. New *merges* ranked after all base
merges keep the tokenizer a plain BPE: on any text the base merges run first, exactly as
before, and the new merges only join what they leave. A new merge is kept only if its token
contains a target-script character, so text without such characters (English, plain Indonesian)
tokenises exactly as before, and every new token is reachable (learned on the base segmentation).

Byte-fallback BPE (SentencePiece style: Llama 2, Mistral, Gemma) merges characters, not bytes,
so there a target-script character the vocabulary lacks first becomes a token of its own.

The merges are learned with the `tokenizers` BPE trainer: each base token seen in the corpus is
mapped to one private-use character, so the trainer continues BPE over base tokens instead of
starting again from bytes (the library cannot resume training from an existing vocabulary).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field

from seaforge.tokenizer.scripts import scripts_for, target_char_pattern, with_script_split

_PUA_RANGES = ((0xF0000, 0xFFFFE), (0x100000, 0x10FFFE))
_MAX_OCCURRENCES = 5_000_000  # cap on weighted word occurrences fed to the trainer
_BYTE_TOKEN = re.compile(r"^<0x[0-9A-Fa-f]{2}>$")
_SPACE_WORDS = re.compile("\u2581*[^\u2581]+|\u2581+")  # SentencePiece words when nothing pre-splits


@dataclass
class Extension:
    """What an extension adds: new token strings with their ids, new merges, the new pre-tokenizer."""

    base_size: int
    new_tokens: dict[str, int]
    merges: list[tuple[str, str]]
    pre_tokenizer: dict | None
    scripts: list[str]
    stats: dict = field(default_factory=dict)


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character table (the byte-level BPE alphabet)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


_BYTE_OF = {c: b for b, c in bytes_to_unicode().items()}


def token_text(token: str, byte_level: bool) -> str:
    """The text a token stands for (partial UTF-8 characters become U+FFFD)."""
    if not byte_level:
        return token.replace("\u2581", " ")
    return bytes(_BYTE_OF[c] for c in token if c in _BYTE_OF).decode("utf-8", errors="replace")


def backend_json(tokenizer) -> dict:
    """The tokenizer.json dict of a fast HF tokenizer (or a `tokenizers.Tokenizer`)."""
    backend = getattr(tokenizer, "backend_tokenizer", tokenizer)
    return json.loads(backend.to_str())


def is_byte_level(backend) -> bool:
    """True when a `tokenizers.Tokenizer` works on GPT-2 byte-level characters."""
    decoder = _component_json(backend.decoder) or {}
    return decoder.get("type") == "ByteLevel" or "ByteLevel" in json.dumps(_component_json(backend.pre_tokenizer))


def _byte_fallback(backend) -> bool:
    """Whether the BPE model falls back to `<0xNN>` tokens; refuses models that are not BPE."""
    model = json.loads(backend.model.__getstate__())
    if model.get("type") != "BPE":
        raise ValueError(f"only BPE tokenizers can be extended, this one is {model.get('type')}")
    return bool(model.get("byte_fallback"))


def chars_for_bytes(tokens: list[str]) -> list[str]:
    """Replace each run of `<0xNN>` tokens by the characters it spells.

    In a byte-fallback BPE (SentencePiece style: Llama 2, Mistral, Gemma) merges work on
    characters, and a character missing from the vocabulary falls back to bytes after merging;
    so a new token for an unknown script must be built from new single-character tokens.
    """
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if _BYTE_TOKEN.match(token):
            run.append(token)
            continue
        if run:
            raw = bytes(int(t[3:5], 16) for t in run)
            try:
                out.extend(raw.decode("utf-8"))
            except UnicodeDecodeError:
                out.extend(run)
            run = []
        if token:
            out.append(token)
    return out


def _component_json(component) -> dict | None:
    return None if component is None else json.loads(component.__getstate__())


def _pre_tokenizer_from_json(pre: dict | None):
    from tokenizers import Tokenizer

    shell = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [],
        "normalizer": None,
        "pre_tokenizer": pre,
        "post_processor": None,
        "decoder": None,
        "model": {"type": "BPE", "vocab": {}, "merges": []},
    }
    return Tokenizer.from_str(json.dumps(shell)).pre_tokenizer


def full_vocab(tok_json: dict) -> dict[str, int]:
    """Model vocabulary plus added tokens, so new ids start after every existing id."""
    vocab = dict(tok_json["model"]["vocab"])
    for added in tok_json.get("added_tokens", []):
        vocab.setdefault(added["content"], added["id"])
    return vocab


def weighted_words(
    backend,
    pre_tokenizer,
    texts_by_lang: dict[str, list[str]],
    weights: dict[str, float] | None,
    keep,
    split_spaces: bool = False,
    byte_fallback: bool = False,
) -> Counter:
    """Base-token sequences of the pre-tokens that hold a target character, weighted per language.

    Each language's weight is spread over its word occurrences, so a 6 KB Khmer corpus counts as
    much as 300 KB of Thai at equal weights: low-resource languages get their share of new tokens.
    """
    segmented: dict[str, tuple[str, ...] | None] = {}
    words: Counter = Counter()
    for lang, texts in texts_by_lang.items():
        counts: Counter = Counter()
        for text in texts:
            if backend.normalizer is not None:
                text = backend.normalizer.normalize_str(text)
            pieces = [text] if pre_tokenizer is None else [p for p, _ in pre_tokenizer.pre_tokenize_str(text)]
            if split_spaces:  # SentencePiece-style: never learn a token across a "▁" word start
                pieces = [w for p in pieces for w in _SPACE_WORDS.findall(p)]
            for piece in pieces:
                if piece not in segmented:
                    tokens = [t.value for t in backend.model.tokenize(piece)]
                    tokens = tuple(chars_for_bytes(tokens) if byte_fallback else tokens)
                    segmented[piece] = tokens if len(tokens) > 1 and keep(piece) else None
                if segmented[piece] is not None:
                    counts[segmented[piece]] += 1
        total = sum(counts.values())
        for word, count in counts.items():
            words[word] += count * (weights or {}).get(lang, 1.0) / total
    return words


def _pua_chars():
    for lo, hi in _PUA_RANGES:
        yield from (chr(c) for c in range(lo, hi))


def learn_merges(
    words: Counter, n_merges: int, min_frequency: int = 2, show_progress: bool = False
) -> list[tuple[str, str]]:
    """Continue BPE over base-token sequences; returns merges as pairs of base-token strings."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    alphabet = {t for word in words for t in word}
    to_pua = dict(zip(sorted(alphabet), _pua_chars()))
    if len(to_pua) < len(alphabet):
        raise ValueError(f"{len(alphabet)} distinct base tokens in the corpus: too many to map")
    from_pua = {c: t for t, c in to_pua.items()}
    smallest = min((c for c in words.values() if c > 0), default=1.0)
    scale = min(1.0 / smallest, _MAX_OCCURRENCES / max(sum(words.values()), 1e-12))

    def lines():
        for word, weight in words.items():
            count = round(weight * scale)
            if count:
                yield ("".join(to_pua[t] for t in word) + " ") * count

    trainer_tok = Tokenizer(models.BPE())
    trainer_tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.BpeTrainer(
        vocab_size=len(to_pua) + n_merges,
        min_frequency=min_frequency,
        initial_alphabet=list(to_pua.values()),
        limit_alphabet=len(to_pua),
        show_progress=show_progress,
    )
    trainer_tok.train_from_iterator(lines(), trainer=trainer)
    learned = backend_json(trainer_tok)["model"]["merges"]
    pairs = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in learned]
    return [("".join(from_pua[c] for c in a), "".join(from_pua[c] for c in b)) for a, b in pairs]


def _accept(vocab: dict[str, int], merges: list[tuple[str, str]], n_tokens: int, keep, add_chars: bool) -> tuple:
    """Keep merges that add a target-script token, up to `n_tokens` new ids, in learned order.

    Learned pairs are never base merges: they are adjacent in the base output, which BPE only
    leaves when no merge joins them. With `add_chars` (byte-fallback models) a merge may use a
    target-script character the vocabulary lacks; the character becomes a new token first.
    """
    vocab = dict(vocab)
    next_id = max(vocab.values()) + 1
    new_tokens: dict[str, int] = {}
    accepted: list[tuple[str, str]] = []
    for a, b in merges:
        missing = {c for c in (a, b, a + b) if c not in vocab}
        if not keep(a + b) or any(c not in (a + b,) and not (add_chars and len(c) == 1 and keep(c)) for c in missing):
            continue
        if len(new_tokens) + len(missing) > n_tokens:
            break
        for token in sorted(missing, key=lambda c: (c == a + b, c)):  # pieces before the merge
            vocab[token] = new_tokens[token] = next_id
            next_id += 1
        accepted.append((a, b))
    return new_tokens, accepted


def learn_extension(
    tokenizer,
    texts_by_lang: dict[str, list[str]],
    n_tokens: int,
    weights: dict[str, float] | None = None,
    min_frequency: int = 2,
    script_split: bool = True,
    show_progress: bool = False,
) -> Extension:
    """Learn up to `n_tokens` new tokens for the languages in `texts_by_lang` (their scripts)."""
    backend = tokenizer.backend_tokenizer
    byte_fallback = _byte_fallback(backend)
    scripts = scripts_for(list(texts_by_lang))
    pattern = target_char_pattern(scripts)
    pre_json = _component_json(backend.pre_tokenizer)
    byte_level = is_byte_level(backend)

    def keep(token: str) -> bool:
        return pattern.search(token_text(token, byte_level)) is not None

    pre = with_script_split(pre_json, scripts) if script_split else pre_json
    words = weighted_words(
        backend,
        _pre_tokenizer_from_json(pre),
        texts_by_lang,
        weights,
        keep,
        split_spaces=not byte_level,
        byte_fallback=byte_fallback,
    )
    merges = learn_merges(words, n_tokens + n_tokens // 4 + 16, min_frequency, show_progress)
    vocab = backend.get_vocab(with_added_tokens=True)
    new_tokens, accepted = _accept(vocab, merges, n_tokens, keep, add_chars=byte_fallback)
    stats = {"words": len(words), "learned_merges": len(merges), "merges": len(accepted), "new_tokens": len(new_tokens)}
    return Extension(len(vocab), new_tokens, accepted, pre, scripts, stats)


def apply_extension(tokenizer, ext: Extension):
    """A new `PreTrainedTokenizerFast`: the base one plus the extension; special tokens and chat
    template carried over."""
    from transformers import PreTrainedTokenizerFast

    tok_json = backend_json(tokenizer)
    vocab = full_vocab(tok_json)
    if len(vocab) != ext.base_size:
        raise ValueError(
            f"extension was learned for a {ext.base_size}-token vocabulary, this tokenizer has {len(vocab)}"
        )
    vocab.update(ext.new_tokens)
    as_strings = bool(tok_json["model"]["merges"]) and isinstance(tok_json["model"]["merges"][0], str)
    extra = [f"{a} {b}" if as_strings else [a, b] for a, b in ext.merges]
    tok_json["model"] = {**tok_json["model"], "vocab": vocab, "merges": list(tok_json["model"]["merges"]) + extra}
    tok_json["pre_tokenizer"] = ext.pre_tokenizer
    kwargs = {k: getattr(tokenizer, k, None) for k in ("bos_token", "eos_token", "unk_token", "pad_token")}
    with tempfile.TemporaryDirectory() as tmp:  # a file avoids deep-copying a 150K-token object
        path = os.path.join(tmp, "tokenizer.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(tok_json, f, ensure_ascii=False)
        new = PreTrainedTokenizerFast(
            tokenizer_file=path,
            model_max_length=tokenizer.model_max_length,
            padding_side=tokenizer.padding_side,
            **{k: v for k, v in kwargs.items() if v is not None},
        )
    new.chat_template = tokenizer.chat_template
    return new


def extend_tokenizer(tokenizer, texts_by_lang: dict[str, list[str]], n_tokens: int, **kwargs):
    """Learn and apply an extension in one step; returns (new tokenizer, Extension)."""
    ext = learn_extension(tokenizer, texts_by_lang, n_tokens, **kwargs)
    return apply_extension(tokenizer, ext), ext
