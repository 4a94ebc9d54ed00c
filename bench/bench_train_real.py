"""LoRA and full continued pretraining of a real model (Gemma 3 270M) on real Southeast Asian text.

Trains on some files of ``../shared/corpora`` and measures perplexity on others:

| lang | trained on (CPT JSONL) | held out (perplexity) |
|---|---|---|
| id, th, vi | XCOPA ``test.<lang>.jsonl`` (premise + correct choice) | XCOPA ``val.<lang>.jsonl`` |
| en (replay) | NusaX-Senti ``english/test.csv`` | UDHR ``eng.txt`` (another domain) |

Each run is the real ``run_cpt`` (JSONL packing, mixture with English replay, checkpoints). The
held-out pools are packed like the training data and scored with the trainer's own
``heldout_perplexity``, before training and after each run. A third, interrupted LoRA run (stopped
after a quarter of the steps and resumed to half) checks that exact resume holds on this model:
its losses must equal the uninterrupted run's step for step.

    .venv/bin/python bench/bench_train_real.py [--model gemma3-270m] [--steps 12] [--seq-len 32] [--modes lora,full]

Prints one table (perplexity per language and the change against the base model) and writes
``OUT/results.json``. ``--model tiny:llama --steps 4`` checks the script in a few seconds.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from seaforge.config import load_config  # noqa: E402
from seaforge.data.packing import pack_sequences, row_prefix  # noqa: E402
from seaforge.io import atomic_write_json, atomic_write_jsonl, read_jsonl  # noqa: E402
from seaforge.train.batches import RowPool  # noqa: E402
from seaforge.train.config import CPTConfig, ModelOptions  # noqa: E402
from seaforge.train.cpt import run_cpt  # noqa: E402
from seaforge.train.loop import heldout_perplexity  # noqa: E402
from seaforge.train.modeling import load_model, load_tokenizer  # noqa: E402

CORPORA = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora"
TARGETS = ("id", "th", "vi")


def xcopa_docs(path: Path) -> list[str]:
    """One short text per XCOPA item: the premise followed by its correct alternative."""
    docs = []
    for item in read_jsonl(path):
        choice = item["choice1"] if item["label"] == 0 else item["choice2"]
        docs.append(f"{item['premise'].strip()} {choice.strip()}")
    return docs


def corpus_docs(root: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(training documents, held-out documents) per language, from different files."""
    train = {lang: xcopa_docs(root / "xcopa" / "data" / lang / f"test.{lang}.jsonl") for lang in TARGETS}
    heldout = {lang: xcopa_docs(root / "xcopa" / "data" / lang / f"val.{lang}.jsonl") for lang in TARGETS}
    with open(root / "nusax" / "datasets" / "sentiment" / "english" / "test.csv", encoding="utf-8") as fh:
        train["en"] = [row["text"] for row in csv.DictReader(fh)]
    heldout["en"] = (root / "udhr" / "eng.txt").read_text(encoding="utf-8").splitlines()
    return train, heldout


def heldout_pools(tokenizer, docs: dict[str, list[str]], seq_len: int, rows: int) -> dict[str, RowPool]:
    """The first ``rows`` rows of each language's held-out documents, packed as the training data."""
    pools = {}
    for lang, texts in docs.items():
        token_docs = [tokenizer(text, add_special_tokens=False)["input_ids"] for text in texts]
        packed = list(pack_sequences(token_docs, seq_len, tokenizer.eos_token_id, row_prefix(tokenizer)))[:rows]
        pools[lang] = RowPool([np.stack(packed)])
    return pools


def cpt_config(args, data: Path, out: Path, lora: bool, lr: float):
    overrides = [
        f"model.path={args.model}",
        f"data.path={data}",
        f"output_dir={out}",
        f"data.seq_len={args.seq_len}",
        "data.mixture={id: 1, th: 1, vi: 1}",
        f"data.replay={{en: {args.replay}}}",
        "data.heldout_sequences=0",
        f"train.steps={args.steps}",
        f"train.micro_batch_size={args.batch}",
        "train.grad_accum=1",
        f"train.lr={lr}",
        "train.warmup_steps=2",
        "train.log_every=1",
        "train.seed=0",
    ]
    if lora:
        overrides += [f"lora.r={args.lora_r}", f"lora.alpha={2 * args.lora_r}", "lora.dropout=0"]
    return load_config(CPTConfig, None, overrides)


def perplexity_of(model, pools, batch: int) -> dict[str, float]:
    scores = heldout_perplexity(model, pools, batch, "cpu")
    return {name.removeprefix("ppl/"): value for name, value in scores.items()}


def check_exact_resume(args, data: Path, out: Path, reference: list[dict]) -> dict:
    """Stop a LoRA run after a quarter of the steps, resume it to half: the losses must match."""
    stop, end = max(1, args.steps // 4), max(2, args.steps // 2)
    cfg = cpt_config(args, data, out, lora=True, lr=args.lora_lr)
    first = run_cpt(cfg, stop_after=stop)
    second = run_cpt(cfg, stop_after=end)
    resumed = [row["loss"] for row in first + second]
    uninterrupted = [row["loss"] for row in reference[:end]]
    worst = max(abs(a - b) / abs(b) for a, b in zip(resumed, uninterrupted))
    return {
        "stopped_at": stop,
        "resumed_to": end,
        "steps": [row["step"] for row in first + second],
        "max_relative_loss_difference": worst,
        "exact": worst < 1e-4 and len(resumed) == end,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="gemma3-270m")
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--out", type=Path, default=Path("runs/bench-train-real"))
    parser.add_argument("--modes", default="lora,full", help="Comma-separated: lora, full.")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--seq-len", type=int, default=32)
    parser.add_argument("--batch", type=int, default=4, help="Rows per step.")
    parser.add_argument("--replay", type=float, default=0.5, help="English share of every step.")
    parser.add_argument("--lora-r", type=int, default=16)
    parser.add_argument("--lora-lr", type=float, default=1e-4)
    parser.add_argument("--full-lr", type=float, default=2e-5)
    parser.add_argument("--heldout-rows", type=int, default=8, help="Held-out rows of seq-len tokens per language.")
    parser.add_argument("--no-resume-check", action="store_true")
    parser.add_argument(
        "--data-only",
        action="store_true",
        help="Write OUT/train.jsonl and stop (e.g. as the corpus of `seaforge models trim`).",
    )
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)

    train_docs, heldout_docs = corpus_docs(args.corpora.resolve())
    data = args.out / "train.jsonl"
    atomic_write_jsonl(data, [{"text": text, "lang": lang} for lang, texts in train_docs.items() for text in texts])
    if args.data_only:
        print(f"wrote {data}")
        return {}
    tokenizer = load_tokenizer(ModelOptions(path=args.model))
    pools = heldout_pools(tokenizer, heldout_docs, args.seq_len, args.heldout_rows)
    heldout_tokens = {lang: len(pool) * args.seq_len for lang, pool in pools.items()}
    results = {
        "model": args.model,
        "seq_len": args.seq_len,
        "rows_per_step": args.batch,
        "steps": args.steps,
        "replay_en": args.replay,
        "heldout_tokens": heldout_tokens,
        "perplexity": {},
        "seconds": {},
        "loss": {},
    }

    started = time.perf_counter()
    base = load_model(ModelOptions(path=args.model))
    results["perplexity"]["base"] = perplexity_of(base, pools, args.batch)
    results["seconds"]["base_eval"] = time.perf_counter() - started
    print(f"base: {results['perplexity']['base']}", file=sys.stderr)

    for mode in modes:
        lora = mode == "lora"
        out = args.out / f"cpt-{mode}"
        cfg = cpt_config(args, data, out, lora=lora, lr=args.lora_lr if lora else args.full_lr)
        started = time.perf_counter()
        history = run_cpt(cfg, resume=False)
        results["seconds"][f"{mode}_train"] = time.perf_counter() - started
        results["loss"][mode] = [round(row["loss"], 4) for row in history]
        if lora:
            from peft import PeftModel

            trained = PeftModel.from_pretrained(load_model(ModelOptions(path=args.model)), out / "final")
        else:
            trained = load_model(ModelOptions(path=str(out / "final")))
        results["perplexity"][mode] = perplexity_of(trained, pools, args.batch)
        print(f"{mode}: {results['perplexity'][mode]}", file=sys.stderr)
        del trained
        if lora and not args.no_resume_check:
            results["resume"] = check_exact_resume(args, data, args.out / "cpt-lora-resumed", history)

    print_table(results)
    atomic_write_json(args.out / "results.json", results)
    return results


def print_table(results: dict) -> None:
    base = results["perplexity"]["base"]
    runs = [name for name in results["perplexity"] if name != "base"]
    print(
        f"{results['model']}: {results['steps']} steps x {results['rows_per_step']} rows x "
        f"{results['seq_len']} tokens, English replay {results['replay_en']:.0%}"
    )
    print("| lang | held-out tokens | base | " + " | ".join(runs) + " |")
    print("|---|---|---|" + "---|" * len(runs))
    for lang, value in base.items():
        cells = [
            f"{results['perplexity'][run][lang]:.2f} ({results['perplexity'][run][lang] / value - 1:+.1%})"
            for run in runs
        ]
        print(f"| {lang} | {results['heldout_tokens'][lang]} | {value:.2f} | " + " | ".join(cells) + " |")
    for name, seconds in results["seconds"].items():
        print(f"{name}: {seconds:.0f} s")
    if "resume" in results:
        resume = results["resume"]
        print(
            f"exact resume (LoRA, stopped at step {resume['stopped_at']}, resumed to {resume['resumed_to']}): "
            f"max relative loss difference {resume['max_relative_loss_difference']:.1e} -> "
            f"{'exact' if resume['exact'] else 'NOT exact'}"
        )


if __name__ == "__main__":
    main()
