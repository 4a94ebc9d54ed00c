"""Open any tokenizer a user names: a Hugging Face id or folder, a tiktoken rank file, a SentencePiece
model, or anything `seaforge.models.resolve.resolve_model` takes (`tiny:<arch>`, `gemma3-270m`, a
`.gguf` file).

Everything comes back as a fast (Rust `tokenizers`-backed) Hugging Face tokenizer, so the report,
the trainer and the extender have one code path and batch encoding runs in parallel.
"""

from __future__ import annotations

import base64
from pathlib import Path

from seaforge.errors import UserError


class TokenizerLoadError(UserError, ValueError):
    """A tokenizer argument that names nothing loadable (ValueError kept for older callers)."""


# tiktoken files hold ranks only; the split regex is part of the model code. Keyed by rank count.
TIKTOKEN_PATTERNS = {
    128000: (
        "llama3",
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+"
        r"[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    ),
    200000: (
        "llama4",
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+"
        r"[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}"
        r"\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    ),
}
# Special tokens follow the ranks (llama-models' tokenizer.py). All of them are registered so that
# len(tokenizer) matches the model and an extension's new ids start after the reserved ones.
_LLAMA3_NAMED = [
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|reserved_special_token_0|>",
    "<|reserved_special_token_1|>",
    "<|finetune_right_pad_id|>",
    "<|step_id|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eom_id|>",
    "<|eot_id|>",
    "<|python_tag|>",
    "<|image|>",
]
_LLAMA4_NAMED = [
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|header_start|>",
    "<|header_end|>",
    "<|eom|>",
    "<|eot|>",
    "<|step|>",
]


def _specials(named: list[str], total: int, first_reserved: int) -> list[str]:
    # Past the named ones we use reserved-style names: the ids are right, some names may not be.
    return named + [
        f"<|reserved_special_token_{i}|>" for i in range(first_reserved, first_reserved + total - len(named))
    ]


TIKTOKEN_SPECIALS = {"llama3": _specials(_LLAMA3_NAMED, 256, 2), "llama4": _specials(_LLAMA4_NAMED, 2048, 0)}
EOS = {"llama3": "<|eot_id|>", "llama4": "<|eot|>"}


def _is_tiktoken(path: Path) -> bool:
    with open(path, "rb") as f:
        first = f.readline().split()
    if len(first) != 2 or not first[1].isdigit():
        return False
    try:
        base64.b64decode(first[0], validate=True)
    except ValueError:
        return False
    return True


def _load_tiktoken(path: Path):
    from transformers import PreTrainedTokenizerFast
    from transformers.convert_slow_tokenizer import TikTokenConverter

    with open(path, "rb") as f:
        ranks = {base64.b64decode(t): int(r) for t, r in (ln.split() for ln in f if ln.strip())}
    if len(ranks) not in TIKTOKEN_PATTERNS:
        raise TokenizerLoadError(
            f"{path}: tiktoken file with {len(ranks)} ranks; its split regex is not "
            f"known (known sizes: {sorted(TIKTOKEN_PATTERNS)})"
        )
    family, pattern = TIKTOKEN_PATTERNS[len(ranks)]

    class _LocalTikToken(TikTokenConverter):  # reads ranks without the tiktoken package
        @staticmethod
        def load_tiktoken_bpe(_path):
            return ranks

    specials = TIKTOKEN_SPECIALS[family]
    backend = _LocalTikToken(vocab_file=str(path), pattern=pattern, extra_special_tokens=specials).converted()
    return PreTrainedTokenizerFast(tokenizer_object=backend, bos_token=specials[0], eos_token=EOS[family])


def _load_sentencepiece(folder: Path):
    import sentencepiece.sentencepiece_model_pb2 as pb
    from transformers import CamembertTokenizer, LlamaTokenizer

    files = sorted(folder.glob("*.model"))
    proto = pb.ModelProto()
    proto.ParseFromString(files[0].read_bytes())
    if proto.trainer_spec.model_type == pb.TrainerSpec.UNIGRAM:
        return CamembertTokenizer.from_pretrained(str(folder))  # fairseq-style unigram vocab
    return LlamaTokenizer.from_pretrained(str(folder))


def resolve_tokenizer(spec: str) -> str:
    """The local file or folder (or hub id) a tokenizer argument names; a ``UserError`` when it
    names nothing. Cheap for local paths: call it first to fail before slow work."""
    path = Path(spec).expanduser()
    if path.exists() and path.suffix.lower() != ".gguf":
        return str(path)
    from seaforge.models.resolve import resolve_model

    return resolve_model(spec)  # the one resolver: tiny:<arch>, registered names, GGUF, hub ids


def load_tokenizer(spec: str):
    """Load a tokenizer from a HF id, a folder, a tiktoken/SentencePiece file, or any model argument
    (`tiny:<arch>`, a registered name, a `.gguf` file), as a fast tokenizer.

    Offline (HF_HUB_OFFLINE=1) a hub id works only when it is in the local cache.
    """
    from transformers import AutoTokenizer

    spec = resolve_tokenizer(spec)
    path = Path(spec)
    if path.is_file() and _is_tiktoken(path):
        return _load_tiktoken(path)
    if path.is_dir():
        names = {p.name for p in path.iterdir()}
        if names & {"tokenizer.json", "vocab.json", "tokenizer_config.json"}:
            return AutoTokenizer.from_pretrained(str(path))
        if "tokenizer.model" in names and _is_tiktoken(path / "tokenizer.model"):
            tok = _load_tiktoken(path / "tokenizer.model")
            if "chat_template.jinja" in names:  # Llama 3 folders ship the template beside the ranks
                tok.chat_template = (path / "chat_template.jinja").read_text(encoding="utf-8")
            return tok
        if any(n.endswith(".model") for n in names):
            return _load_sentencepiece(path)
        raise TokenizerLoadError(f"{path}: no tokenizer files (tokenizer.json, vocab.json, *.model) found")
    if path.exists():
        raise TokenizerLoadError(f"{path}: not a tokenizer folder or tiktoken rank file")
    try:
        return AutoTokenizer.from_pretrained(spec)
    except OSError as err:
        raise TokenizerLoadError(
            f"cannot load tokenizer {spec!r}: not a local path, and the hub said: {str(err).splitlines()[0]}"
        ) from None


def tokenizer_name(spec: str) -> str:
    """A short display name: the folder name for local paths, the id for hub tokenizers."""
    path = Path(spec)
    if path.exists():
        return path.parent.name if path.is_file() else path.name
    return spec
