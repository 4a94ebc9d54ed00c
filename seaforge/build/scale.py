"""Offline estimates for `seaforge build --dry-run` at real scale: parameters, GPU hours, memory.

Nothing here downloads anything: the architectures of the reference models are a table of their
published ``config.json`` values, and other models are counted from a transformers config on the
``meta`` device (``seaforge.train.estimate.count_params``).

Assumptions (stated so a user can check them; these are estimates, not measurements):
- training costs ``6 * N * D`` FLOPs for N parameters and D tokens (forward 2ND, backward 4ND);
  LoRA skips the weight gradients of the frozen base, ``4 * N * D``; DPO adds the reference
  model's forward pass, ``2 * N * D``; attention's own FLOPs (quadratic in sequence length) are
  left out, a few percent at 4-8k tokens for these widths;
- wall time is ``FLOPs / (GPUs * peak bf16 dense FLOP/s * MFU)``; 40% MFU is what FSDP2 with
  activation checkpointing reaches on dense 8-32B models on H100s; slower interconnects, short
  sequences or small micro-batches give less;
- for Gemma 3 checkpoints the count includes the SigLIP vision encoder (~0.42B) that the
  published totals include; it sees no text tokens, so the FLOPs are slightly overstated
  (about 10% at 4B, under 2% at 27B);
- memory per GPU follows ``seaforge.train.estimate``: full fine-tuning keeps fp32 weights,
  gradients and two Adam moments (16 bytes/parameter) sharded over all GPUs (FSDP2/ZeRO-3); LoRA
  keeps the frozen base in bf16 (2 bytes/parameter); activations under checkpointing are each
  layer's fp32 input (4*s*b*h bytes) plus one layer's full set, counted from its widths
  (``seaforge.train.estimate.activation_bytes``), and the logits s*b*V*10 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from seaforge.errors import UserError

GIB = 1024**3

# bf16 dense peak (no sparsity), TFLOP/s per GPU, from the vendors' data sheets (SXM/OAM parts).
GPU_PEAK_TFLOPS = {
    "H100-80GB": 989.0,
    "H200": 989.0,
    "A100-80GB": 312.0,
    "L40S": 362.0,
    "MI300X": 1307.0,
}
GPU_MEMORY_GB = {"H100-80GB": 80, "H200": 141, "A100-80GB": 80, "L40S": 48, "MI300X": 192}


@dataclass(frozen=True)
class Vision:
    """A SigLIP vision tower plus Gemma 3's projector into the text model's width."""

    hidden: int = 1152
    intermediate: int = 4304
    layers: int = 27
    patch: int = 14
    image: int = 896
    channels: int = 3

    def params(self, text_hidden: int) -> int:
        h = self.hidden
        patches = (self.image // self.patch) ** 2
        embed = self.channels * self.patch * self.patch * h + h + patches * h  # conv + bias + positions
        layer = 4 * (h * h + h) + 2 * (h * self.intermediate) + self.intermediate + h + 2 * 2 * h  # attn, mlp, 2 LNs
        projector = h * text_hidden + h  # input projection + soft-embedding RMSNorm
        return embed + self.layers * layer + 2 * h + projector  # + post layernorm


@dataclass(frozen=True)
class Architecture:
    """Published hyper-parameters of one model (its config.json on the hub)."""

    hub_id: str
    hidden: int
    layers: int
    intermediate: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int
    tied: bool
    published_b: float  # total parameters the model card states, in billions
    gated_mlp: bool = True  # gate+up+down (SwiGLU/GeGLU); False: up+down (Apertus xIELU)
    qk_norm: bool = False  # RMSNorm on queries and keys, per head_dim
    norms_per_layer: int = 2  # Gemma 3 has four (pre/post attention, pre/post feed-forward)
    act_params: int = 0  # learned activation parameters per layer (xIELU: alpha_p, alpha_n)
    vision: Vision | None = None

    def parts(self) -> dict[str, int]:
        """Parameter count by part (embedding includes an untied output head)."""
        h, d = self.hidden, self.head_dim
        attention = h * self.heads * d + 2 * h * self.kv_heads * d + self.heads * d * h
        mlp = (3 if self.gated_mlp else 2) * h * self.intermediate + self.act_params
        norms = self.norms_per_layer * h + (2 * d if self.qk_norm else 0)
        return {
            "embedding": self.vocab * h * (1 if self.tied else 2),
            "attention": self.layers * attention,
            "mlp": self.layers * mlp,
            "norms": self.layers * norms + h,  # + final norm
            "vision": self.vision.params(h) if self.vision else 0,
        }

    @property
    def params(self) -> int:
        return sum(self.parts().values())


_GEMMA3 = dict(vocab=262208, tied=True, qk_norm=True, norms_per_layer=4, vision=Vision())
_QWEN3 = dict(heads=32, kv_heads=8, head_dim=128, vocab=151936, tied=False, qk_norm=True)

# Keyed by hub id. Values are from each model's config.json (text_config for Gemma 3).
ARCHITECTURES: dict[str, Architecture] = {
    a.hub_id: a
    for a in (
        Architecture("google/gemma-3-4b-pt", 2560, 34, 10240, 8, 4, 256, published_b=4.3, **_GEMMA3),
        Architecture("google/gemma-3-12b-pt", 3840, 48, 15360, 16, 8, 256, published_b=12.2, **_GEMMA3),
        Architecture("google/gemma-3-27b-pt", 5376, 62, 21504, 32, 16, 128, published_b=27.4, **_GEMMA3),
        Architecture("meta-llama/Llama-3.1-8B", 4096, 32, 14336, 32, 8, 128, vocab=128256, tied=False, published_b=8.0),
        Architecture("Qwen/Qwen3-8B-Base", 4096, 36, 12288, published_b=8.2, **_QWEN3),
        Architecture(
            "Qwen/Qwen3-32B", 5120, 64, 25600, 64, 8, 128, vocab=151936, tied=False, qk_norm=True, published_b=32.8
        ),
        Architecture(
            "swiss-ai/Apertus-8B-2509",
            4096,
            32,
            21504,
            32,
            8,
            128,
            vocab=131072,
            tied=False,
            qk_norm=True,
            gated_mlp=False,
            act_params=2,
            published_b=8.1,
        ),
    )
}
# Checkpoints with the same architecture as a table entry (instruction-tuned or hybrid variants).
ALIASES = {
    "google/gemma-3-4b-it": "google/gemma-3-4b-pt",
    "google/gemma-3-12b-it": "google/gemma-3-12b-pt",
    "google/gemma-3-27b-it": "google/gemma-3-27b-pt",
    "meta-llama/Llama-3.1-8B-Instruct": "meta-llama/Llama-3.1-8B",
    "Qwen/Qwen3-8B": "Qwen/Qwen3-8B-Base",
    "swiss-ai/Apertus-8B-Instruct-2509": "swiss-ai/Apertus-8B-2509",
}


def architecture(base: str) -> Architecture | None:
    """The table entry for a hub id (case-insensitive, instruct variants included), else None."""
    lowered = {key.lower(): key for key in (*ARCHITECTURES, *ALIASES)}
    key = lowered.get(base.strip().lower())
    if key is None:
        return None
    return ARCHITECTURES[ALIASES.get(key, key)]


def params_for(base: str, model_config=None) -> int | None:
    """Parameters of ``base``: from ARCHITECTURES by hub id, else counted from a transformers
    config on the meta device when one is given, else None (unknown, nothing downloaded)."""
    arch = architecture(base)
    if arch is not None:
        return arch.params
    if model_config is not None:
        from seaforge.train.estimate import count_params

        return count_params(model_config)
    return None


def check_gpu(gpu: str) -> str:
    """The canonical GPU name; UserError naming ``hardware.gpu`` and the known names otherwise."""
    for name in GPU_PEAK_TFLOPS:
        if name.lower() == gpu.strip().lower():
            return name
    raise UserError(f"hardware.gpu: unknown GPU {gpu!r}; known: {', '.join(GPU_PEAK_TFLOPS)}")


def tokens_for(steps: int, micro_batch_size: int, grad_accum: int, gpus: int, seq_len: int) -> int:
    """Tokens a training stage sees: steps x micro-batch x accumulation x GPUs x sequence length."""
    return steps * micro_batch_size * grad_accum * gpus * seq_len


def estimate_stage(
    params: int,
    tokens: int,
    gpus: int,
    gpu: str,
    mfu: float = 0.4,
    *,
    lora: bool = False,
    reference: bool = False,
    arch: Architecture | None = None,
    seq_len: int | None = None,
    micro_batch: int = 1,
) -> dict:
    """FLOPs, hours and memory per GPU of one training stage (see the module docstring for the
    assumptions). ``gpus`` is the total over all nodes. ``reference``: a frozen reference model
    runs forward too (DPO). Activations are estimated only when ``arch`` and ``seq_len`` are given."""
    name = check_gpu(gpu)
    if gpus < 1:
        raise UserError(f"hardware.gpus: must be at least 1, got {gpus}")
    if not 0 < mfu <= 1:
        raise UserError(f"hardware.mfu: must be in (0, 1], got {mfu}")
    flops = (4.0 if lora else 6.0) * params * tokens + (2.0 * params * tokens if reference else 0.0)
    seconds = flops / (gpus * GPU_PEAK_TFLOPS[name] * 1e12 * mfu)
    state = params * (2.0 if lora else 16.0) / gpus + (params * 2.0 / gpus if reference else 0.0)
    acts = None
    if arch is not None and seq_len:
        from seaforge.train.estimate import activation_bytes

        acts = (
            activation_bytes(
                seq_len * micro_batch,
                arch.hidden,
                arch.layers,
                arch.vocab,
                intermediate=arch.intermediate,
                q_width=arch.heads * arch.head_dim,
                kv_width=arch.kv_heads * arch.head_dim,
                gated=arch.gated_mlp,
                norms=arch.norms_per_layer,
            )
            / GIB
        )
    memory = state / GIB + (acts or 0.0)
    return {
        "params": params,
        "tokens": tokens,
        "gpus": gpus,
        "gpu": name,
        "peak_tflops": GPU_PEAK_TFLOPS[name],
        "mfu": mfu,
        "flops": flops,
        "hours": seconds / 3600,
        "gpu_hours": seconds * gpus / 3600,
        "state_gib": state / GIB,
        "activation_gib": acts,
        "memory_gib": memory,
        "gpu_memory_gb": GPU_MEMORY_GB[name],
        "fits": memory * GIB <= GPU_MEMORY_GB[name] * 1e9 * 0.9,  # leave ~10% for the allocator and NCCL
    }


def _get(obj, key, default=None):
    """A field of a recipe section, whether the recipe is a dict or a pydantic model."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def estimate_build(recipe, model_config=None) -> list[dict]:
    """One row per training stage (cpt, sft, dpo) of a recipe with a ``hardware`` section.

    ``recipe``: a BuildRecipe or its plain-dict form. ``hardware.gpus`` is GPUs per node, so the
    run uses ``gpus * nodes``. Returns [] when the recipe has no hardware section or the base
    model's size is unknown (no ``model_config`` for a model outside ARCHITECTURES)."""
    hardware = _get(recipe, "hardware")
    if hardware is None:
        return []
    base = _get(_get(recipe, "model"), "base")
    params = params_for(base, model_config)
    if params is None:
        return []
    arch = architecture(base)
    gpus = int(_get(hardware, "gpus", 1)) * int(_get(hardware, "nodes", 1))
    gpu = _get(hardware, "gpu", "H100-80GB")
    mfu = float(_get(hardware, "mfu", 0.4))
    rows = []
    for stage in ("cpt", "sft", "dpo"):
        section = _get(recipe, stage)
        if section is None:
            continue
        train, data = _get(section, "train"), _get(section, "data")
        seq_len = int(_get(data, "max_length" if stage == "dpo" else "seq_len", 2048))
        micro = int(_get(train, "micro_batch_size", 1))
        tokens = tokens_for(int(_get(train, "steps")), micro, int(_get(train, "grad_accum", 1)), gpus, seq_len)
        if stage == "dpo":
            tokens *= 2  # chosen and rejected
        row = estimate_stage(
            params,
            tokens,
            gpus,
            gpu,
            mfu,
            lora=_get(section, "lora") is not None,
            reference=stage == "dpo",
            arch=arch,
            seq_len=seq_len,
            micro_batch=micro,
        )
        rows.append({"stage": stage, "model": base, "nodes": int(_get(hardware, "nodes", 1)), **row})
    return rows


def render_estimates(rows: list[dict], title: str = "Estimated training cost"):
    """A rich Table of estimate rows (from estimate_build or estimate_stage plus a 'stage' key)."""
    from rich.table import Table

    table = Table(title=title)
    for column in ("stage", "parameters", "tokens", "GPUs", "hours", "GPU-hours", "memory / GPU"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for row in rows:
        memory = f"{row['memory_gib']:.0f} GiB"
        if not row["fits"]:
            memory = f"[red]{memory} (> {row['gpu_memory_gb']} GB)[/red]"
        table.add_row(
            row.get("stage", ""),
            f"{row['params'] / 1e9:.2f} B",
            f"{row['tokens'] / 1e9:.2f} B",
            f"{row['gpus']} x {row['gpu']}",
            f"{row['hours']:.1f}",
            f"{row['gpu_hours']:,.0f}",
            memory,
        )
    if rows:
        hours = sum(row["hours"] for row in rows)
        table.caption = (
            f"total {hours:.1f} h at {rows[0]['mfu']:.0%} MFU, "
            f"{rows[0]['peak_tflops']:.0f} TFLOP/s bf16 peak per GPU; 6·N·D FLOPs (estimate)"
        )
    return table
