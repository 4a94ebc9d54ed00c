"""Which tokens a trimmed vocabulary keeps, and the trimmed `tokenizer.json` with its ids remapped.

Works on the JSON of a Hugging Face `tokenizers` BPE model (byte-level like GPT-2/Llama 3/Qwen, or
SentencePiece-style with byte fallback like Gemma/Llama 2). Kept ids stay in their original order,
so new id i is old id ``kept[i]`` and every table (embedding rows, special ids) maps through one list.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from seaforge.errors import UserError

# Reserved placeholders (Gemma ships 6,242 `<unusedN>`): no text produces them and nothing was
# trained on them, so they are dropped; every other added or special token is kept.
PLACEHOLDER_RE = re.compile(r"^(<unused\d+>|<\|reserved_special_token_\d+\|>|\[unused\d+\])$")
BYTE_FALLBACK_TOKENS = [f"<0x{b:02X}>" for b in range(256)]


class TrimError(UserError):
    """A tokenizer or model that cannot be trimmed as asked."""


@dataclass
class BpeTables:
    """The parts of a BPE tokenizer.json that trimming reads."""

    vocab: dict[str, int]  # token -> old id
    merges: list[tuple[str, str]]  # in rank order
    byte_level: bool  # bytes are the 256 ByteLevel alphabet characters (GPT-2 style)
    byte_fallback: bool  # unknown characters become <0xNN> tokens (SentencePiece style)

    def merge_ranks(self) -> dict[tuple[str, str], int]:
        return {pair: rank for rank, pair in enumerate(self.merges)}


def _has_byte_level(node) -> bool:
    if isinstance(node, dict):
        if node.get("type") == "ByteLevel":
            return True
        return any(_has_byte_level(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_byte_level(v) for v in node)
    return False


def _split_merge(merge) -> tuple[str, str]:
    if isinstance(merge, str):  # tokenizers < 0.20 wrote "a b"
        left, right = merge.split(" ", 1)
        return left, right
    return merge[0], merge[1]


def read_bpe(tokenizer_json: dict) -> BpeTables:
    """The vocabulary and merges of a BPE tokenizer.json; a `TrimError` for anything else."""
    model = tokenizer_json.get("model", {})
    if model.get("type") != "BPE":
        raise TrimError(f"vocabulary trimming supports BPE tokenizers; this one is {model.get('type')!r}")
    if model.get("continuing_subword_prefix") or model.get("end_of_word_suffix"):
        raise TrimError("vocabulary trimming does not support BPE with a subword prefix or word suffix")
    byte_level = _has_byte_level(tokenizer_json.get("pre_tokenizer"))
    vocab = dict(model["vocab"])
    byte_fallback = bool(model.get("byte_fallback")) or (
        not byte_level and all(b in vocab for b in BYTE_FALLBACK_TOKENS)
    )
    if not byte_level and not byte_fallback:
        raise TrimError(
            "this tokenizer has neither byte-level BPE nor <0x00>..<0xFF> byte tokens, "
            "so text outside a trimmed vocabulary would become unknown tokens"
        )
    return BpeTables(vocab, [_split_merge(m) for m in model.get("merges", [])], byte_level, byte_fallback)


def byte_token_ids(tables: BpeTables) -> set[int]:
    """The ids that spell any byte, so every text stays encodable after trimming."""
    if tables.byte_level:
        from tokenizers.pre_tokenizers import ByteLevel

        alphabet = ByteLevel.alphabet()
        missing = [ch for ch in alphabet if ch not in tables.vocab]
        if missing:
            raise TrimError(
                f"byte-level tokenizer lacks {len(missing)} of the 256 byte tokens; "
                "trimming could not keep every text encodable"
            )
        return {tables.vocab[ch] for ch in alphabet}
    return {tables.vocab[b] for b in BYTE_FALLBACK_TOKENS}


def bpe_steps(word: str, ranks: dict[tuple[str, str], int]) -> tuple[list[str], set[str]]:
    """Run BPE on ``word`` the way `tokenizers` does (lowest merge rank first, leftmost on a tie).

    Returns the final pieces and every piece made on the way: the tokens a kept token needs so that
    the trimmed merges still reach it.
    """
    symbols = list(word)
    made = set(symbols)
    while len(symbols) > 1:
        best_rank, best_at = None, -1
        for i in range(len(symbols) - 1):
            rank = ranks.get((symbols[i], symbols[i + 1]))
            if rank is not None and (best_rank is None or rank < best_rank):
                best_rank, best_at = rank, i
        if best_rank is None:
            break
        symbols[best_at : best_at + 2] = [symbols[best_at] + symbols[best_at + 1]]
        made.add(symbols[best_at])
    return symbols, made


def merge_closure(kept: set[int], tables: BpeTables) -> set[int]:
    """``kept`` plus every token that BPE passes through on the way to a kept token.

    BPE on a word applies, at each step, the lowest-ranked merge available. If the trimmed merges
    are a subset that still contains every merge the original applied, the trimmed tokenizer makes
    the same choice at every step, so text whose tokens are all kept is tokenised identically.
    A token's own pieces do not depend on its neighbours (a merge across a token boundary is never
    the lowest, or the boundary would not be there), so running BPE on each kept token alone
    finds every merge the original applies inside it.
    """
    ranks = tables.merge_ranks()
    id_to_token = {i: t for t, i in tables.vocab.items()}
    closed = set(kept)
    for token_id in kept:
        token = id_to_token.get(token_id)
        if token is None or len(token) < 2:
            continue
        _, made = bpe_steps(token, ranks)
        closed.update(tables.vocab[piece] for piece in made if piece in tables.vocab)
    return closed


def frequency_order(tables: BpeTables) -> list[int]:
    """Old ids from most to least frequent in the tokenizer's own training data.

    A BPE trainer merges the most frequent pair first, so a token's merge rank is its frequency
    order; tokens that no merge makes (single characters, added tokens) follow in id order, which
    for SentencePiece-converted vocabularies is score order.
    """
    first_rank: dict[str, int] = {}
    for rank, (left, right) in enumerate(tables.merges):
        first_rank.setdefault(left + right, rank)
    merged = sorted((rank, tables.vocab[tok]) for tok, rank in first_rank.items() if tok in tables.vocab)
    merged_ids = [token_id for _, token_id in merged]
    seen = set(merged_ids)
    return merged_ids + sorted(i for i in tables.vocab.values() if i not in seen)


@dataclass
class Selection:
    """The kept old ids (ascending: new id i is old id ``kept[i]``) and how each group contributed."""

    kept: list[int]
    special: int
    bytes: int
    corpus: int
    budget: int
    closure: int
    placeholders_dropped: int
    script: int = 0
    predicted: int = 0


def token_text(piece: str, byte_level: bool) -> str:
    """The text a vocabulary entry stands for (byte-level pieces decoded; a cut character dropped)."""
    if not byte_level:
        return piece.replace("\u2581", " ")
    codes = _byte_decoder()
    return bytes(codes[ch] for ch in piece if ch in codes).decode("utf-8", errors="ignore")


@functools.cache
def _byte_decoder() -> dict[str, int]:
    # GPT-2's byte-to-unicode table (tokenizers' ByteLevel alphabet, whose list is unordered):
    # printable Latin-1 bytes stand for themselves, the others for 256, 257, ... in byte order.
    printable = set(range(ord("!"), ord("~") + 1)) | set(range(0xA1, 0xAD)) | set(range(0xAE, 0x100))
    table, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            table[chr(byte)] = byte
        else:
            table[chr(256 + extra)] = byte
            extra += 1
    return table


def script_token_ids(tables: BpeTables, scripts: Iterable[str], latin_marks: bool = False) -> set[int]:
    """Tokens whose letters are all in ``scripts`` (e.g. Thai, Khmer): a vocabulary's whole stock of
    a script is small (Gemma 3 has ~2,200 Thai tokens), and a small corpus cannot show which of them
    held-out text needs. ``latin_marks`` adds the Latin tokens with letters beyond ASCII
    (Vietnamese tone marks); plain ASCII tokens are too many and are left to the corpus and budget."""
    import unicodedata

    from seaforge.text.scripts import SCRIPT_RANGES

    wanted = [span for name in scripts if name != "Latn" for span in SCRIPT_RANGES[name]]
    latin = SCRIPT_RANGES["Latn"]

    def inside(ch: str, spans) -> bool:
        return any(lo <= ord(ch) <= hi for lo, hi in spans)

    kept = set()
    for piece, token_id in tables.vocab.items():
        letters = [ch for ch in token_text(piece, tables.byte_level) if unicodedata.category(ch)[0] in "LM"]
        if not letters:
            continue
        if wanted and all(inside(ch, wanted) for ch in letters):
            kept.add(token_id)
        elif latin_marks and all(inside(ch, latin) for ch in letters) and any(ord(ch) > 0x7F for ch in letters):
            kept.add(token_id)
    return kept


def select_tokens(
    tokenizer_json: dict,
    corpus_ids: Iterable[int],
    budget: int,
    script_ids: Iterable[int] = (),
    predicted_ids: Iterable[int] = (),
) -> Selection:
    """Keep special and byte tokens, the corpus's tokens, the ``script_ids`` and ``predicted_ids``,
    ``budget`` most frequent others, and the merge closure of all of them."""
    if budget < 0:
        raise TrimError(f"--budget must be 0 or more, got {budget}")
    tables = read_bpe(tokenizer_json)
    added = {entry["id"]: entry["content"] for entry in tokenizer_json.get("added_tokens", [])}
    placeholders = {i for i, content in added.items() if PLACEHOLDER_RE.match(content)}
    special = set(added) - placeholders
    unk = tokenizer_json["model"].get("unk_token")
    if unk in tables.vocab:
        special.add(tables.vocab[unk])
    kept = special | byte_token_ids(tables)
    from_bytes = len(kept) - len(special)
    corpus = {i for i in corpus_ids if i not in placeholders} - kept
    kept |= corpus
    script = {i for i in script_ids if i not in placeholders} - kept
    kept |= script
    known = set(tables.vocab.values())  # a model may predict padding rows past the tokenizer
    predicted = {i for i in predicted_ids if i not in placeholders and i in known} - kept
    kept |= predicted
    from_budget = 0
    if budget:
        for token_id in frequency_order(tables):
            if from_budget >= budget:
                break
            if token_id not in kept and token_id not in placeholders:
                kept.add(token_id)
                from_budget += 1
    closed = merge_closure(kept, tables)
    return Selection(
        sorted(closed),
        len(special),
        from_bytes,
        len(corpus),
        from_budget,
        len(closed) - len(kept),
        len(placeholders),
        len(script),
        len(predicted),
    )


def _remap_ids_in(node, new_id: dict[int, int]) -> None:
    """Remap the ids a post-processor names (TemplateProcessing, Roberta/Bert, Sequence)."""
    if isinstance(node, list):
        for item in node:
            _remap_ids_in(item, new_id)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "ids" and isinstance(value, list) and all(isinstance(v, int) for v in value):
            node[key] = [new_id[v] for v in value]
        elif key in ("sep", "cls") and isinstance(value, list) and len(value) == 2 and isinstance(value[1], int):
            node[key] = [value[0], new_id[value[1]]]
        else:
            _remap_ids_in(value, new_id)


def trimmed_tokenizer_json(tokenizer_json: dict, kept: list[int]) -> dict:
    """A copy of ``tokenizer_json`` with only the ``kept`` old ids, renumbered 0..len(kept)-1.

    Merges survive when both parts and the result are kept. SentencePiece-style tokenizers get byte
    fallback switched on, so any text still encodes: a dropped piece becomes smaller pieces or bytes.
    """
    import copy

    out = copy.deepcopy(tokenizer_json)
    tables = read_bpe(out)
    new_id = {old: new for new, old in enumerate(kept)}
    vocab = {tok: new_id[i] for tok, i in tables.vocab.items() if i in new_id}
    merges = [
        [left, right] for left, right in tables.merges if left in vocab and right in vocab and left + right in vocab
    ]
    out["model"]["vocab"] = vocab
    out["model"]["merges"] = merges
    if tables.byte_fallback:
        out["model"]["byte_fallback"] = True
    out["added_tokens"] = [
        dict(entry, id=new_id[entry["id"]]) for entry in out.get("added_tokens", []) if entry["id"] in new_id
    ]
    _remap_ids_in(out.get("post_processor"), new_id)
    if isinstance(out.get("padding"), dict) and out["padding"].get("pad_id") in new_id:
        out["padding"]["pad_id"] = new_id[out["padding"]["pad_id"]]
    return out
