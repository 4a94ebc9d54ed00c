"""``--dry-run``: parameter count, memory per GPU and tokens per step, before renting a cluster.

Parameters are counted exactly by building the model on the ``meta`` device (no weights, no
memory). Memory is an estimate, stated with its assumptions so users can check it:
- full fine-tuning keeps fp32 master weights, fp32 gradients and two fp32 Adam moments
  (16 bytes/parameter), sharded across GPUs by FSDP2 / ZeRO-3;
- LoRA keeps the frozen base in bf16 (2 bytes/parameter, or ~0.55 for 4-bit QLoRA) plus 16 bytes
  per trainable adapter parameter;
- activations are counted tensor by tensor for a Llama-style decoder under bf16 autocast (fp32
  residual stream, fused attention), per token and layer: each RMSNorm keeps its fp32 input, the
  normalised fp32 product and a bf16 copy for the next matmul (10·h bytes); attention keeps q, k
  and v, their rotary halves, the rotated q and k and its output (8·q + 8·kv bytes for widths
  q = heads·head_dim and kv = kv_heads·head_dim); a gated MLP keeps gate, up, the activation and
  their product (8·I bytes for intermediate size I; 4·I without a gate). With activation
  checkpointing only each layer's fp32 input (4·h) stays, plus one layer's worth during its
  recomputation. The logits add s·b·V·(2 + 4 + 4) bytes (bf16 logits, fp32 copy, fp32 gradient).
  Measured on one H200 (bench/bench_train_gpu.py, docs/train.md), this is within 6% of PyTorch's
  peak allocation; the bf16 weight copies autocast keeps for the backward pass (2 bytes per
  parameter) are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

GIB = 1024**3


@dataclass
class Estimate:
    params: int
    trainable: int
    tokens_per_step: int
    gpus: int
    state_gib: float  # weights + gradients + optimizer, per GPU
    activation_gib: float
    total_gib: float


def count_params(model_config) -> int:
    """Exact parameter count of the architecture, without allocating weights."""
    import torch
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(model_config)
    return sum(param.numel() for param in model.parameters())


def lora_params(model_config, r: int) -> int:
    """Adapter parameters for LoRA rank ``r`` on every linear layer of the blocks (not lm_head)."""
    import torch
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(model_config)
    head = model.get_output_embeddings()
    return sum(
        r * (module.in_features + module.out_features)
        for module in model.modules()
        if isinstance(module, torch.nn.Linear) and module is not head
    )


def activation_bytes(
    tokens: int,
    hidden: int,
    layers: int,
    vocab: int,
    *,
    intermediate: int | None = None,
    q_width: int | None = None,
    kv_width: int | None = None,
    gated: bool = True,
    norms: int = 2,
    checkpointing: bool = True,
) -> float:
    """Activation bytes per GPU for ``tokens`` = sequence length x micro-batch (module docstring)."""
    q = q_width or hidden
    kv = kv_width or q
    mlp = (8 if gated else 4) * (intermediate or 4 * hidden)
    per_layer = tokens * (10 * hidden * norms + 8 * q + 8 * kv + mlp)
    stored = per_layer + 4 * tokens * hidden * layers if checkpointing else per_layer * layers
    return stored + tokens * vocab * 10


def _shape(model_config) -> dict:
    cfg = getattr(model_config, "text_config", None) or model_config
    heads = cfg.num_attention_heads
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // heads
    return dict(
        hidden=cfg.hidden_size,
        layers=cfg.num_hidden_layers,
        vocab=cfg.vocab_size,
        intermediate=getattr(cfg, "intermediate_size", None),
        q_width=heads * head_dim,
        kv_width=(getattr(cfg, "num_key_value_heads", None) or heads) * head_dim,
    )


def estimate(
    model_config,
    seq_len: int,
    micro_batch: int,
    grad_accum: int,
    gpus: int = 1,
    lora_r: int | None = None,
    qlora: bool = False,
    checkpointing: bool = True,
) -> Estimate:
    """Memory per GPU and tokens per step for one training configuration."""
    params = count_params(model_config)
    if lora_r:
        trainable = lora_params(model_config, lora_r)
        state = params * (0.55 if qlora else 2.0) / gpus + trainable * 16.0
    else:
        trainable = params
        state = params * 16.0 / gpus
    shape = _shape(model_config)
    acts = activation_bytes(seq_len * micro_batch, **shape, checkpointing=checkpointing)
    return Estimate(
        params=params,
        trainable=trainable,
        tokens_per_step=seq_len * micro_batch * grad_accum * gpus,
        gpus=gpus,
        state_gib=state / GIB,
        activation_gib=acts / GIB,
        total_gib=(state + acts) / GIB,
    )


def render(est: Estimate, title: str) -> None:
    """Print the estimate as a rich table."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_header=False)
    table.add_row("parameters", f"{est.params:,} ({est.params / 1e9:.2f} B)")
    table.add_row("trainable", f"{est.trainable:,} ({100 * est.trainable / est.params:.2f}%)")
    table.add_row("GPUs", str(est.gpus))
    table.add_row("tokens per step", f"{est.tokens_per_step:,}")
    table.add_row("weights+grads+optimizer / GPU", f"{est.state_gib:.1f} GiB")
    table.add_row("activations / GPU", f"{est.activation_gib:.1f} GiB")
    table.add_row("estimated memory / GPU", f"[bold]{est.total_gib:.1f} GiB[/bold]")
    Console().print(table)
