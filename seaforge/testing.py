"""Small offline building blocks for tests, demos and benchmarks.

Everything here is built locally from our own sample sentences: no hub access, so tests run with
HF_HUB_OFFLINE=1 and demos work on a laptop without weights.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{%- if message['role'] == 'assistant' %}"
    "{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{%- else %}{{ message['content'] + '<|im_end|>' }}{%- endif %}"
    "{{ '\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}"
)
SPECIAL_TOKENS = ["<pad>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]

# Small on purpose: two layers and a 64-wide residual stream train in milliseconds per step on CPU.
TINY_DIMS = dict(
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=16,
    max_position_embeddings=512,
)
TINY_FORMAT = 2  # bump when how a tiny folder is saved changes, so old caches are rebuilt
TINY_ARCHS = ("llama", "qwen2", "qwen3", "gemma2", "gemma3_text", "apertus")


@lru_cache(maxsize=1)
def _sample_records() -> tuple[dict, ...]:
    path = resources.files("seaforge.text") / "data" / "samples.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


def sample_sentences() -> list[dict]:
    """Our bundled multilingual sample sentences as {"lang", "text", ...} dicts (a fresh copy)."""
    return [dict(r) for r in _sample_records()]


def tiny_tokenizer(tmp_dir: str | Path | None = None, vocab_size: int = 600):
    """A byte-level BPE `PreTrainedTokenizerFast` trained on the sample sentences, with a chat template.

    bos `<s>`, eos `</s>`, pad `<pad>`, plus `<|im_start|>`/`<|im_end|>` for ChatML-style chat.
    Saved to `tmp_dir` when given, so it can be reloaded with `AutoTokenizer.from_pretrained`.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    texts = [r["text"] for r in _sample_records()]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        additional_special_tokens=["<|im_start|>", "<|im_end|>"],
    )
    fast.chat_template = CHAT_TEMPLATE
    if tmp_dir is not None:
        fast.save_pretrained(str(tmp_dir))
    return fast


def tiny_config(arch: str, tokenizer, **overrides):
    """An `AutoConfig` for a tiny model of `arch` whose vocabulary matches `tokenizer`."""
    from transformers import AutoConfig

    if arch not in TINY_ARCHS:
        raise ValueError(f"unknown tiny arch {arch!r}; choose one of {', '.join(TINY_ARCHS)}")
    kwargs = dict(TINY_DIMS)
    kwargs.update(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    if arch in ("gemma2", "gemma3_text"):
        kwargs.update(sliding_window=64, query_pre_attn_scalar=16)
    if arch == "apertus":
        # Apertus ships llama3-style RoPE scaling from an 8192-token original context.
        kwargs.update(max_position_embeddings=16384)
    kwargs.update(overrides)
    return AutoConfig.for_model(arch, **kwargs)


def tiny_causal_lm(arch: str, tokenizer, seed: int = 0, **overrides):
    """A tiny randomly initialised `AutoModelForCausalLM` (deterministic for a given seed)."""
    import torch
    from transformers import AutoModelForCausalLM

    config = tiny_config(arch, tokenizer, **overrides)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    model.eval()
    return model


def tiny_model_dir(arch: str, cache_dir: str | Path | None = None) -> Path:
    """Save a tiny model of `arch` with its tokenizer once, and return the folder.

    Lets every command that takes a model path (train, eval) run offline on a laptop as
    `tiny:<arch>`; the folder loads with `AutoModelForCausalLM`/`AutoTokenizer` like any other.
    """
    import os

    from seaforge.io import atomic_dir
    from seaforge.models.registry import models_home

    # SEAFORGE_CACHE is the older name, still honoured (the test suite points it at a temp folder).
    root = Path(cache_dir or os.environ.get("SEAFORGE_CACHE") or models_home())
    out = root / "tiny" / f"{arch}-{_tiny_fingerprint()}"
    if not (out / "config.json").is_file():
        tok = tiny_tokenizer()
        model = tiny_causal_lm(arch, tok)
        with atomic_dir(out) as tmp:
            tok.save_pretrained(str(tmp))
            model.save_pretrained(str(tmp))
            # Some architectures reload our tokenizer as their own class, which adds tokens (Qwen2
            # adds <|endoftext|>): give every id the reloaded tokenizer can produce an embedding row.
            from transformers import AutoTokenizer

            reloaded = len(AutoTokenizer.from_pretrained(str(tmp)))
            if reloaded > model.config.vocab_size:
                model.resize_token_embeddings(reloaded)
                model.save_pretrained(str(tmp))
    return out


def _tiny_fingerprint() -> str:
    """Changes whenever what a tiny model is built from changes, so a stale cache is never used
    (data packed with today's tiny tokenizer must meet a model with the same vocabulary)."""
    import hashlib

    path = resources.files("seaforge.text") / "data" / "samples.jsonl"
    recipe = path.read_bytes() + repr((TINY_DIMS, CHAT_TEMPLATE, SPECIAL_TOKENS, TINY_FORMAT)).encode()
    return hashlib.sha256(recipe).hexdigest()[:12]
