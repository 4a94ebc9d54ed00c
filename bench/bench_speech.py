"""Speech recognition with Whisper on CPU: speed, and language choice and accuracy on espeak-ng speech.

    .venv/bin/python bench/bench_speech.py [--speed] [--accuracy] [--model whisper-base] [--limit N]
                                           [--threads 2] [--json out.json]

Audio: tests/speech/data/sentences.jsonl (10 sentences each in id, ms, vi, th, ta, my, en, written for
seaforge) spoken by espeak-ng. Synthetic speech is not real speech: these figures say how the
pipeline behaves, not how Whisper does on people.

--speed (default on): real-time factor (processing seconds per audio second; lower is faster) of
  one-file-at-a-time transcription, forced language, beam 5, on `--threads` cores, for compute types
  float32 (the baseline) and int8; then throughput (audio seconds per wall second) of faster-whisper's
  BatchedInferencePipeline (batch 8) over the same clips joined into one recording, against the
  same clips one at a time with the same model. Ratios are against the baseline of the same run.
--accuracy (default on): per language, language-choice accuracy of (a) Whisper's own detection over
  all its 99 languages, (b) `transcribe(languages=<the 7 test languages>)`: restricted, candidates
  decoded and checked by text language ID, (c) the same restricted to the languages of a deployment
  in that country (id: id/ms/en ...), and WER/CER with the language forced, scored as the eval
  harness's ASR task scores them (normalised, casefolded, words cut by seaforge.text.segment).

Both parts run by default; pass one flag to run only it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from seaforge.errors import UserError  # noqa: E402
from seaforge.eval.asr import error_counts, synthesize  # noqa: E402
from seaforge.speech.audio import SAMPLE_RATE, load_audio  # noqa: E402
from seaforge.speech.langpick import to_seaforge, to_whisper  # noqa: E402
from seaforge.speech.transcribe import transcribe  # noqa: E402
from seaforge.speech.whisper import load_whisper  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "speech" / "data" / "sentences.jsonl"
LANGS = ("id", "ms", "vi", "th", "ta", "my", "en")
# What a deployment in the speaker's country would expect to hear.
COUNTRY = {
    "id": ["id", "ms", "jv", "su", "en"],
    "ms": ["ms", "id", "en", "ta", "zh"],
    "vi": ["vi", "en"],
    "th": ["th", "en"],
    "ta": ["ta", "ms", "en", "zh"],
    "my": ["my", "en"],
    "en": ["en", "ms", "id", "tl"],
}


def clips(limit: int) -> list[dict]:
    """The sentences, spoken by espeak-ng as the eval harness's ASR samples are (cached the same way)."""
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    try:
        return [
            {**row, "audio": load_audio(synthesize(row["text"], row["lang"]))}
            for row in rows
            if int(row["id"].rsplit("-", 1)[1]) <= limit
        ]
    except UserError as err:
        sys.exit(str(err))


def error_rates(references: list[str], hypotheses: list[str], lang: str) -> tuple[float, float]:
    """Corpus WER and CER as `seaforge eval --tasks asr` scores them (seaforge.eval.asr.error_counts):
    errors over all clips' reference words or characters."""
    counts = [error_counts(hyp, ref, lang) for ref, hyp in zip(references, hypotheses)]
    words, chars = sum(c["words"] for c in counts), sum(c["chars"] for c in counts)
    wer = sum(c["word_errors"] for c in counts) / words if words else float("nan")
    return wer, (sum(c["char_errors"] for c in counts) / chars if chars else float("nan"))


def speed(data: list[dict], model: str, threads: int) -> dict:
    from faster_whisper import BatchedInferencePipeline

    subset = [row for row in data if row["lang"] == "vi"] or data
    audio_seconds = sum(row["audio"].size for row in subset) / SAMPLE_RATE
    results = {"audio_seconds": round(audio_seconds, 1), "clips": len(subset), "threads": threads}
    for compute_type in ("float32", "int8"):
        whisper = load_whisper(model, compute_type, threads)
        transcribe(subset[0]["audio"], model=model, lang="vi", compute_type=compute_type, threads=threads)  # warm
        started = time.perf_counter()
        for row in subset:
            transcribe(row["audio"], model=model, lang=row["lang"], compute_type=compute_type, threads=threads)
        results[f"rtf_{compute_type}"] = round((time.perf_counter() - started) / audio_seconds, 3)
    results["int8_speedup_vs_float32"] = round(results["rtf_float32"] / results["rtf_int8"], 2)
    # Batched: the clips joined (1 s of silence between) into one recording, batch 8 over its VAD chunks.
    whisper = load_whisper(model, "int8", threads)
    gap = np.zeros(SAMPLE_RATE, np.float32)
    joined = np.concatenate([part for row in subset for part in (row["audio"], gap)])
    started = time.perf_counter()
    for row in subset:
        list(whisper.transcribe(row["audio"], language=to_whisper(row["lang"]), beam_size=5)[0])
    one_at_a_time = audio_seconds / (time.perf_counter() - started)
    pipeline = BatchedInferencePipeline(model=whisper)
    started = time.perf_counter()
    found, _ = pipeline.transcribe(joined, language="vi", beam_size=5, batch_size=8)
    list(found)
    batched = (joined.size / SAMPLE_RATE) / (time.perf_counter() - started)
    results["throughput_one_at_a_time_audio_s_per_s"] = round(one_at_a_time, 2)
    results["throughput_batched_audio_s_per_s"] = round(batched, 2)
    results["batched_vs_one_at_a_time"] = round(batched / one_at_a_time, 2)
    return results


def accuracy(data: list[dict], model: str, threads: int) -> dict:
    whisper = load_whisper(model, "int8", threads)
    per_lang: dict[str, dict] = {}
    rows: list[dict] = []
    started = time.perf_counter()
    for n, row in enumerate(data, 1):
        lang, audio = row["lang"], row["audio"]
        _, _, probs = whisper.detect_language(audio=audio)
        auto = to_seaforge(probs[0][0])
        restricted = transcribe(audio, model=model, languages=LANGS, threads=threads)
        country = transcribe(audio, model=model, languages=COUNTRY[lang], threads=threads)
        forced = transcribe(audio, model=model, lang=lang, threads=threads)
        wer, cer = error_rates([row["text"]], [forced.text], lang)
        stats = per_lang.setdefault(lang, {"n": 0, "auto": 0, "restricted": 0, "country": 0, "ref": [], "hyp": []})
        stats["n"] += 1
        stats["auto"] += auto == lang
        stats["restricted"] += restricted.lang == lang
        stats["country"] += country.lang == lang
        stats["ref"].append(row["text"])
        stats["hyp"].append(forced.text)
        rows.append({"id": row["id"], "auto": auto, "restricted": restricted.lang, "country": country.lang})
        rows[-1].update({"truth": lang, "wer": round(wer, 3), "cer": round(cer, 3), "text": forced.text})
        print(
            f"[{n}/{len(data)}] {row['id']}: auto {auto}, restricted {restricted.lang}, country {country.lang}, "
            f"forced WER {wer:.2f} CER {cer:.2f}: {forced.text[:60]}",
            file=sys.stderr,
        )
    return summarise(per_lang, rows, time.perf_counter() - started)


def summarise(per_lang: dict[str, dict], rows: list[dict], seconds: float) -> dict:
    table = {}
    for lang, stats in per_lang.items():
        wer, cer = error_rates(stats["ref"], stats["hyp"], lang)
        table[lang] = {
            "clips": stats["n"],
            "auto_acc": round(stats["auto"] / stats["n"], 2),
            "restricted_acc": round(stats["restricted"] / stats["n"], 2),
            "country_acc": round(stats["country"] / stats["n"], 2),
            "forced_wer": round(wer, 3),
            "forced_cer": round(cer, 3),
        }
    total = sum(s["n"] for s in per_lang.values())
    for key in ("auto", "restricted", "country"):
        table.setdefault("all", {})[f"{key}_acc"] = round(sum(s[key] for s in per_lang.values()) / total, 2)
    # langpick's weights were fitted on sentences 1-3 of id, ms, vi, th, ta, my: the rest is held out.
    held_out = [r for r in rows if int(r["id"].rsplit("-", 1)[1]) > 3 or r["truth"] == "en"]
    for key in ("auto", "restricted", "country") if held_out else ():
        table["all"][f"held_out_{key}_acc"] = round(sum(r[key] == r["truth"] for r in held_out) / len(held_out), 2)
    table["all"]["seconds"] = round(seconds, 1)
    table["rows"] = rows
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--accuracy", action="store_true")
    parser.add_argument("--model", default="whisper-base")
    parser.add_argument("--limit", type=int, default=10, help="sentences per language (1-10)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    run_speed, run_accuracy = (args.speed or not args.accuracy), (args.accuracy or not args.speed)
    data = clips(args.limit)
    results = {"model": args.model, "clips": len(data)}
    if run_speed:
        results["speed"] = speed(data, args.model, args.threads)
        print(json.dumps(results["speed"], indent=2))
    if run_accuracy:
        results["accuracy"] = accuracy(data, args.model, args.threads)
        print(f"{'lang':5} {'clips':>5} {'auto':>6} {'restr7':>7} {'country':>8} {'WER':>6} {'CER':>6}")
        for lang, row in results["accuracy"].items():
            if lang in ("all", "rows"):
                continue
            print(
                f"{lang:5} {row['clips']:5d} {row['auto_acc']:6.2f} {row['restricted_acc']:7.2f} "
                f"{row['country_acc']:8.2f} {row['forced_wer']:6.3f} {row['forced_cer']:6.3f}"
            )
        print("all", json.dumps(results["accuracy"]["all"]))
    if args.json:
        from seaforge.io import atomic_write_json

        atomic_write_json(args.json, results)


if __name__ == "__main__":
    main()
