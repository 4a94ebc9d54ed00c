"""Language-ID accuracy and speed on one core: seaforge vs lingua (all languages) vs CLD2.

    .venv/bin/python bench/bench_langid.py [--shared] [--repeat N] [--spans]
    SEAFORGE_FASTTEXT_TRAIN=.venv/fasttext-train .venv/bin/python bench/bench_langid.py --heldout

--heldout is the protocol the docs report: the cluster model (seaforge.text.langid_train) is
trained, and its weights fitted, on source group A only, then detect is scored on group B;
then the other way round (groups: seaforge.text.langid_corpora). Our self-written eval set,
which the older hand rules were tuned on, is one B source among several. Speed is detect
against CLD2 on the test group's sentences, in the same run.

All three run in this process on the same sentences: the bundled eval set, plus (with
--shared, when ../shared/corpora exists) real text nobody on the team wrote. Speeds are
printed as ratios against CLD2 measured in the same run. Time is this process's CPU time
(time.process_time), not wall time: on a shared machine wall time mostly measures the
neighbours, and one process on one thread is exactly "one core".
With --spans it times only code-switch spans on long inputs instead: every word new to lingua,
one code-switched sentence repeated, and a 10 MB line, with the cap that bounds the work.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ[_var] = "1"  # one core for every library, set before any of them loads

import argparse  # noqa: E402 - after the thread settings above
import csv  # noqa: E402 - after the thread settings above
import time  # noqa: E402 - after the thread settings above
from collections import defaultdict  # noqa: E402 - after the thread settings above
from pathlib import Path  # noqa: E402 - after the thread settings above

from rich.console import Console  # noqa: E402 - after the thread settings above
from rich.table import Table  # noqa: E402 - after the thread settings above

from seaforge.io import read_jsonl  # noqa: E402 - after the thread settings above
from seaforge.text.langid import detect, detect_batch  # noqa: E402 - after the thread settings above
from seaforge.text.langid_corpora import UDHR_FILES  # noqa: E402 - after the thread settings above
from seaforge.text.langid_eval import load_jsonl  # noqa: E402 - after the thread settings above
from seaforge.text.languages import resolve  # noqa: E402 - after the thread settings above

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
console = Console(width=150)


def _code(raw: str) -> str:
    raw = raw.lower().split("-")[0]
    raw = {"jw": "jv", "un": "und"}.get(raw, raw)
    try:
        return resolve(raw)
    except KeyError:
        return raw


def eval_rows() -> list[tuple[str, str, str]]:
    return [("eval", resolve(r["lang"]), r["text"]) for r in load_jsonl(None, "langid_eval.jsonl", ("text", "lang"))]


def shared_rows() -> list[tuple[str, str, str]]:
    """UDHR paragraphs, NusaX, Global-MMLU-Lite questions, XCOPA premises (read, never copied)."""
    rows = []
    # the main languages and Shan: the regional ones are scored by --heldout
    udhr = {name: lang for name, lang in UDHR_FILES.items() if lang not in ("ceb", "ilo", "min", "ban", "ace")}
    for name, lang in udhr.items():
        for line in (SHARED / "udhr" / "paragraphs" / f"{name}.txt").read_text("utf-8").splitlines():
            if line.strip():
                rows.append(("udhr", lang, line.strip()))
    for folder, lang in (("indonesian", "id"), ("javanese", "jv"), ("sundanese", "su")):
        with open(SHARED / "nusax" / "datasets" / "sentiment" / folder / "test.csv", encoding="utf-8") as f:
            rows += [("nusax", lang, r["text"]) for r in csv.DictReader(f)]
    for lang in ("ms", "tl", "my"):
        path = SHARED / "global-mmlu-lite" / f"global_mmlu_lite_{lang}_test.jsonl"
        for record in read_jsonl(path):
            question = record["prompts"][0]["question"]
            if isinstance(question, str) and question.strip():
                rows.append(("mmlu", lang, question))
    for lang in ("id", "th", "vi", "ta", "zh"):
        path = SHARED / "xcopa" / "data" / lang / f"test.{lang}.jsonl"
        rows += [("xcopa", lang, record["premise"]) for record in read_jsonl(path)]
    return rows


def detectors():
    import pycld2
    from lingua import LanguageDetectorBuilder

    console.print("[dim]loading lingua (all languages, preloaded)...[/dim]")
    lingua = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()

    def lingua_one(text):
        lang = lingua.detect_language_of(text)
        return _code(lang.iso_code_639_1.name) if lang else "und"

    def cld2_one(text):
        try:
            return _code(pycld2.detect(text)[2][0][1])
        except pycld2.error:
            return "und"

    return {
        "seaforge detect": lambda texts: [detect(t).lang for t in texts],
        "seaforge detect_batch": lambda texts: [d.lang for d in detect_batch(texts)],
        "lingua (all languages)": lambda texts: [lingua_one(t) for t in texts],
        "CLD2 (pycld2)": lambda texts: [cld2_one(t) for t in texts],
    }


def timed(fn, texts) -> tuple[list[str], float]:
    """One pass: predictions and sentences per CPU-second."""
    start = time.process_time()
    preds = fn(texts)
    return preds, len(texts) / max(time.process_time() - start, 1e-9)


def run_all(funcs: dict, texts: list[str], repeat: int) -> dict:
    """Passes interleaved across detectors, best pass kept: a noisy neighbour then slows
    every detector alike instead of whichever happened to run at the time."""
    for fn in funcs.values():
        fn(texts[:50])  # warm up: model loads, caches
    best: dict = {}
    for round_ in range(repeat):
        for name, fn in funcs.items():
            if name.startswith("lingua") and round_:
                continue  # ~100x slower: one pass is plenty
            preds, speed = timed(fn, texts)
            if name not in best or speed > best[name][1]:
                best[name] = (preds, speed)
            console.print(f"[dim]{name} pass {round_ + 1}: {speed:,.0f} sentences/s[/dim]")
    return best


def spans_timing() -> None:
    """CPU seconds of detect_spans on long inputs (lingua loaded first, outside the timing)."""
    import random
    import string

    from seaforge.text.langid import detect_spans
    from seaforge.text.langid_spans import SPAN_CHAR_CAP

    sentence = "Korang dah siap ke presentation slides untuk meeting esok pagi? "
    detect_spans(sentence)
    rng = random.Random(0)
    new_words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9))) for _ in range(40_000)]
    inputs = {
        "8,000 words, each new": " ".join(new_words[:8_000]),
        "40,000 words, each new": " ".join(new_words),
        "29,000 words, one sentence repeated": sentence * 2_640,
        "a 10 MB line": sentence * 160_000,
    }
    table = Table(title=f"code-switch spans, one core (cap {SPAN_CHAR_CAP:,} characters)")
    for col in ("input", "characters", "analysed", "CPU s"):
        table.add_column(col, justify="left" if col == "input" else "right")
    for name, text in inputs.items():
        start = time.process_time()
        result = detect_spans(text)
        table.add_row(name, f"{len(text):,}", f"{result.analysed_chars:,}", f"{time.process_time() - start:.2f}")
    console.print(table)


MAIN_TEN = ("id", "ms", "tl", "vi", "th", "my", "km", "lo", "ta", "zh")
REGIONAL = ("jv", "su", "min", "ban", "ace", "bug", "bjn", "mad", "ceb", "ilo")
SHARED_P = 0.25  # id/ms: the gold language still gets this much probability (shared text)


def _speed(texts: list[str], repeat: int) -> tuple[float, float]:
    """(detect, CLD2) sentences per CPU-second; passes interleaved, best pass kept."""
    import pycld2

    def cld2_all(batch):
        for t in batch:
            try:
                pycld2.detect(t)
            except pycld2.error:
                pass

    def detect_all(batch):
        for t in batch:
            detect(t)

    detect_all(texts[:200])
    cld2_all(texts[:200])
    best = {"detect": 0.0, "cld2": 0.0}
    for _ in range(repeat):
        for name, fn in (("detect", detect_all), ("cld2", cld2_all)):
            start = time.process_time()
            fn(texts)
            best[name] = max(best[name], len(texts) / max(time.process_time() - start, 1e-9))
    return best["detect"], best["cld2"]


def heldout(repeat: int, keep: str | None = None) -> dict:
    """Train on one source group, score on the other, both ways; returns the figures."""
    import tempfile

    from seaforge.text.langid_cluster import use_cluster_model
    from seaforge.text.langid_corpora import load_items
    from seaforge.text.langid_train import build, select

    items = load_items(SHARED)
    results = {}
    for train, test in (("A", "B"), ("B", "A")):
        with tempfile.TemporaryDirectory() as tmp:
            model = Path(keep or tmp) / f"heldout_{train}.bin"
            console.print(f"[dim]training the cluster model on group {train}...[/dim]")
            build(select(items, [train]), model)
            use_cluster_model(model)
            rows = [item for item in items if item.group == test]  # our own text is never scored
            found = detect_batch([r.text for r in rows])
            speed, cld2 = _speed([r.text for r in rows], repeat)
        use_cluster_model(None)
        per: dict = defaultdict(lambda: [0, 0])  # lang or (source, lang) -> [n, correct]
        errors: dict = defaultdict(lambda: defaultdict(int))
        shared = defaultdict(lambda: [0, 0])
        for row, d in zip(rows, found):
            per[row.lang][0] += 1
            per[row.lang][1] += d.lang == row.lang
            per[(row.source, row.lang)][0] += 1
            per[(row.source, row.lang)][1] += d.lang == row.lang
            if d.lang != row.lang:
                errors[row.lang][d.lang] += 1
            if row.lang in ("id", "ms"):
                shared[row.lang][0] += 1
                shared[row.lang][1] += d.scores.get(row.lang, 0.0) >= SHARED_P
        main = [lang for lang in MAIN_TEN if per[lang][0]]
        micro = sum(per[lang][1] for lang in main) / sum(per[lang][0] for lang in main)
        macro = sum(per[lang][1] / per[lang][0] for lang in main) / len(main)
        results[f"{train}->{test}"] = {
            "per": {k: tuple(v) for k, v in per.items()},
            "errors": {k: dict(v) for k, v in errors.items()},
            "shared": {k: tuple(v) for k, v in shared.items()},
            "main_micro": micro,
            "main_macro": macro,
            "main_langs": main,
            "speed": speed,
            "cld2_speed": cld2,
        }
    _print_heldout(results)
    return results


def _print_heldout(results: dict) -> None:
    for direction, r in results.items():
        per = r["per"]
        table = Table(title=f"held-out {direction}: cluster model trained on {direction[0]}, scored on {direction[-1]}")
        for col in ("language", "n", "accuracy", "errors (top 3)"):
            table.add_column(col, justify="left" if col in ("language", "errors (top 3)") else "right")
        for lang in (*MAIN_TEN, "en", *REGIONAL):
            if not per.get(lang, (0, 0))[0]:
                continue
            n, ok = per[lang]
            top = sorted(r["errors"].get(lang, {}).items(), key=lambda kv: -kv[1])[:3]
            table.add_row(lang, str(n), f"{ok / n:.3f}", ", ".join(f"{k} {v}" for k, v in top))
        console.print(table)
        by_source = ", ".join(
            f"{src}/{lang} {ok / n:.3f} ({n})"
            for key, (n, ok) in sorted(per.items(), key=lambda kv: str(kv[0]))
            if isinstance(key, tuple) and key[1] in ("id", "ms")
            for src, lang in [key]
        )
        shared = ", ".join(f"{lang} {ok / n:.3f}" for lang, (n, ok) in sorted(r["shared"].items()))
        console.print(
            f"{direction}: main ten ({len(r['main_langs'])} present: {' '.join(r['main_langs'])}) "
            f"micro {r['main_micro']:.3f}, macro {r['main_macro']:.3f}; "
            f"detect {r['speed']:,.0f}/s vs CLD2 {r['cld2_speed']:,.0f}/s = {r['speed'] / r['cld2_speed']:.2f}x"
        )
        console.print(f"  id/ms by source: {by_source}")
        console.print(f"  id/ms gold language given >= {SHARED_P} probability: {shared}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", action="store_true", help="also run the ../shared corpora")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the sentences for timing")
    parser.add_argument("--spans", action="store_true", help="time code-switch spans on long inputs only")
    parser.add_argument("--heldout", action="store_true", help="train on source group A, score on B, and back")
    parser.add_argument("--keep", help="with --heldout: keep the two trained models in this folder")
    args = parser.parse_args()
    if args.spans:
        return spans_timing()
    if args.heldout:
        if not SHARED.is_dir():
            raise SystemExit(f"{SHARED} not found: --heldout needs the shared corpora")
        heldout(args.repeat, args.keep)
        return None
    rows = eval_rows()
    if args.shared:
        if SHARED.is_dir():
            rows += shared_rows()
        else:
            console.print(f"[yellow]{SHARED} not found: eval set only[/yellow]")
    texts = [t for _, _, t in rows]
    sources = sorted({s for s, _, _ in rows}, key=lambda s: (s != "eval", s))
    results = {}
    for name, (preds, speed) in run_all(detectors(), texts, args.repeat).items():
        acc: dict = defaultdict(lambda: [0, 0])
        for (src, gold, _), pred in zip(rows, preds):
            for key in ((src, "all"), (src, gold)):
                acc[key][0] += 1
                acc[key][1] += pred == gold
        results[name] = (acc, speed)
    base_speed = results["CLD2 (pycld2)"][1]
    table = Table(title=f"Language ID on {len(rows)} sentences, one core")
    table.add_column("detector")
    for src in sources:
        table.add_column(f"{src} acc", justify="right")
    table.add_column("eval id/ms/jv/su", justify="right")
    table.add_column("sentences/s", justify="right")
    table.add_column("x CLD2", justify="right")
    for name, (acc, speed) in results.items():
        cells = [f"{acc[(s, 'all')][1] / acc[(s, 'all')][0]:.1%}" for s in sources]
        per = " / ".join(
            f"{acc[('eval', code)][1] / max(acc[('eval', code)][0], 1):.0%}" for code in ("id", "ms", "jv", "su")
        )
        table.add_row(name, *cells, per, f"{speed:,.0f}", f"{speed / base_speed:.2f}x")
    console.print(table)


if __name__ == "__main__":
    main()
