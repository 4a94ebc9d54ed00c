"""Real SEA-HELM-packaged data through the task loaders and `eval run`, per model.

    .venv/bin/python bench/bench_eval_real.py [--shared ../shared] [--limit 40] [--model tiny:llama ...]
    .venv/bin/python bench/bench_eval_real.py --write-data DIR   # only build the data folder

Builds a `--data` folder from the slices in shared/corpora (skipped cleanly when absent): one
`<task>.jsonl` per task holding every language (a `lang` field added), and `<task>_examples.jsonl`
where the source has a separate few-shot split (Belebele's SEA-HELM `*_examples.jsonl`, XCOPA's
validation split), so few-shot examples never come from the test items; the other tasks run
zero-shot and say so. Then evaluates each `--model` on it (base prompts, log-likelihood choice,
the first `--limit` items per task and language) and prints accuracy against the random baseline.
`seaforge eval run --data DIR ...` on the same folder gives the same figures.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import torch

from seaforge.eval.backends import make_backend
from seaforge.eval.runner import RunConfig, run_eval
from seaforge.eval.tasks import bundled_tasks
from seaforge.io import atomic_write_jsonl, iter_jsonl

# task -> [(language, test file, few-shot file or None)], files under corpora/
SOURCES = {
    "mcqa": [
        (lang, f"belebele/{lang}_belebele.jsonl", f"belebele/{lang}_belebele_examples.jsonl") for lang in ("jv", "su")
    ],
    "knowledge": [(lang, f"global-mmlu-lite/global_mmlu_lite_{lang}_test.jsonl", None) for lang in ("ms", "my", "tl")],
    "causal": [
        (lang, f"xcopa/data/{lang}/test.{lang}.jsonl", f"xcopa/data/{lang}/val.{lang}.jsonl")
        for lang in ("id", "th", "vi", "ta", "zh")
    ],
    "nli": [("id", "indonli/data/indonli/test_lay.jsonl", None)],
    "sentiment": [
        (lang, f"nusax/datasets/sentiment/{folder}/test.csv", None)
        for lang, folder in (("id", "indonesian"), ("jv", "javanese"), ("su", "sundanese"))
    ],
}


def _records(path: Path, lang: str) -> list[dict]:
    """A source file's records with their language; NusaX ships CSV, everything else JSONL."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8") as source:
            rows = list(csv.DictReader(source))
    else:
        rows = []
        for line in iter_jsonl(path):
            if line.error:
                raise SystemExit(line.error)
            rows.append(line.record)
    return [{**row, "lang": lang} for row in rows]


def _se(value) -> str:
    """The standard error as printed: "n/a" where one item (or none) gives no estimate."""
    return "n/a" if value is None or value != value else f"{value:.1f}"


def write_data(corpora: Path, out: Path) -> list[tuple[str, str, str]]:
    """Write the `--data` folder; returns the (task, language, file) triples it holds."""
    written = []
    for task, sources in SOURCES.items():
        tests, examples = [], []
        for lang, test_file, examples_file in sources:
            if not (corpora / test_file).exists():
                print(f"{task:10} {lang:4} skip: {test_file} missing")
                continue
            tests += _records(corpora / test_file, lang)
            if examples_file and (corpora / examples_file).exists():
                examples += _records(corpora / examples_file, lang)
            written.append((task, lang, test_file))
        if tests:
            atomic_write_jsonl(out / f"{task}.jsonl", tests)
        if examples:
            atomic_write_jsonl(out / f"{task}_examples.jsonl", examples)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--model", action="append", help="Any model argument (repeatable); default tiny:llama.")
    ap.add_argument("--write-data", help="Only write the data folder here and stop.")
    ap.add_argument("--only", help="Comma-separated tasks of SOURCES to run (default: all).")
    args = ap.parse_args()
    corpora = Path(args.shared) / "corpora"
    if not corpora.is_dir():
        print(f"skip: {corpora} not present")
        sys.exit(0)
    if args.write_data:
        written = write_data(corpora, Path(args.write_data))
        print(f"wrote {len(written)} task/language slices to {args.write_data}")
        return
    torch.set_num_threads(1)
    tasks = bundled_tasks()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        written = write_data(corpora, data)
        for model in args.model or ["tiny:llama"]:
            backend = make_backend("hf", model, batch_size=8)
            print(f"\n{model}")
            print(f"{'task':16} {'lang':4} {'items':>5} {'shots':>5} {'score':>14} {'baseline':>8}  file")
            for name, lang, rel in written:
                if args.only and name not in args.only.split(","):
                    continue
                started = time.perf_counter()
                config = RunConfig(
                    languages=[lang], data=str(data), limit=args.limit, mode="base", choice_scoring="loglikelihood"
                )
                result = run_eval(
                    backend, [tasks[name]], Path(tmp) / model.replace("/", "_") / f"{name}-{lang}", config
                )
                task = tasks[name]  # `mcqa`, `knowledge`: earlier names of belebele-qa-mc, global_mmlu_lite
                summary = result["results"][lang][task.competency][task.name]
                metric = result["tasks"][task.name]["metric"]  # balanced accuracy under SEA-HELM's protocol
                print(
                    f"{task.name:16} {lang:4} {summary['n']:5d} {summary['fewshot']['k']:5d} "
                    f"{summary[metric]:6.1f} ± {_se(summary.get('stderr')):>5} {summary['baseline']:8.1f}  {rel} "
                    f"({time.perf_counter() - started:.1f}s)"
                )


if __name__ == "__main__":
    main()
