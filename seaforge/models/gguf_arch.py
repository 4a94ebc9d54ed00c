"""What each architecture looks like in GGUF: llama.cpp's metadata keys and tensor layout.

Follows llama.cpp's ``convert_hf_to_gguf.py`` for the four families we adapt: Llama (q/k rows
permuted to the interleaved RoPE llama.cpp runs), Qwen2 (attention biases), Qwen3 (q/k norms) and
Gemma 3 text (RMS norm weights stored as ``1 + w``, since llama.cpp multiplies by the weight alone).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np

from seaforge.errors import UserError


class UnsupportedArchitecture(UserError):
    """A model whose architecture the GGUF exporter does not know."""


@dataclass(frozen=True)
class ArchSpec:
    gguf_arch: gguf.MODEL_ARCH
    permute_qk: bool = False  # HF rotate-half RoPE -> llama.cpp's interleaved RoPE (llama only)
    norm_offset: float = 0.0  # added to every RMS-norm weight (Gemma stores w, applies 1 + w)


ARCHS: dict[str, ArchSpec] = {
    "llama": ArchSpec(gguf.MODEL_ARCH.LLAMA, permute_qk=True),
    "qwen2": ArchSpec(gguf.MODEL_ARCH.QWEN2),
    "qwen3": ArchSpec(gguf.MODEL_ARCH.QWEN3),
    "gemma3_text": ArchSpec(gguf.MODEL_ARCH.GEMMA3, norm_offset=1.0),
}
# llama.cpp hard-codes these for Gemma 3, so a config that differs would run wrongly there.
GEMMA3_LOCAL_ROPE_THETA = 10000.0
GEMMA3_SLIDING_PATTERN = 6


def arch_spec(config) -> ArchSpec:
    model_type = getattr(config, "model_type", None)
    if model_type not in ARCHS:
        raise UnsupportedArchitecture(
            f"GGUF export does not support architecture {model_type!r}; supported: {', '.join(ARCHS)}"
        )
    return ARCHS[model_type]


def arch_name(config) -> str:
    return gguf.MODEL_ARCH_NAMES[arch_spec(config).gguf_arch]


def _rope(config, layer_type: str | None = None) -> dict:
    params = getattr(config, "rope_parameters", None) or {}
    if layer_type is not None and layer_type in params:
        params = params[layer_type]
    if not params and getattr(config, "rope_theta", None) is not None:  # transformers 4 configs
        params = {
            "rope_theta": config.rope_theta,
            "rope_type": "default",
            **(getattr(config, "rope_scaling", None) or {}),
        }
    return params


def _check_rope_type(params: dict, model_type: str) -> None:
    rope_type = params.get("rope_type", params.get("type", "default"))
    if rope_type not in ("default", "linear"):
        raise UserError(
            f"GGUF export of {model_type}: RoPE scaling {rope_type!r} is not supported (only default and linear)"
        )


def write_hparams(writer: gguf.GGUFWriter, config) -> None:
    """The ``<arch>.*`` keys llama.cpp reads to build the graph."""
    model_type = config.model_type
    heads = config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(heads)
    writer.add_head_count_kv(getattr(config, "num_key_value_heads", None) or heads)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_vocab_size(config.vocab_size)
    writer.add_key_length(head_dim)
    writer.add_value_length(head_dim)
    if model_type == "llama":
        writer.add_rope_dimension_count(head_dim)
    rope = _rope(config, "full_attention")
    _check_rope_type(rope, model_type)
    writer.add_rope_freq_base(float(rope.get("rope_theta", 10000.0)))
    if rope.get("rope_type", rope.get("type")) == "linear":
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(float(rope["factor"]))
    if model_type == "gemma3_text":
        _write_gemma3(writer, config, head_dim)
    elif getattr(config, "use_sliding_window", False):
        raise UserError(f"GGUF export of {model_type}: sliding-window attention is not supported")


def _write_gemma3(writer: gguf.GGUFWriter, config, head_dim: int) -> None:
    local = _rope(config, "sliding_attention")
    local_theta = float(local.get("rope_theta", getattr(config, "rope_local_base_freq", GEMMA3_LOCAL_ROPE_THETA)))
    if local_theta != GEMMA3_LOCAL_ROPE_THETA:
        raise UserError(
            f"GGUF export of gemma3_text: llama.cpp fixes the sliding-layer RoPE base at "
            f"{GEMMA3_LOCAL_ROPE_THETA:g}, this model uses {local_theta:g}"
        )
    scalar = getattr(config, "query_pre_attn_scalar", head_dim)
    if scalar != head_dim:
        raise UserError(
            f"GGUF export of gemma3_text: llama.cpp scales queries by head_dim ({head_dim}), "
            f"this model by query_pre_attn_scalar={scalar}"
        )
    layer_types = getattr(config, "layer_types", None)
    if layer_types:
        expected = [
            "full_attention" if (i + 1) % GEMMA3_SLIDING_PATTERN == 0 else "sliding_attention"
            for i in range(config.num_hidden_layers)
        ]
        if list(layer_types) != expected:
            raise UserError(
                "GGUF export of gemma3_text: llama.cpp expects every 6th layer to be full "
                "attention, this model's layer_types differ"
            )
    for name in ("attn_logit_softcapping", "final_logit_softcapping"):
        if getattr(config, name, None):
            raise UserError(f"GGUF export of gemma3_text: {name} is not supported by llama.cpp's Gemma 3")
    writer.add_sliding_window(config.sliding_window)


def _permute_rope_rows(weight: np.ndarray, heads: int) -> np.ndarray:
    """HF orders each head's rotary dims as two halves; llama.cpp expects them interleaved."""
    return (
        weight.reshape(heads, 2, weight.shape[0] // heads // 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)
    )


def _safetensors_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        raise UserError(f"{folder}: no .safetensors weights to export (save the model with save_pretrained first)")
    return files


def iter_gguf_tensors(folder: Path, config) -> Iterator[tuple[str, np.ndarray]]:
    """(GGUF name, float32 array in GGUF layout) for every weight of the model in ``folder``."""
    from safetensors import safe_open

    spec = arch_spec(config)
    name_map = gguf.get_tensor_name_map(spec.gguf_arch, config.num_hidden_layers)
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    tied = bool(getattr(config, "tie_word_embeddings", False))
    seen = set()
    for file in _safetensors_files(folder):
        with safe_open(str(file), framework="pt") as tensors:
            for hf_name in tensors.keys():
                if hf_name.endswith("rotary_emb.inv_freq") or (tied and hf_name == "lm_head.weight"):
                    continue
                name = name_map.get_name(hf_name, try_suffixes=(".weight", ".bias"))
                if name is None:
                    raise UserError(
                        f"{file}: tensor {hf_name!r} has no GGUF name for "
                        f"{config.model_type}; this model is not a plain {config.model_type}"
                    )
                if name in seen:
                    continue
                seen.add(name)
                data = tensors.get_tensor(hf_name).float().numpy()
                if spec.permute_qk and name.endswith(("attn_q.weight", "attn_q.bias")):
                    data = _permute_rope_rows(data, heads)
                elif spec.permute_qk and name.endswith(("attn_k.weight", "attn_k.bias")):
                    data = _permute_rope_rows(data, kv_heads)
                if spec.norm_offset and name.endswith("norm.weight"):
                    data = data + np.float32(spec.norm_offset)
                yield name, np.ascontiguousarray(data, dtype=np.float32)
