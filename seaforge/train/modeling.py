"""Load the base model and tokenizer for a run, and check them against the config before training."""

from __future__ import annotations

import torch

from seaforge.models.resolve import ModelNotFound, resolve_model
from seaforge.train.config import ConfigError, LoraOptions, ModelOptions

# Config attributes that different architectures use for their context length.
_MAX_LEN_ATTRS = ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length")


def resolve_field(spec: str, field: str) -> str:
    """``spec`` through the one model resolver; an unknown model is an error naming ``field``."""
    try:
        return resolve_model(spec)
    except ModelNotFound as err:
        raise ConfigError(f"field '{field}': {err}") from None


def load_tokenizer(opts: ModelOptions):
    """The run's tokenizer (``model.tokenizer`` or ``model.path``), with a pad token guaranteed."""
    from seaforge.tokenizer.load import load_tokenizer as load_any_tokenizer

    field = "model.tokenizer" if opts.tokenizer else "model.path"
    name = resolve_field(opts.tokenizer or opts.path, field)
    try:
        tokenizer = load_any_tokenizer(name)  # the one tokenizer loader (also tiktoken, SentencePiece)
    except (OSError, ValueError) as err:
        raise ConfigError(f"field '{field}': cannot load tokenizer {name!r}: {err}") from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token  # labels mask padding anyway; any id will do
    return tokenizer


def load_model_config(opts: ModelOptions):
    """The base model's `PretrainedConfig`, read without loading weights."""
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(resolve_field(opts.path, "model.path"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"field 'model.path': cannot load model config {opts.path!r}: {err}") from None


def max_seq_len(model_config) -> int | None:
    """The longest sequence the architecture supports, when its config says."""
    text_config = getattr(model_config, "text_config", None) or model_config
    for attr in _MAX_LEN_ATTRS:
        value = getattr(text_config, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def check_seq_len(model_config, seq_len: int, field: str) -> None:
    """Fail before training when ``seq_len`` exceeds what the model was built for."""
    limit = max_seq_len(model_config)
    if limit is not None and seq_len > limit:
        raise ConfigError(f"field '{field}': sequence length {seq_len} exceeds the model's maximum of {limit}")


def check_lora(lora: LoraOptions | None) -> None:
    """QLoRA needs a CUDA GPU and bitsandbytes; say so before loading anything."""
    if lora is None or not lora.qlora:
        return
    if not torch.cuda.is_available():
        raise ConfigError("field 'lora.qlora': 4-bit QLoRA needs a CUDA GPU; use plain LoRA (qlora: false) on CPU")
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        raise ConfigError("field 'lora.qlora': needs the bitsandbytes package (pip install bitsandbytes)") from None


def use_bf16(precision: str) -> bool:
    """bf16 when asked, or under ``auto`` when the GPU supports it; CPU runs stay fp32."""
    if precision == "bf16":
        return True
    return precision == "auto" and torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def load_model(opts: ModelOptions, lora: LoraOptions | None = None, wrap_lora: bool = True):
    """The causal LM to train: pretrained (or random) weights, optional 4-bit base and LoRA adapters
    (``wrap_lora=False`` leaves the adapters to the caller, e.g. TRL's ``peft_config``)."""
    from transformers import AutoModelForCausalLM

    kwargs = {}
    if opts.attn_implementation:
        kwargs["attn_implementation"] = opts.attn_implementation
    if lora is not None and lora.qlora:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
        )
    if opts.random_init:
        model = AutoModelForCausalLM.from_config(load_model_config(opts), **kwargs)
    else:
        # fp32 master weights; accelerate autocasts to bf16 when mixed precision is on.
        model = AutoModelForCausalLM.from_pretrained(
            resolve_field(opts.path, "model.path"), dtype=torch.float32, **kwargs
        )
    if opts.gradient_checkpointing:
        # transformers 5 renamed the method; keep the old name for older releases.
        enable = getattr(model, "activation_checkpointing_enable", None)
        if enable is not None:
            enable(activation_checkpointing_kwargs={"use_reentrant": False})
        else:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.config.use_cache = False
    if lora is not None and wrap_lora:
        model = add_lora(model, lora, opts.gradient_checkpointing)
    return model


def add_lora(model, lora: LoraOptions, gradient_checkpointing: bool = False):
    """Wrap ``model`` with PEFT LoRA adapters (the base weights are frozen)."""
    from peft import get_peft_model, prepare_model_for_kbit_training

    if lora.qlora:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=gradient_checkpointing)
    elif gradient_checkpointing:
        model.enable_input_require_grads()  # checkpointed blocks need a grad-carrying input
    return get_peft_model(model, lora_config(lora))


def lora_config(lora: LoraOptions):
    """peft's LoraConfig for our ``lora:`` section (also handed to TRL, which wraps the model itself)."""
    from peft import LoraConfig

    return LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=lora.target_modules,
        task_type="CAUSAL_LM",
    )
