"""A Hugging Face tokenizer as llama.cpp's ``tokenizer.ggml.*`` metadata.

Two kinds, as llama.cpp names them: ``gpt2`` (byte-level BPE: tokens, token types, merges and a
named pre-tokenizer regex) and ``llama`` (SentencePiece-style BPE with byte fallback, like Gemma 3:
tokens, scores, token types; llama.cpp merges by score, so a token's score is minus the rank of
the merge that makes it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import gguf

from seaforge.errors import UserError

# Pre-tokenizer split regexes llama.cpp knows by name (llama-vocab.cpp), as tokenizer.json spells them.
_LLAMA3_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_QWEN2_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
KNOWN_SPLITS = {_LLAMA3_SPLIT: "llama-bpe", _QWEN2_SPLIT: "qwen2"}
_BYTE_TOKEN = re.compile(r"<0x[0-9A-Fa-f]{2}>")
T = gguf.TokenType


@dataclass
class GgufVocab:
    model: str  # tokenizer.ggml.model: "gpt2" or "llama"
    pre: str  # tokenizer.ggml.pre
    tokens: list[str]
    token_types: list[int]
    scores: list[float] | None = None
    merges: list[str] = field(default_factory=list)
    special_ids: dict[str, int] = field(default_factory=dict)  # bos, eos, unk, pad
    add_bos: bool = False
    add_eos: bool = False
    add_space_prefix: bool | None = None
    chat_template: str | list[dict] | None = None

    def write(self, writer: gguf.GGUFWriter) -> None:
        writer.add_tokenizer_model(self.model)
        writer.add_tokenizer_pre(self.pre)
        writer.add_token_list(self.tokens)
        if self.scores is not None:
            writer.add_token_scores(self.scores)
        writer.add_token_types(self.token_types)
        if self.merges:
            writer.add_token_merges(self.merges)
        for kind, token_id in self.special_ids.items():
            getattr(writer, f"add_{kind}_token_id")(token_id)
        writer.add_add_bos_token(self.add_bos)
        writer.add_add_eos_token(self.add_eos)
        if self.add_space_prefix is not None:
            writer.add_add_space_prefix(self.add_space_prefix)
        if self.chat_template:
            writer.add_chat_template(self.chat_template)


def _components(node: dict | None) -> list[dict]:
    """A tokenizer.json normalizer/pre-tokenizer/decoder, with Sequences flattened."""
    if not node:
        return []
    if node.get("type") == "Sequence":
        key = next(k for k in ("pretokenizers", "normalizers", "decoders") if k in node)
        return [part for child in node[key] for part in _components(child)]
    return [node]


def _byte_level_pre(spec: dict, where: Path) -> str:
    parts = _components(spec.get("pre_tokenizer"))
    kinds = [p["type"] for p in parts]
    byte_level = [p for p in parts if p["type"] == "ByteLevel"]
    if kinds == ["ByteLevel"] and byte_level[0].get("use_regex", True):
        return "gpt-2"
    if kinds == ["Digits", "ByteLevel"] and parts[0].get("individual_digits") and byte_level[0].get("use_regex", True):
        return "smollm"
    if kinds == ["Split", "ByteLevel"] and not byte_level[0].get("use_regex", True):
        pattern = parts[0].get("pattern", {}).get("Regex")
        if pattern in KNOWN_SPLITS:
            return KNOWN_SPLITS[pattern]
    raise UserError(
        f"{where}: pre-tokenizer {kinds} is not one llama.cpp knows by name "
        f"(supported: plain GPT-2 byte-level, SmolLM, {', '.join(KNOWN_SPLITS.values())})"
    )


def _merge_strings(merges: list) -> list[str]:
    if merges and not isinstance(merges[0], str):
        if any(" " in piece for pair in merges for piece in pair):
            return []  # "a b" would be ambiguous; readers derive merges from scores instead
        return [" ".join(pair) for pair in merges]
    return list(merges)


def _scores_from_merges(tokens: list[str], merges: list[str]) -> list[float]:
    """llama.cpp's SentencePiece tokenizer merges the pair whose result scores highest, so a
    token's score is minus the rank of the first merge that produces it."""
    rank: dict[str, int] = {}
    for index, merge in enumerate(merges):
        left, right = merge.split(" ", 1)
        rank.setdefault(left + right, index)
    never = len(merges)
    return [-float(rank.get(token, never + index)) for index, token in enumerate(tokens)]


def _sentencepiece_scores(folder: Path, count: int) -> list[float] | None:
    model_file = folder / "tokenizer.model"
    if not model_file.is_file():
        return None
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
    if processor.get_piece_size() > count:
        return None
    return [processor.get_score(i) for i in range(processor.get_piece_size())]


def _space_prefix(spec: dict) -> bool:
    for part in _components(spec.get("normalizer")):
        if part["type"] == "Prepend" and part.get("prepend") == "\u2581":
            return True
    for part in _components(spec.get("pre_tokenizer")):
        if part["type"] == "Metaspace":
            return part.get("prepend_scheme", "always") != "never" and part.get("add_prefix_space", True)
    return False


def build_vocab(folder: Path, tokenizer, vocab_size: int) -> GgufVocab:
    """The GGUF vocabulary of the fast ``tokenizer`` saved in ``folder``, padded to the model's
    embedding rows (llama.cpp needs one token per row)."""
    spec_file = folder / "tokenizer.json"
    if not spec_file.is_file():
        raise UserError(f"{folder}: no tokenizer.json; GGUF export needs a fast (tokenizers) tokenizer")
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    model = spec.get("model", {})
    if model.get("type") != "BPE":
        raise UserError(
            f"{spec_file}: tokenizer model {model.get('type')!r} is not supported "
            "(only BPE: byte-level or with byte fallback)"
        )
    byte_level = any(p["type"] == "ByteLevel" for p in _components(spec.get("pre_tokenizer")))
    if not byte_level and not model.get("byte_fallback"):
        raise UserError(
            f"{spec_file}: a BPE tokenizer that is neither byte-level nor byte-fallback cannot be written to GGUF"
        )
    backend = tokenizer.backend_tokenizer
    count = backend.get_vocab_size(with_added_tokens=True)
    if count > vocab_size:
        raise UserError(f"{folder}: tokenizer has {count} tokens but the model only {vocab_size} embedding rows")
    added = {entry["id"]: bool(entry.get("special")) for entry in spec.get("added_tokens", [])}
    tokens, types = [], []
    for token_id in range(count):
        text = backend.id_to_token(token_id)
        if text is None:
            text, kind = f"[PAD{token_id}]", T.UNUSED  # a hole in the id range
        elif token_id in added:
            kind = T.CONTROL if added[token_id] else T.USER_DEFINED
        elif not byte_level and _BYTE_TOKEN.fullmatch(text):
            kind = T.BYTE
        elif token_id == tokenizer.unk_token_id:
            kind = T.UNKNOWN
        else:
            kind = T.NORMAL
        tokens.append(text)
        types.append(int(kind))
    for token_id in range(count, vocab_size):  # embedding rows beyond the tokenizer, as llama.cpp pads
        tokens.append(f"[PAD{token_id}]")
        types.append(int(T.UNUSED))
    merges = _merge_strings(model.get("merges") or [])
    probe = tokenizer("a b")["input_ids"]
    vocab = GgufVocab(
        model="gpt2" if byte_level else "llama",
        pre=_byte_level_pre(spec, spec_file) if byte_level else "default",
        tokens=tokens,
        token_types=types,
        # llama.cpp merges a SentencePiece-style vocabulary by score and its converter writes no
        # merges for it; leaving them out also halves the string arrays a GGUF reader must parse.
        merges=merges if byte_level else [],
        add_bos=bool(probe) and tokenizer.bos_token_id is not None and probe[0] == tokenizer.bos_token_id,
        add_eos=bool(probe) and tokenizer.eos_token_id is not None and probe[-1] == tokenizer.eos_token_id,
        chat_template=_chat_template(tokenizer),
    )
    for kind in ("bos", "eos", "unk", "pad"):
        token_id = getattr(tokenizer, f"{kind}_token_id", None)
        if token_id is not None:
            vocab.special_ids[kind] = int(token_id)
    if not byte_level:
        vocab.add_space_prefix = _space_prefix(spec)
        vocab.scores = _sentencepiece_scores(folder, count) or _scores_from_merges(tokens[:count], merges)
        vocab.scores = vocab.scores + [0.0] * (len(tokens) - len(vocab.scores))
        for token_id, kind in enumerate(types):
            if kind in (T.CONTROL, T.USER_DEFINED, T.UNUSED):
                vocab.scores[token_id] = -1000.0
            elif kind == T.BYTE:
                vocab.scores[token_id] = 0.0
    return vocab


def _chat_template(tokenizer) -> str | list[dict] | None:
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, dict):  # several named templates: GGUF keeps them as a list
        return [{"name": name, "template": text} for name, text in template.items()]
    return template or None
