"""Real SEA-HELM-packaged data through the task loaders, scored with a tiny model.

    .venv/bin/python bench/bench_eval_real.py [--shared ../shared] [--limit 40]

Reads the slices in shared/corpora when present (Belebele jv/su, Global-MMLU-Lite ms/my/tl,
XCOPA id/th/vi/ta/zh, IndoNLI, NusaX sentiment) and skips cleanly otherwise. The model is a
random tiny one, so accuracies should sit near the random baseline: the point is that every
real file format loads, nothing is skipped unexpectedly, and the run completes. Figures are
printed against the random baseline measured by the same task definition.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

from seaforge.eval.backend_hf import HFBackend
from seaforge.eval.runner import RunConfig, run_eval
from seaforge.eval.tasks import bundled_tasks

# (task, language, file under corpora/)
SOURCES = [
    ("mcqa", "jv", "belebele/jv_belebele.jsonl"),
    ("mcqa", "su", "belebele/su_belebele.jsonl"),
    ("knowledge", "ms", "global-mmlu-lite/global_mmlu_lite_ms_test.jsonl"),
    ("knowledge", "my", "global-mmlu-lite/global_mmlu_lite_my_test.jsonl"),
    ("knowledge", "tl", "global-mmlu-lite/global_mmlu_lite_tl_test.jsonl"),
    *[("causal", lg, f"xcopa/data/{lg}/test.{lg}.jsonl") for lg in ("id", "th", "vi", "ta", "zh")],
    ("nli", "id", "indonli/data/indonli/test_lay.jsonl"),
    ("sentiment", "id", "nusax/datasets/sentiment/indonesian/test.csv"),
    ("sentiment", "jv", "nusax/datasets/sentiment/javanese/test.csv"),
    ("sentiment", "su", "nusax/datasets/sentiment/sundanese/test.csv"),
]


def _as_jsonl(src: Path, tmp: Path) -> Path:
    """NusaX ships CSV; everything else is already JSONL."""
    if src.suffix != ".csv":
        return src
    out = tmp / f"{src.parent.name}.jsonl"
    with src.open(encoding="utf-8") as fh, out.open("w", encoding="utf-8") as w:
        for row in csv.DictReader(fh):
            w.write(json.dumps(row, ensure_ascii=False) + "\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--limit", type=int, default=40)
    args = ap.parse_args()
    corpora = Path(args.shared) / "corpora"
    if not corpora.is_dir():
        print(f"skip: {corpora} not present")
        sys.exit(0)
    torch.set_num_threads(1)
    model = HFBackend.load("tiny:llama", batch_size=16)
    tasks = bundled_tasks()
    print(f"{'task':10} {'lang':4} {'items':>5} {'skipped':>7} {'accuracy':>8} {'baseline':>8}  file")
    with tempfile.TemporaryDirectory() as tmp:
        for name, lang, rel in SOURCES:
            src = corpora / rel
            if not src.exists():
                print(f"{name:10} {lang:4} skip: {rel} missing")
                continue
            t0 = time.perf_counter()
            data = _as_jsonl(src, Path(tmp))
            config = RunConfig(languages=[lang], data=str(data), limit=args.limit, mode="base",
                               choice_scoring="loglikelihood")
            res = run_eval(model, [tasks[name]], Path(tmp) / f"{name}-{lang}", config)
            comp = tasks[name].competency
            summary = res["results"].get(lang, {}).get(comp, {}).get(name)
            if summary is None:
                print(f"{name:10} {lang:4} no items: {res['skipped']}")
                continue
            print(f"{name:10} {lang:4} {summary['n']:5d} {summary.get('skipped_records', 0):7d} "
                  f"{summary['accuracy']:8.1f} {summary['baseline']:8.1f}  {rel} "
                  f"({time.perf_counter() - t0:.1f}s)")


if __name__ == "__main__":
    main()
