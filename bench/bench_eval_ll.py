"""Log-likelihood multiple choice: items/s and peak memory, per-request path vs shared-context path.

    .venv/bin/python bench/bench_eval_ll.py [--model gemma3-270m] [--items 32] [--batch 16]
        [--scoring letter|cloze] [--tasks causal,belebele] [--threads N] [--shared ../shared]

Items are real multiple-choice questions (XCOPA id/th/vi, Belebele jv/su from shared/corpora,
5-shot base prompts with examples from their separate split, as `seaforge eval run --mode base
--choice-scoring loglikelihood` builds them); without the corpora, the bundled samples.

Each path runs in its own process, so each peak RSS is its own (it includes the model):
  old: every option as context + continuation in its own row (the scorer before issue 16, kept
       as `HFBackend._loglikelihood_concat`, now the fallback for models whose cache cannot be shared);
  new: `HFBackend.loglikelihood`: each context once, in chunks, every option from its KV cache,
       logits only where a continuation token is predicted.
Both get the same warm-up item first. Target (issue 16): new >= 5x the old items/s, peak < 3 GB.
The scores of the two paths are compared too (they must agree to float precision).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# task -> [(language, test file, few-shot file)] under shared/corpora
SOURCES = {
    "causal": [
        (lang, f"xcopa/data/{lang}/test.{lang}.jsonl", f"xcopa/data/{lang}/val.{lang}.jsonl")
        for lang in ("id", "th", "vi")
    ],
    "belebele": [
        (lang, f"belebele/{lang}_belebele.jsonl", f"belebele/{lang}_belebele_examples.jsonl") for lang in ("jv", "su")
    ],
}
TASK_NAMES = {"causal": ["causal"], "belebele": ["belebele-qa-mc", "mcqa"]}


def _task(key: str):
    from seaforge.eval.tasks import bundled_tasks

    tasks = bundled_tasks()
    for name in TASK_NAMES[key]:
        if name in tasks:
            return tasks[name]
    raise SystemExit(f"no bundled task for {key} ({' or '.join(TASK_NAMES[key])})")


def build_requests(args) -> tuple[list[list[dict]], str]:
    """Requests per item (one per option), round-robin over the task/language slices."""
    from seaforge.eval.evaluate import choice_requests
    from seaforge.eval.items import load_items, read_jsonl
    from seaforge.eval.prompts import pick_fewshot

    corpora = Path(args.shared) / "corpora"
    slices = []
    for key in args.tasks.split(","):
        task = _task(key)
        for lang, test_file, examples_file in SOURCES[key]:
            if lang not in task.languages:
                continue
            if corpora.is_dir() and (corpora / test_file).is_file():
                items, _ = read_jsonl(corpora / test_file, task, lang, strict=False, file_lang=lang)
                examples, _ = read_jsonl(corpora / examples_file, task, lang, strict=False, file_lang=lang)
                where = "shared/corpora"
            else:
                loaded = load_items(task, lang, "samples", fewshot_k=args.shots)
                items, examples, where = loaded.items, loaded.fewshot, "bundled samples"
            if items:
                slices.append((task, lang, items, examples))
    per_item = []
    for position in range(max(len(items) for *_, items, _ in slices)):
        for task, _, items, examples in slices:
            if position < len(items) and len(per_item) < args.items + 1:  # + 1: the warm-up item
                item = items[position]
                shots = pick_fewshot(examples, item, args.shots, 0)
                requests = choice_requests(task, item, shots, cloze=args.scoring == "cloze")
                per_item.append([{"context": r.context, "continuation": r.continuation, "gold": item.label,
                                  "labels": task.labels} for r in requests])  # fmt: skip
    return per_item, where


def worker(args) -> None:
    """One path in this process: load, warm up on the first item, time the rest."""
    import torch

    from seaforge.eval.backend_hf import HFBackend
    from seaforge.eval.cache import LLRequest

    if args.threads:
        torch.set_num_threads(args.threads)
    per_item = json.loads(Path(args.requests_file).read_text(encoding="utf-8"))
    backend = HFBackend.load(args.model, batch_size=args.batch)
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()

    def score(items):
        requests = [LLRequest(r["context"], r["continuation"]) for item in items for r in item]
        if args.worker == "old":
            return backend._loglikelihood_concat([backend._ll_pair(request) for request in requests])
        return backend.loglikelihood(requests)

    score(per_item[:1])
    timed = per_item[1:]
    started = time.perf_counter()
    values = score(timed)
    seconds = time.perf_counter() - started
    correct, offset = 0, 0
    for item in timed:
        options = values[offset : offset + len(item)]
        offset += len(item)
        correct += item[0]["labels"][max(range(len(options)), key=options.__getitem__)] == item[0]["gold"]
    result = {
        "path": args.worker,
        "items": len(timed),
        "requests": sum(len(item) for item in timed),
        "seconds": seconds,
        "items_per_s": len(timed) / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_after_load_mb": rss_loaded,
        "cuda_peak_mb": torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None,
        "accuracy": 100 * correct / len(timed),
        "ll_path": backend.info.get("loglikelihood", "per request"),
        "values": values,
        "threads": torch.get_num_threads(),
        "device": str(backend.model.device),
    }
    print("RESULT " + json.dumps(result))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="gemma3-270m")
    ap.add_argument("--items", type=int, default=32, help="Timed items (plus one warm-up item).")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--shots", type=int, default=5)
    ap.add_argument("--scoring", choices=("letter", "cloze"), default="letter")
    ap.add_argument("--tasks", default="causal,belebele")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default).")
    ap.add_argument("--paths", default="old,new")
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--worker", choices=("old", "new"), help=argparse.SUPPRESS)
    ap.add_argument("--requests-file", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args)
        return
    per_item, where = build_requests(args)
    print(
        f"{args.model}: {len(per_item) - 1} items ({sum(len(i) for i in per_item[1:])} requests) from {where}, "
        f"{args.shots}-shot, {args.scoring} scoring, batch {args.batch}"
    )
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        requests_file = Path(tmp) / "requests.json"
        requests_file.write_text(json.dumps(per_item), encoding="utf-8")
        for path in args.paths.split(","):
            command = [sys.executable, __file__, "--worker", path, "--requests-file", str(requests_file)]
            command += ["--model", args.model, "--batch", str(args.batch), "--threads", str(args.threads)]
            done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
            line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
            if line is None:
                raise SystemExit(f"{path} path failed:\n{done.stderr[-3000:]}")
            results[path] = json.loads(line[len("RESULT ") :])
    for result in results.values():
        cuda = f", CUDA peak {result['cuda_peak_mb']:.0f} MB" if result["cuda_peak_mb"] is not None else ""
        print(
            f"{result['path']:3}: {result['items_per_s']:7.3f} items/s ({result['seconds']:.1f}s), peak RSS "
            f"{result['peak_rss_mb']:.0f} MB (after load {result['rss_after_load_mb']:.0f}){cuda}, "
            f"accuracy {result['accuracy']:.1f}, {result['threads']} threads on {result['device']}"
        )
    if "old" in results and "new" in results:
        old, new = results["old"], results["new"]
        diff = max(abs(a - b) for a, b in zip(old["values"], new["values"]))
        speedup = new["items_per_s"] / old["items_per_s"]
        peak = new["cuda_peak_mb"] if new["cuda_peak_mb"] is not None else new["peak_rss_mb"]
        print(
            f"new/old: {speedup:.1f}x items/s (target >= 5x); new peak {peak / 1024:.2f} GB (target < 3 GB); "
            f"largest score difference {diff:.2e} nats"
        )


if __name__ == "__main__":
    main()
