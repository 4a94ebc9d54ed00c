"""Training tokens/s of `seaforge train cpt` against a plain PyTorch loop on the same model and batches.

Both train the same small Llama-shaped model from the same initial weights over the same rows
(drawn once by seaforge's sampler): the plain loop is forward, backward, AdamW step, nothing else.
The seaforge run is the real `run_cpt` (accelerate, LR schedule, grad clipping, logging, sampler);
both are timed per step, and the figure is the ratio of median step times. By default steps are
timed in CPU seconds of this process on one torch thread (``--clock cpu``), so other jobs on a
shared machine do not count; ``--clock wall`` gives wall time. Rounds alternate the two. Target: >= 0.85x.

    .venv/bin/python bench/bench_train_cpt.py [--steps 30] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from statistics import median
from types import SimpleNamespace

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402

from seaforge.config import load_config  # noqa: E402
from seaforge.data.packing import pack_sequences, write_packed  # noqa: E402
from seaforge.testing import sample_sentences, tiny_causal_lm, tiny_tokenizer  # noqa: E402
from seaforge.train import loop as loop_module  # noqa: E402
from seaforge.train.batches import MixtureSampler, RowPool  # noqa: E402
from seaforge.train.config import CPTConfig  # noqa: E402
from seaforge.train.cpt import run_cpt  # noqa: E402

DIMS = dict(
    hidden_size=128,
    intermediate_size=344,
    num_hidden_layers=4,
    num_attention_heads=4,
    num_key_value_heads=4,
    head_dim=32,
    max_position_embeddings=512,
)
SEQ_LEN, MICRO_BATCH, LR = 128, 8, 1e-3


def prepare(root: Path, tok):
    model = tiny_causal_lm("llama", tok, seed=0, **DIMS)
    model.save_pretrained(root / "model")
    tok.save_pretrained(root / "model")
    texts = [s["text"] for s in sample_sentences()]
    docs = [tok(" ".join(texts[i:] + texts[:i]), add_special_tokens=False)["input_ids"] for i in range(len(texts))]
    rows = list(pack_sequences(docs * 4, SEQ_LEN, tok.eos_token_id))
    return write_packed(root / "packed", {"all": rows}, SEQ_LEN, "tiny", tok.eos_token_id)


CLOCK = {"cpu": time.process_time, "wall": time.perf_counter}


def plain_loop(model_dir: Path, index, steps: int, clock) -> list[float]:
    """Seconds per step of forward + backward + AdamW over the batches seaforge's sampler draws."""
    from transformers import AutoModelForCausalLM

    pool = RowPool([index.load_shard(s) for s in index.shards])
    sampler = MixtureSampler({"all": pool}, {"all": 1.0}, MICRO_BATCH)
    batches = [sampler.next_step(MICRO_BATCH)[0] for _ in range(steps)]
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.95), weight_decay=0.1)
    times = []
    for batch in batches:
        t0 = clock()
        loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        times.append(clock() - t0)
    return times


def seaforge_cpt(model_dir: Path, data: Path, out: Path, steps: int, clock) -> tuple[list[float], float]:
    """(seconds per step, from the run's own per-step log; wall seconds of the whole run)."""
    cfg: CPTConfig = load_config(
        CPTConfig,
        None,
        [
            f"model.path={model_dir}",
            f"data.path={data}",
            f"output_dir={out}",
            f"train.steps={steps}",
            f"train.micro_batch_size={MICRO_BATCH}",
            f"train.lr={LR}",
            "train.warmup_steps=0",
            "data.heldout_sequences=0",
            "train.log_every=1",
            "model.precision=fp32",
        ],
    )
    loop_module.time = SimpleNamespace(perf_counter=clock)  # the loop's tokens/s then uses our clock
    t0 = time.perf_counter()
    try:
        history = run_cpt(cfg, resume=False)
    finally:
        loop_module.time = time
    wall = time.perf_counter() - t0
    # tokens_per_s is cumulative since the loop started: recover each step's duration from it.
    ends = [r["step"] * MICRO_BATCH * SEQ_LEN / r["tokens_per_s"] for r in history]
    return [b - a for a, b in zip([0.0] + ends, ends)], wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads; 1 by default because oversubscribed cores make multi-thread timings erratic",
    )
    ap.add_argument("--clock", choices=sorted(CLOCK), default="cpu")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    clock = CLOCK[args.clock]
    tok = tiny_tokenizer()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        index = prepare(root, tok)
        n_params = sum(p.numel() for p in tiny_causal_lm("llama", tok, **DIMS).parameters())
        print(
            f"model: llama {n_params / 1e6:.2f} M params, seq_len {SEQ_LEN}, batch {MICRO_BATCH}, "
            f"{args.steps} steps x {args.rounds} rounds, torch threads {torch.get_num_threads()}, {args.clock} clock"
        )
        plain, ours, walls = [], [], []
        for r in range(args.rounds):
            plain += plain_loop(root / "model", index, args.steps, clock)
            times, wall = seaforge_cpt(root / "model", root / "packed", root / f"run{r}", args.steps, clock)
            ours += times
            walls.append(wall)
            print(
                f"round {r + 1}: median step plain {median(plain[-args.steps :]) * 1e3:.0f} ms, "
                f"seaforge cpt {median(times) * 1e3:.0f} ms (whole run incl. loading/saving {wall:.1f} s)"
            )
        tokens = MICRO_BATCH * SEQ_LEN
        ratio = median(plain) / median(ours)
        print(
            f"median over {len(plain)} steps: plain loop {tokens / median(plain):,.0f} tok/s; seaforge train cpt "
            f"{tokens / median(ours):,.0f} tok/s -> {ratio:.2f}x the plain loop (target >= 0.85x)"
        )


if __name__ == "__main__":
    main()
