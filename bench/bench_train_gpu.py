"""Tokens/s and model FLOPs utilisation (MFU) of `seaforge train cpt` on a ~1B model, on one GPU.

Random-init Llama-shaped model (about 1.2 B parameters), random packed tokens, bf16, a few
hundred steps through the real `run_cpt`. Throughput is taken between step --skip and the last
step, so start-up and warm-up are not counted. MFU uses the PaLM estimate of training FLOPs per
token, 6 N + 12 L h s (N parameters without the input embedding, L layers, h width, s sequence),
over the GPU's dense bf16 peak (H100/H200 SXM: 989 TFLOP/s; pass --peak-tflops otherwise).

Needs a CUDA GPU; on a machine without one it says so and exits 0.

    .venv/bin/python bench/bench_train_gpu.py [--steps 300] [--micro-batch 8] [--seq-len 2048]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

PEAK_BF16_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L40S": 362.0}
DIMS = dict(
    hidden_size=2048,
    intermediate_size=5632,
    num_hidden_layers=20,
    num_attention_heads=16,
    num_key_value_heads=16,
    vocab_size=32000,
    max_position_embeddings=4096,
)
# --shape gqa: another ~1 B shape (grouped KV heads, wider MLP) to check the memory estimate on
# a configuration it was not first compared against
GQA = dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_key_value_heads=4)


def peak_tflops(arg: float | None) -> float:
    if arg:
        return arg
    name = torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    for key, value in PEAK_BF16_TFLOPS.items():
        if key in name:
            return value
    raise SystemExit(f"unknown GPU {name!r}: pass --peak-tflops")


def write_model_and_data(root: Path, seq_len: int, rows: int) -> tuple[Path, Path, int]:
    from transformers import AutoConfig

    from seaforge.data.packing import write_packed
    from seaforge.testing import tiny_tokenizer

    cfg = AutoConfig.for_model("llama", bos_token_id=1, eos_token_id=2, **DIMS)
    cfg.save_pretrained(root / "model")
    tiny_tokenizer(root / "model")  # only saved beside the result; the data is already token ids
    rng = np.random.default_rng(0)
    data = rng.integers(3, DIMS["vocab_size"], size=(rows, seq_len), dtype=np.uint32)
    write_packed(root / "packed", {"en": iter(data)}, seq_len, "random", 2, rows_per_shard=4096)
    with torch.device("meta"):
        from transformers import AutoModelForCausalLM

        n = sum(p.numel() for p in AutoModelForCausalLM.from_config(cfg).parameters())
    return root / "model", root / "packed", n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--skip", type=int, default=20, help="warm-up steps not counted")
    ap.add_argument("--micro-batch", type=int, default=8)
    ap.add_argument("--seq-len", type=int, default=2048)
    ap.add_argument("--peak-tflops", type=float, default=None)
    ap.add_argument("--out", default="bench/results/train_gpu.json")
    ap.add_argument("--shape", choices=["1b", "gqa"], default="1b")
    ap.add_argument("--gradient-checkpointing", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="tiny model on CPU: checks the script, figures mean nothing")
    args = ap.parse_args()
    if args.shape == "gqa":
        DIMS.update(GQA)
    if args.smoke:
        DIMS.update(
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=4,
            vocab_size=1000,
        )
        args.peak_tflops, args.out = args.peak_tflops or 1.0, "/dev/null"
    elif not torch.cuda.is_available():
        print("no CUDA GPU here: this benchmark needs one (see bench/bench_train_cpt.py for the CPU one)")
        return
    from seaforge.config import load_config
    from seaforge.train.config import CPTConfig
    from seaforge.train.cpt import run_cpt

    with tempfile.TemporaryDirectory() as tmp:
        model, data, n_params = write_model_and_data(Path(tmp), args.seq_len, args.steps * args.micro_batch + 64)
        cfg = load_config(
            CPTConfig,
            None,
            [
                f"model.path={model}",
                "model.random_init=true",
                f"data.path={data}",
                f"model.precision={'fp32' if args.smoke else 'bf16'}",
                f"output_dir={tmp}/run",
                f"train.steps={args.steps}",
                f"train.micro_batch_size={args.micro_batch}",
                "train.lr=3e-4",
                "train.warmup_steps=10",
                "data.heldout_sequences=0",
                "train.log_every=10",
                f"model.gradient_checkpointing={str(args.gradient_checkpointing).lower()}",
            ],
        )
        t0 = time.perf_counter()
        rows = run_cpt(cfg, resume=False)
        wall = time.perf_counter() - t0
    tok_per_step = args.micro_batch * args.seq_len
    logged = {r["step"]: r for r in rows if "tokens_per_s" in r}
    first = min(s for s in logged if s >= args.skip)
    last = max(logged)
    t_first = first * tok_per_step / logged[first]["tokens_per_s"]
    t_last = last * tok_per_step / logged[last]["tokens_per_s"]
    tps = (last - first) * tok_per_step / (t_last - t_first)
    embed = DIMS["vocab_size"] * DIMS["hidden_size"]
    flops_per_token = 6 * (n_params - embed) + 12 * DIMS["num_hidden_layers"] * DIMS["hidden_size"] * args.seq_len
    mfu = tps * flops_per_token / (peak_tflops(args.peak_tflops) * 1e12)
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu (smoke)"
    from transformers import AutoConfig

    from seaforge.train.estimate import estimate

    predicted = estimate(
        AutoConfig.for_model("llama", **DIMS),
        args.seq_len,
        args.micro_batch,
        1,
        checkpointing=args.gradient_checkpointing,
    )
    result = {
        "gpu": gpu,
        "shape": args.shape,
        "gradient_checkpointing": args.gradient_checkpointing,
        "params": n_params,
        "seq_len": args.seq_len,
        "micro_batch": args.micro_batch,
        "steps": args.steps,
        "tokens_per_s": round(tps),
        "mfu": round(mfu, 4),
        "wall_s": round(wall, 1),
        "final_loss": rows[-1]["loss"],
        "max_memory_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if gpu != "cpu (smoke)" else None,
        "estimated_memory_gib": round(predicted.total_gib, 2),  # seaforge train --dry-run's figure
    }
    print(json.dumps(result, indent=1))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
