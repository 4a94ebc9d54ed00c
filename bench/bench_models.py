"""Gemma 3 270M before and after vocabulary trimming, on this CPU, every ratio measured in one run.

Trims the registered `gemma3-270m` to th, vi, id, ms (+ en) with a budget of 30,000, which keeps
about 46K tokens (the target: at most 64K). The trim learns from the UDHR preamble and
even-numbered articles plus XCOPA, NusaX, Global-MMLU-Lite and Wisesight text from
../shared/corpora; perplexity and fallback are measured on odd-numbered UDHR articles, which the
trim never sees. Prints: load time (from the GGUF, the work of a first pull, vs from the cached
folder), CPU training tokens/s, generation tokens/s (Hugging Face folder, and the GGUF through
llama-cpp-python when installed), held-out perplexity and the share of held-out tokens the trim
dropped.
Needs ../shared (skips cleanly without it); run: .venv/bin/python bench/bench_models.py [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import math
import os
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPORA = SHARED / "corpora"
UDHR = {"th": "tha", "vi": "vie", "id": "ind", "ms": "zsm", "en": "eng", "my": "mya", "km": "khm"}
PROMPT = "Indonesia adalah negara kepulauan terbesar di dunia. Ibu kotanya"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)  # the UDHR's Vietnamese is decomposed


def udhr_lines(lang: str) -> list[str]:
    path = CORPORA / "udhr" / f"{UDHR[lang]}.txt"
    return [_nfc(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _jsonl(path: Path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def trim_corpus(langs: list[str]) -> list[dict]:
    """Text the trim may learn from: never an odd-numbered UDHR article."""
    records = [{"lang": lang, "text": t} for lang in langs for t in udhr_lines(lang)[0::2]]
    for lang in ("id", "th", "vi"):
        if lang in langs:
            for split in ("val", "test"):
                for r in _jsonl(CORPORA / f"xcopa/data/{lang}/{split}.{lang}.jsonl"):
                    records += [{"lang": lang, "text": r[k]} for k in ("premise", "choice1", "choice2")]
    if "id" in langs:
        with open(CORPORA / "nusax/datasets/sentiment/indonesian/test.csv", encoding="utf-8") as fh:
            records += [{"lang": "id", "text": row["text"]} for row in csv.DictReader(fh)]
    if "ms" in langs:
        for r in _jsonl(CORPORA / "global-mmlu-lite/global_mmlu_lite_ms_test.jsonl"):
            p = r["prompts"][0]
            records += [{"lang": "ms", "text": p[k]} for k in ("question", "option_a", "option_b") if p.get(k)]
    if "th" in langs:
        wisesight = CORPORA / "wisesight-sentiment/kaggle-competition/test.txt"
        records += [
            {"lang": "th", "text": t} for t in wisesight.read_text(encoding="utf-8").splitlines()[:1000] if t.strip()
        ]
    if "en" in langs:
        with open(CORPORA / "nusax/datasets/sentiment/english/test.csv", encoding="utf-8") as fh:
            records += [{"lang": "en", "text": row["text"]} for row in csv.DictReader(fh)]
    return [dict(r, text=_nfc(r["text"])) for r in records if r["text"].strip()]


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def load(folder: str):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    model.eval()
    return tokenizer, model


def training_tokens_per_s(folder: str, texts: list[str], steps: int, batch: int, seq_len: int) -> float:
    """Full fine-tuning steps (AdamW, forward, backward, update) on packed real text."""
    import torch

    tokenizer, model = load(folder)
    ids = [i for t in texts for i in tokenizer(t)["input_ids"]]
    need = (steps + 1) * batch * seq_len
    ids = (ids * (need // max(len(ids), 1) + 1))[:need]
    batches = torch.tensor(ids).view(steps + 1, batch, seq_len)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    times = []
    for step in range(steps + 1):  # step 0 warms up (allocates the optimizer state)
        start = time.perf_counter()
        loss = model(input_ids=batches[step], labels=batches[step]).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step:
            times.append(time.perf_counter() - start)
    del model, optimizer
    gc.collect()
    return batch * seq_len / statistics.median(times)


def generation_tokens_per_s(tokenizer, model, new_tokens: int) -> tuple[float, str]:
    import torch

    inputs = tokenizer(PROMPT, return_tensors="pt")
    with torch.no_grad():
        model.generate(**inputs, max_new_tokens=2, do_sample=False)  # warm-up
        out, seconds = _timed(
            lambda: model.generate(**inputs, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False)
        )
    generated = out[0, inputs["input_ids"].shape[1] :]
    return len(generated) / seconds, tokenizer.decode(generated, skip_special_tokens=True)


def gguf_generation_tokens_per_s(gguf: Path, new_tokens: int) -> float | None:
    try:
        from llama_cpp import Llama
    except ImportError:
        return None
    llm = Llama(model_path=str(gguf), n_ctx=512, n_threads=os.cpu_count() or 2, verbose=False)
    llm.create_completion(PROMPT, max_tokens=2, temperature=0.0)
    start = time.perf_counter()
    result = llm.create_completion(PROMPT, max_tokens=new_tokens, temperature=0.0)
    seconds = time.perf_counter() - start
    return result["usage"]["completion_tokens"] / seconds


def nll_and_tokens(tokenizer, model, texts: list[str]) -> tuple[float, int]:
    """Summed negative log-likelihood of every text's tokens after <bos>, and how many tokens."""
    import torch

    total, count = 0.0, 0
    for text in texts:
        ids = tokenizer(text, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            logits = model(ids).logits[0, :-1].float()
        total += torch.nn.functional.cross_entropy(logits, ids[0, 1:], reduction="sum").item()
        count += ids.shape[1] - 1
    return total, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gemma3-270m")
    parser.add_argument("--langs", default="th,vi,id,ms")
    parser.add_argument(
        "--budget",
        type=int,
        default=30000,
        help="trim budget; 30,000 keeps about 46K tokens (the target is at most 64K)",
    )
    parser.add_argument("--predict", type=int, default=10, help="trim: keep the model's top-N predictions (0: off)")
    parser.add_argument("--no-scripts", action="store_true", help="trim: do not keep whole scripts")
    parser.add_argument("--steps", type=int, default=3, help="timed training steps per model")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--articles", type=int, default=6, help="odd UDHR articles per language for perplexity")
    parser.add_argument("--skip-gguf-load", action="store_true", help="skip timing the load from the GGUF (~60 s)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not CORPORA.is_dir():
        print(f"skipped: {CORPORA} is absent (the benchmark needs ../shared)")
        return 0

    import torch
    from rich.console import Console
    from transformers.utils import logging as hf_logging

    from seaforge.models import registry
    from seaforge.models.resolve import resolve_model
    from seaforge.models.trim import parse_langs, trim_model

    hf_logging.disable_progress_bar()  # our own lines say what runs
    console = Console()
    langs = parse_langs(args.langs)
    results: dict = {"model": args.model, "langs": langs, "torch_threads": torch.get_num_threads()}
    source, pull_s = _timed(lambda: resolve_model(args.model))
    results["resolve_s"] = round(pull_s, 2)

    gguf = None
    if args.model in registry.MODELS:
        gguf = registry.locate_gguf(registry.get_entry(args.model))
    if gguf is not None and not args.skip_gguf_load:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        console.print(f"loading from the GGUF {gguf.name} (what a first pull converts) ...")
        start = time.perf_counter()
        AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        results["load_first_gguf_s"] = round(time.perf_counter() - start, 1)
        gc.collect()

    work = Path(tempfile.mkdtemp(prefix="bench-models-"))
    corpus = work / "trim-corpus.jsonl"
    records = trim_corpus(langs)
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    trimmed_dir = work / "trimmed"
    report, trim_s = _timed(
        lambda: trim_model(
            source,
            langs,
            trimmed_dir,
            corpus=corpus,
            budget=args.budget,
            progress=False,
            scripts=not args.no_scripts,
            predict=args.predict,
        )
    )
    results["trim_s"] = round(trim_s, 1)
    results["vocab"] = report["vocab"]
    results["parameters"] = report["parameters"]
    results["file_bytes"] = report["file_bytes"]
    if report["vocab"]["kept"] > 65536:
        console.print(f"[yellow]warning[/] trimmed vocabulary {report['vocab']['kept']:,} > 64K; lower --budget")

    rows = {}
    for name, folder in (("untrimmed", source), ("trimmed", str(trimmed_dir))):
        console.print(f"{name}: load, generation, held-out perplexity ...")
        start = time.perf_counter()
        tokenizer, model = load(folder)
        load_s = time.perf_counter() - start
        gen_tps, sample = generation_tokens_per_s(tokenizer, model, args.new_tokens)
        ppl = {}
        for lang in UDHR:
            held_out = udhr_lines(lang)[1::2][: args.articles]
            ppl[lang] = nll_and_tokens(tokenizer, model, held_out)
        rows[name] = {
            "load_cached_s": round(load_s, 2),
            "generation_tok_s": round(gen_tps, 1),
            "sample": sample,
            "nll": ppl,
        }
        del model
        gc.collect()
    for name, folder in (("untrimmed", source), ("trimmed", str(trimmed_dir))):
        console.print(f"{name}: {args.steps} training steps of {args.batch}x{args.seq_len} tokens ...")
        texts = [r["text"] for r in records]
        rows[name]["train_tok_s"] = round(training_tokens_per_s(folder, texts, args.steps, args.batch, args.seq_len), 1)
    if gguf is not None:
        rows["untrimmed"]["gguf_q4_k_m_generation_tok_s"] = gguf_generation_tokens_per_s(gguf, args.new_tokens)

    # Perplexity per ORIGINAL token: exp(summed NLL of the text / original token count). The trimmed
    # model spells dropped pieces with more tokens; dividing both by the same count keeps them comparable.
    kept = set(json.loads((trimmed_dir / "trim_ids.json").read_text()))
    original_tok = load_tokenizer_only(source)
    perplexity = {}
    for lang in UDHR:
        nll_before, n_before = rows["untrimmed"]["nll"][lang]
        nll_after, n_after = rows["trimmed"]["nll"][lang]
        held_out = udhr_lines(lang)[1::2][: args.articles]
        original_ids = [i for t in held_out for i in original_tok(t, add_special_tokens=False)["input_ids"]]
        perplexity[lang] = {
            "untrimmed": round(math.exp(nll_before / n_before), 2),
            "trimmed": round(math.exp(nll_after / n_before), 2),
            "ratio": round(math.exp((nll_after - nll_before) / n_before), 3),
            "dropped_share": round(sum(i not in kept for i in original_ids) / len(original_ids), 4),
            "token_ratio": round(n_after / n_before, 3),
            "named": lang in langs,
        }
    results["perplexity_udhr_odd_articles"] = perplexity
    for row in rows.values():
        row.pop("nll")
    results["runs"] = rows
    untrimmed, trimmed = rows["untrimmed"], rows["trimmed"]
    results["ratios"] = {
        "train_speedup": round(trimmed["train_tok_s"] / untrimmed["train_tok_s"], 2),
        "generation_speedup": round(trimmed["generation_tok_s"] / untrimmed["generation_tok_s"], 2),
        "parameters": round(results["parameters"]["trimmed"] / results["parameters"]["original"], 3),
        "file_size": round(results["file_bytes"]["trimmed"] / results["file_bytes"]["original"], 3)
        if results["file_bytes"]["original"]
        else None,
        "load_cached_vs_gguf": round(untrimmed["load_cached_s"] / results["load_first_gguf_s"], 3)
        if "load_first_gguf_s" in results
        else None,
    }
    _print(console, results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    return 0


def load_tokenizer_only(folder: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder)


def _print(console, results: dict) -> None:
    from rich.table import Table

    vocab, params, files = results["vocab"], results["parameters"], results["file_bytes"]
    untrimmed, trimmed = results["runs"]["untrimmed"], results["runs"]["trimmed"]
    table = Table(title=f"{results['model']}: untrimmed vs trimmed to {', '.join(results['langs'])}")
    for column in ("", "untrimmed", "trimmed", "trimmed / untrimmed"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row(
        "vocabulary", f"{vocab['original']:,}", f"{vocab['kept']:,}", f"{vocab['kept'] / vocab['original']:.3f}"
    )
    table.add_row(
        "parameters", f"{params['original']:,}", f"{params['trimmed']:,}", f"{results['ratios']['parameters']:.3f}"
    )
    if files["original"]:
        table.add_row(
            "weights file (MB)",
            f"{files['original'] / 1e6:,.0f}",
            f"{files['trimmed'] / 1e6:,.0f}",
            f"{results['ratios']['file_size']:.3f}",
        )
    table.add_row(
        "load from cached folder (s)",
        f"{untrimmed['load_cached_s']:.1f}",
        f"{trimmed['load_cached_s']:.1f}",
        f"{trimmed['load_cached_s'] / untrimmed['load_cached_s']:.2f}",
    )
    table.add_row(
        "CPU training tokens/s",
        f"{untrimmed['train_tok_s']:,.0f}",
        f"{trimmed['train_tok_s']:,.0f}",
        f"{results['ratios']['train_speedup']:.2f}x",
    )
    table.add_row(
        "CPU generation tokens/s (HF)",
        f"{untrimmed['generation_tok_s']:.1f}",
        f"{trimmed['generation_tok_s']:.1f}",
        f"{results['ratios']['generation_speedup']:.2f}x",
    )
    console.print(table)
    if "load_first_gguf_s" in results:
        console.print(
            f"load from the GGUF (first pull's work): {results['load_first_gguf_s']:.1f} s; "
            f"from the cached folder: {untrimmed['load_cached_s']:.1f} s "
            f"(ratio {results['ratios']['load_cached_vs_gguf']:.3f})"
        )
    gguf_tps = untrimmed.get("gguf_q4_k_m_generation_tok_s")
    console.print(
        "llama-cpp-python, q4_k_m GGUF (untrimmed): "
        + (f"{gguf_tps:.1f} generated tokens/s" if gguf_tps else "skipped (llama-cpp-python not installed)")
    )
    console.print(f"trim took {results['trim_s']:.1f} s; vocab parts: {vocab}")
    ppl = Table(title="held-out perplexity per original token, odd UDHR articles (not trimmed on)")
    for column in ("lang", "named", "untrimmed", "trimmed", "ratio", "dropped share", "token ratio"):
        ppl.add_column(column, justify="left" if column == "lang" else "right")
    for lang, row in results["perplexity_udhr_odd_articles"].items():
        ppl.add_row(
            lang,
            "yes" if row["named"] else "no",
            f"{row['untrimmed']:.2f}",
            f"{row['trimmed']:.2f}",
            f"{row['ratio']:.3f}",
            f"{row['dropped_share']:.2%}",
            f"{row['token_ratio']:.3f}",
        )
    console.print(ppl)
    console.print(f"greedy continuation, untrimmed: {untrimmed['sample']!r}")
    console.print(f"greedy continuation, trimmed:   {trimmed['sample']!r}")


if __name__ == "__main__":
    sys.exit(main())
