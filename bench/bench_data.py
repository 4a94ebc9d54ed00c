"""Benchmark the corpus engine against a stock datatrove pipeline on the same generated corpus.

    .venv/bin/python bench/bench_data.py [--docs 50000] [--workdir /tmp/seaforge-bench-data]

1. Filtering, one process (= per core), the two pipelines alternating over 500-document chunks so
   both see the same load: stock = Gopher repetition + Gopher quality + C4 + FineWeb
   quality filters (datatrove defaults, spaCy English word tokenizer); ours = normalize +
   language ID + line cleanup + per-language quality on segmented words + PII redaction.
2. MinHash near-dedup, one process: stock signatures (spaCy English words) vs ours (segmented
   words per document language) with datatrove's default MinhashConfig (14 bands x 8), and ours
   with seaforge's default (20 x 10); datatrove's buckets, clustering, filter; same documents.
3. Near-dup recall/precision on the planted near-duplicates, per script group.
Figures are ratios against the stock pipeline measured in the same run.

    .venv/bin/python bench/bench_data.py --real [--corpora ../shared/corpora]

runs the real text of ../shared/corpora (UDHR in 19 languages, NusaX, XCOPA, Wisesight, Belebele,
Global-MMLU-Lite, IndoNLI; see bench/real_text.py) instead: docs/s per step, ours against the
stock filters on the same documents; keep rates per true language side by side; UDHR units kept
per language; then the whole engine (every stage, decontamination against the Belebele,
Global-MMLU-Lite and XCOPA files the text came from) with its time per stage.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

import orjson
from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from rich.console import Console
from rich.progress import track
from rich.table import Table

from seaforge.data.dedup import SeaMinhashSignature
from seaforge.data.pipeline import stderr_to
from seaforge.data.recipe import DedupSpec
from seaforge.data.steps import LanguageFilter, LineCleaner, Normalize, QualityFilter, RedactPII
from seaforge.data.synthetic import LANGS, write_corpus

SPACELESS = {"th", "lo", "km", "my", "zh"}


def _patch_datatrove_xxhash() -> None:
    """datatrove 0.10's xxhash64 passes str to xxhash, which xxhash >= 3.6 rejects; stock MinHash then
    crashes. Encode first (the same bytes older xxhash hashed), so the baseline runs unmodified otherwise."""
    import datatrove.utils.hashes.xxhash as dx

    original = dx.xxhash64
    if getattr(original, "_sf_patched", False):
        return

    def xxhash64(data):
        return original(data.encode() if isinstance(data, str) else data)

    xxhash64._sf_patched = True
    dx.xxhash64 = xxhash64


console = Console(width=120)


def load(folder: Path) -> list[Document]:
    docs = []
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rb") as fh:
            for line in fh:
                record = orjson.loads(line)
                docs.append(
                    Document(
                        record["text"], record["id"], metadata={"meta": record["meta"], **record.get("metadata", {})}
                    )
                )
    return docs


def _copy(docs: list[Document]) -> list[Document]:
    return [Document(doc.text, doc.id, metadata=dict(doc.metadata)) for doc in docs]


def timed_filters(pipelines: dict[str, list], docs: list[Document], chunk: int = 500):
    """Run each pipeline over copies of ``docs`` in this process, alternating chunks between the
    pipelines so that both see the same machine load (this machine is shared and noisy).
    Returns {name: (kept documents, seconds)}."""
    kept = {name: [] for name in pipelines}
    seconds = {name: 0.0 for name in pipelines}
    for start in track(range(0, len(docs), chunk), description="filtering", console=console):
        for name, steps in pipelines.items():
            data = iter(_copy(docs[start : start + chunk]))
            t0 = time.perf_counter()
            for step in steps:
                data = step.run(data)
            kept[name].extend(data)
            seconds[name] += time.perf_counter() - t0
    return {name: (kept[name], seconds[name]) for name in pipelines}


def stock_filters() -> list:
    return [
        GopherRepetitionFilter(),
        GopherQualityFilter(),
        C4QualityFilter(filter_no_terminal_punct=False),
        FineWebQualityFilter(),
    ]


def our_filters() -> list:
    return [
        Normalize(),
        LanguageFilter(list(LANGS), {"default": 0.5, "ms": 0.4, "id": 0.4}),
        LineCleaner(),
        QualityFilter({"default": {"min_words": 40}}),  # English words, restated per language
        RedactPII(),
    ]


def run_minhash(signature, docs: list[Document], work: Path, config: MinhashConfig) -> tuple[dict, float]:
    """All four datatrove MinHash stages in-process; returns {doc id: cluster id or -1} and seconds."""
    shutil.rmtree(work, ignore_errors=True)
    inp = work / "input"
    _write(docs, inp)
    start = time.perf_counter()
    stages = [
        [JsonlReader(str(inp)), signature],
        [MinhashDedupBuckets(str(work / "sigs"), str(work / "buckets"), config=config)],
        [MinhashDedupCluster(str(work / "buckets"), str(work / "remove"), config=config, save_cluster_id=True)],
        [
            JsonlReader(str(inp)),
            MinhashDedupFilter(str(work / "remove"), load_cluster_ids=True),
            JsonlWriter(str(work / "out"), output_filename="${rank}.jsonl.gz"),
        ],
    ]
    for i, pipeline in enumerate(stages):
        tasks = config.num_buckets if i == 1 else 1
        with stderr_to(work / "console.log", True):  # datatrove's per-task logs, not the bench table
            LocalPipelineExecutor(pipeline, tasks=tasks, workers=1, logging_dir=str(work / f"logs{i}")).run()
    seconds = time.perf_counter() - start
    clusters = {}
    for record in load_raw(work / "out"):
        clusters[record["id"]] = record["metadata"].get("minhash_cluster_id", -1)
    removed = {doc.id for doc in docs} - set(clusters)
    return {"kept": clusters, "removed": removed}, seconds


def _write(docs: list[Document], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / "00000.jsonl.gz", "wb") as fh:
        for doc in docs:
            fh.write(orjson.dumps({"text": doc.text, "id": doc.id, "metadata": doc.metadata}) + b"\n")


def load_raw(folder: Path) -> list[dict]:
    out = []
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rb") as fh:
            out.extend(orjson.loads(line) for line in fh)
    return out


def near_dup_scores(docs: list[Document], removed: set[str], group) -> dict[str, tuple[float, float, int]]:
    """Per script group. Documents sharing a root (an original and its planted exact/near copies)
    form a duplicate group; ideal dedup removes all but one of each. recall = removed duplicates /
    (group size - 1) summed over groups; precision = those removals / all removals (removing a
    unique document, or every member of a group, is a false positive)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for doc in docs:
        groups[doc.metadata["meta"]["dup_of"] or doc.id].append(doc.id)
    lang = {doc.id: doc.metadata["meta"]["lang"] for doc in docs}
    stats = defaultdict(lambda: [0, 0, 0])  # expected removals, correct removals, all removals
    for members in groups.values():
        script_group = group(lang[members[0]])
        gone = sum(member in removed for member in members)
        stats[script_group][0] += len(members) - 1
        stats[script_group][1] += min(gone, len(members) - 1)
        stats[script_group][2] += gone
    return {
        name: (correct / expected if expected else 1.0, correct / removals if removals else 1.0, expected)
        for name, (expected, correct, removals) in stats.items()
    }


def _stepwise(steps: list, docs: list[Document]) -> tuple[list[Document], list[tuple[str, int, float]]]:
    """Run ``steps`` one after another over all of ``docs``: (survivors, [(step, docs in, seconds)])."""
    data, timings = _copy(docs), []
    for step in steps:
        t0 = time.perf_counter()
        out = list(step.run(iter(data)))
        timings.append((getattr(step, "name", type(step).__name__), len(data), time.perf_counter() - t0))
        data = out
    return data, timings


def run_real(corpora: Path, workdir: Path) -> None:
    import yaml

    from seaforge.data.decontam import build_index
    from seaforge.data.pipeline import run_recipe
    from seaforge.data.recipe import load_recipe
    from seaforge.data.report import keep_rates
    from seaforge.data.steps import Decontaminate
    from seaforge.data.summary import summarize

    sys.path.insert(0, str(Path(__file__).parent))
    from real_text import eval_sets, real_documents

    records = real_documents(corpora)
    docs = [Document(r["text"], r["id"], metadata={"true_lang": r["lang"], "source": r["source"]}) for r in records]
    langs = sorted({r["lang"] for r in records})
    targets = langs  # every language of the text, regional ones included: the recipe keeps them
    console.print(f"{len(docs)} real documents in {len(langs)} languages from {corpora}")

    # 1. Each step alone, in this process, on the same documents: ours against the stock filters.
    t0 = time.perf_counter()
    index = build_index(eval_sets(corpora))
    index_s = time.perf_counter() - t0
    ours_steps = [
        Normalize(),
        LanguageFilter(targets, {"default": 0.5, "ms": 0.4, "id": 0.4}),
        LineCleaner(),
        QualityFilter(),
        Decontaminate(index, mode="flag"),  # flag, to count hits per source; the same work as drop
        RedactPII(),
    ]
    quality_at = 4  # survivors of the first four steps are what the filters kept
    ours_kept, ours_t = _stepwise(ours_steps[:quality_at], docs)
    ours_final, ours_t2 = _stepwise(ours_steps[quality_at:], ours_kept)
    stock_kept, stock_t = _stepwise(stock_filters(), docs)
    stock_total = sum(t for *_, t in stock_t)
    table = Table(title=f"Each step over the real documents, one process ({len(docs)} documents in)")
    for col in ("step", "docs in", "docs/s", "time vs all stock filters"):
        table.add_column(col, justify="right")
    for name, n, sec in stock_t:
        table.add_row(f"stock {name}", str(n), f"{n / sec:.0f}", f"{sec / stock_total:.2f}x")
    table.add_row("[bold]stock, all four[/bold]", str(len(docs)), f"{len(docs) / stock_total:.0f}", "1.00x")
    for name, n, sec in ours_t + ours_t2:
        table.add_row(f"ours {name}", str(n), f"{n / sec:.0f}", f"{sec / stock_total:.2f}x")
    ours_total = sum(t for *_, t in ours_t + ours_t2)
    table.add_row(
        "[bold]ours, all six[/bold]",
        str(len(docs)),
        f"{len(docs) / ours_total:.0f}",
        f"{ours_total / stock_total:.2f}x",
    )
    table.add_row("decontam index build (once)", "-", "-", f"{index_s:.1f} s, {len(index):,} n-grams")
    console.print(table)

    # 2. Keep rates per true language, side by side (before decontamination, which is not quality).
    judged = defaultdict(int)
    for doc in docs:
        judged[doc.metadata["true_lang"]] += 1
    ours_by, stock_by = defaultdict(int), defaultdict(int)
    for doc in ours_kept:
        ours_by[doc.metadata["true_lang"]] += 1
    for doc in stock_kept:
        stock_by[doc.metadata["true_lang"]] += 1
    as_lang = defaultdict(lambda: defaultdict(int))
    for doc in ours_kept:
        as_lang[doc.metadata["true_lang"]][doc.metadata.get("language", "?")] += 1
    udhr = defaultdict(lambda: [0, 0])
    for doc in ours_kept:
        if doc.metadata["source"] == "udhr":
            udhr[doc.metadata["true_lang"]][0] += 1
    for doc in stock_kept:
        if doc.metadata["source"] == "udhr":
            udhr[doc.metadata["true_lang"]][1] += 1
    table = Table(title="Kept by the filters, per true language (all real sources; UDHR: of 31 units)")
    for col in ("lang", "docs", "ours", "stock", "UDHR ours", "UDHR stock", "ours kept as"):
        table.add_column(col, justify="left" if col in ("lang", "ours kept as") else "right")
    for lang in langs:
        n = judged[lang]
        label = ", ".join(f"{k} {v}" for k, v in sorted(as_lang[lang].items(), key=lambda kv: -kv[1]))
        table.add_row(
            lang,
            str(n),
            f"{100 * ours_by[lang] / n:.0f}%",
            f"{100 * stock_by[lang] / n:.0f}%",
            str(udhr[lang][0]),
            str(udhr[lang][1]),
            label,
        )
    console.print(table)
    contaminated = defaultdict(int)
    for doc in ours_final:
        if doc.metadata.get("contaminated"):
            contaminated[doc.metadata["source"]] += 1
    by_source = defaultdict(int)
    for doc in ours_kept:
        by_source[doc.metadata["source"]] += 1
    console.print(
        "decontamination (step alone): documents hit per source, of those the filters kept: "
        + ", ".join(f"{src} {contaminated[src]}/{by_source[src]}" for src in sorted(by_source))
    )

    # 3. The whole engine, every stage, on the same documents.
    run_dir = workdir / "real"
    shutil.rmtree(run_dir, ignore_errors=True)
    (run_dir / "input").mkdir(parents=True)
    with gzip.open(run_dir / "input" / "real.jsonl.gz", "wb") as fh:
        for r in records:
            fh.write(orjson.dumps({"id": r["id"], "text": r["text"], "source_lang": r["lang"]}) + b"\n")
    recipe_path = run_dir / "recipe.yaml"
    recipe_path.write_text(
        yaml.safe_dump(
            {
                "name": "bench-real",
                "output": str(run_dir / "out"),
                "languages": targets,
                "inputs": [{"type": "jsonl", "path": str(run_dir / "input"), "name": "real"}],
                "decontaminate": {"eval_sets": eval_sets(corpora)},
                "tokenize": {"tokenizer": "tiny:llama", "seq_len": 256, "rows_per_shard": 256},
                "executor": {"kind": "local", "tasks": 2, "workers": 2},
            }
        ),
        encoding="utf-8",
    )
    stamps: list[tuple[str, float]] = []
    start = time.perf_counter()
    summary = run_recipe(
        load_recipe(recipe_path), on_stage=lambda i, n, name: stamps.append((name, time.perf_counter()))
    )
    total = time.perf_counter() - start
    table = Table(title=f"The whole engine on the real documents: {total:.1f} s wall, 2 tasks on 2 workers")
    for col in ("stage", "seconds", "documents in", "docs/s"):
        table.add_column(col, justify="right")
    stage_stats = summarize(run_dir / "out", [name for name, _ in stamps if name != "done"])["stages"]
    stage_docs = {
        name: int(steps[0]["stats"].get("documents", 0)) if steps else 0 for name, steps in stage_stats.items()
    }
    for (name, t_start), (_, t_end) in zip(stamps, stamps[1:]):
        n = stage_docs.get(name, 0)
        table.add_row(name, f"{t_end - t_start:.1f}", str(n or "-"), f"{n / (t_end - t_start):.0f}" if n else "-")
    console.print(table)
    rows, reasons = keep_rates(summary)
    table = Table(title="data report keep rates (by detected language), whole engine")
    for col in ("lang", "judged", "kept", *reasons[:5]):
        table.add_column(col, justify="left" if col == "lang" else "right")
    for r in rows:
        cells = [f"{100 * r['drops'].get(k, 0) / r['judged']:.0f}%" if r["drops"].get(k) else "-" for k in reasons[:5]]
        table.add_row(r["lang"], str(r["judged"]), f"{100 * r['rate']:.0f}%", *cells)
    console.print(table)
    decontam = summary.get("decontamination") or {}
    if decontam:
        console.print("decontamination per eval set: " + json.dumps(decontam, ensure_ascii=False))
    console.print(f"dropped overall: {json.dumps({k: int(v) for k, v in summary['dropped'].items()})}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=50_000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/seaforge-bench-data"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--real", action="store_true", help="run the real text of --corpora instead")
    ap.add_argument("--corpora", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpora")
    args = ap.parse_args()
    if args.real:
        run_real(args.corpora, args.workdir)
        return
    corpus = args.workdir / f"corpus-{args.docs}-{args.seed}"
    if not corpus.exists():
        write_corpus(corpus, args.docs, shards=4, seed=args.seed)
    docs = load(corpus)
    console.print(f"{len(docs)} documents, {sum(len(doc.text) for doc in docs) / 1e6:.1f}M characters")

    results = timed_filters({"stock": stock_filters(), "ours": our_filters()}, docs)
    (stock_kept, stock_s), (our_kept, our_s) = results["stock"], results["ours"]

    _patch_datatrove_xxhash()
    config = MinhashConfig()  # datatrove defaults: 5-grams, 14 buckets x 8 hashes
    ours_config = MinhashConfig(num_buckets=DedupSpec().buckets, hashes_per_bucket=DedupSpec().hashes_per_bucket)
    by_id = {doc.id: doc for doc in docs}
    dedup_input = [
        Document(doc.text, doc.id, metadata={**doc.metadata, "meta": by_id[doc.id].metadata["meta"]})
        for doc in our_kept
    ]
    w = args.workdir
    runs = {
        "stock (14x8)": run_minhash(
            MinhashDedupSignature(str(w / "mh-stock" / "sigs"), config), dedup_input, w / "mh-stock", config
        ),
        "ours (14x8)": run_minhash(
            SeaMinhashSignature(str(w / "mh-ours" / "sigs"), config), dedup_input, w / "mh-ours", config
        ),
        "ours (20x10, default)": run_minhash(
            SeaMinhashSignature(str(w / "mh-ours20" / "sigs"), ours_config), dedup_input, w / "mh-ours20", ours_config
        ),
    }
    stock_mh_s = runs["stock (14x8)"][1]

    n, m = len(docs), len(dedup_input)
    table = Table(title=f"seaforge data engine vs stock datatrove, {n} documents, one process")
    for col in ("stage", "docs/s", "vs stock", "kept"):
        table.add_column(col, justify="right")
    table.add_row("filtering, stock", f"{n / stock_s:.0f}", "1.00x", str(len(stock_kept)))
    table.add_row("filtering, ours", f"{n / our_s:.0f}", f"{stock_s / our_s:.2f}x", str(len(our_kept)))
    for name, (result, seconds) in runs.items():
        table.add_row(
            f"MinHash, {name}", f"{m / seconds:.0f}", f"{stock_mh_s / seconds:.2f}x", str(len(result["kept"]))
        )
    console.print(table)

    group = lambda lang: "spaceless (th lo km my zh)" if lang in SPACELESS else "spaced (id ms tl vi en)"  # noqa: E731
    scores = Table(title="Near-dedup on planted duplicates (after our filters): recall / precision")
    scores.add_column("MinHash")
    groups = sorted({group(doc.metadata["meta"]["lang"]) for doc in dedup_input})
    for g in groups:
        scores.add_column(g, justify="right")
    for name, (result, _) in runs.items():
        found = near_dup_scores(dedup_input, result["removed"], group)
        scores.add_row(name, *(f"{found[g][0]:.3f} / {found[g][1]:.3f} ({found[g][2]})" for g in groups))
    console.print(scores)


if __name__ == "__main__":
    main()
