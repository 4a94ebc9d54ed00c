"""Speech recognition as an eval task: audio with reference transcripts, scored by WER and CER.

Data (`--data asr=PATH`, or `asr:LANG=PATH`): a JSONL/CSV manifest with `audio`, `text` and `lang`
columns (audio paths relative to the manifest), a folder holding such manifests, or a folder of
`x.wav` + `x.txt` pairs whose language is its subfolder's name (`th/x.wav`), the one named with
`asr:LANG=PATH`, or the single `--languages`. Without --data the bundled sample sentences are
spoken by espeak-ng at run time and cached: synthetic speech, a smoke test of the pipeline and of
a model's reading of each language, not a benchmark of real speech.

Both sides are normalized (`seaforge.text.normalize`), casefolded and cut into words by
`seaforge.text.segment`, so Thai, Burmese, Khmer and Lao get their segmenters' words and
punctuation never counts as an error. WER is jiwer's on those words, CER on their characters
without spaces (where to put spaces is the segmenter's choice in th/my/km/lo, so CER is the fairer
number there). Leaderboards show 100 - WER (0 at or past 100% WER) so that higher is better, as for
every other task; results.json keeps `wer` and `cer` themselves.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from seaforge.errors import UserError
from seaforge.eval.bootstrap import standard_error
from seaforge.eval.cache import InferenceCache, cached_call
from seaforge.eval.items import DataError, DataSpec, Item, Loaded, iter_records
from seaforge.eval.scores import normalize as normalize_score
from seaforge.eval.tasks import Task, TaskError, bundled_dir
from seaforge.io import atomic_write_jsonl
from seaforge.speech.audio import AUDIO_FORMATS

AUDIO_SUFFIXES = tuple(f".{fmt}" for fmt in AUDIO_FORMATS)
MANIFEST_SUFFIXES = (".jsonl", ".csv")
ESPEAK_MISSING = "espeak-ng not found: install the Debian package espeak-ng (apt-get install espeak-ng)"
# espeak-ng voices for the bundled sample languages (its `en` is British; the samples are American).
ESPEAK_VOICES = {"id": "id", "ms": "ms", "vi": "vi", "th": "th", "ta": "ta", "my": "my", "en": "en-us"}


# --- scoring ------------------------------------------------------------------------------------


def asr_words(text: str, lang: str) -> list[str]:
    """The words a transcript is scored on: normalized, casefolded, segmented, no punctuation."""
    from seaforge.text.normalize import normalize
    from seaforge.text.segment import segment

    return segment(normalize(text, lang).casefold(), lang)


def error_counts(hypothesis: str, reference: str, lang: str) -> dict:
    """Word and character edit counts of one transcript against its reference (jiwer)."""
    import jiwer

    hyp, ref = asr_words(hypothesis, lang), asr_words(reference, lang)
    words = jiwer.process_words(" ".join(ref), " ".join(hyp))
    chars = jiwer.process_characters("".join(ref), "".join(hyp))
    return {
        "word_errors": words.substitutions + words.deletions + words.insertions,
        "words": len(ref),
        "char_errors": chars.substitutions + chars.deletions + chars.insertions,
        "chars": len("".join(ref)),
    }


def _rate(errors: np.ndarray, total: np.ndarray) -> np.ndarray:
    return np.divide(100 * errors, total, out=np.full_like(errors, np.nan, dtype=float), where=total > 0)


def asr_summary(task: Task, per_seed: dict[int, list[dict]], clip: bool = False) -> dict:
    """Corpus WER and CER (0-100, errors over reference words/characters), their bootstrap
    standard errors, and the normalized score 100 - WER under the key aggregation reads."""
    records = per_seed[min(per_seed)]  # decoding is deterministic: every seed heard the same
    counts = np.array([[r["word_errors"], r["words"], r["char_errors"], r["chars"]] for r in records], float)
    sums = counts.sum(axis=0)
    wer, cer = float(_rate(sums[0], sums[1])), float(_rate(sums[2], sums[3]))
    n = len(records)
    wer_se = standard_error(lambda weights: _rate(weights @ counts[:, 0], weights @ counts[:, 1]), n)
    cer_se = standard_error(lambda weights: _rate(weights @ counts[:, 2], weights @ counts[:, 3]), n)
    return {
        "wer": wer,
        "normalized_wer": normalize_score(wer, task.random_baseline, task.max_score, clip),
        "stderr": wer_se,
        "normalized_stderr": wer_se,  # 100 - WER moves one for one with WER
        "n": n,
        "per_seed": {str(seed): wer for seed in sorted(per_seed)},
        "baseline": task.random_baseline,
        "cer": cer,
        "cer_stderr": cer_se,
        "words": int(sums[1]),
        "chars": int(sums[3]),
    }


# --- data ---------------------------------------------------------------------------------------


def _resolve_lang(code: str, where: str) -> str:
    from seaforge.text.languages import resolve

    try:
        return resolve(code)
    except UserError as err:
        raise TaskError(f"{where}: field `lang`: {err}") from None


def _no_language(path: Path) -> DataError:
    return DataError(
        f"{path}: no language for its audio: add a `lang` column, put the files in a folder named for "
        f"the language (th/x.wav), or name it: --data asr:LANG={path}"
    )


def read_manifest(path: Path, lang: str, file_lang: str | None) -> tuple[list[Item], int]:
    """Items of `lang` from a JSONL/CSV manifest with `audio`, `text` (the reference), `lang`, `id`."""
    items, skipped = [], 0
    for where, record, error in iter_records(path):
        try:
            if error:
                raise TaskError(error)
            for name in ("audio", "text"):
                if not isinstance(record.get(name), str) or not record[name].strip():
                    raise TaskError(f"{where}: field `{name}` is missing or empty")
            raw_lang = record.get("lang") or file_lang
            if not raw_lang:
                raise _no_language(path)
            rec_lang = _resolve_lang(str(raw_lang), where)
            if rec_lang != lang or (file_lang and rec_lang != file_lang):
                continue
            audio = (path.parent / record["audio"]).resolve()
            if not audio.is_file():
                raise TaskError(f"{where}: field `audio`: {record['audio']}: no such file")
            item_id = str(record.get("id") or Path(record["audio"]).with_suffix("").as_posix())
            items.append(Item(item_id, lang, {"audio": str(audio)}, references=[record["text"]]))
        except TaskError as err:
            skipped += 1
            if skipped <= 3:
                print(f"warning: skipped {err}", file=sys.stderr)
    return items, skipped


def read_pairs(folder: Path, lang: str, file_lang: str | None) -> tuple[list[Item], int]:
    """Items from `x.wav` + `x.txt` pairs: in `folder`, or in its subfolders named for languages."""
    from seaforge.text.languages import LANGUAGES

    items, skipped = [], 0
    for audio in sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file()):
        relative = audio.relative_to(folder)
        parent = relative.parts[0] if len(relative.parts) == 2 else None
        audio_lang = file_lang or (parent if parent in LANGUAGES else None)
        if audio_lang is None:
            raise _no_language(folder)
        if audio_lang != lang:
            continue
        transcript = audio.with_suffix(".txt")
        if not transcript.is_file():
            skipped += 1
            print(f"warning: skipped {audio}: no transcript {transcript.name} beside it", file=sys.stderr)
            continue
        text = transcript.read_text(encoding="utf-8-sig").strip()
        items.append(Item(relative.with_suffix("").as_posix(), lang, {"audio": str(audio)}, references=[text]))
    return items, skipped


def _read_path(path: Path, lang: str, file_lang: str | None) -> tuple[list[Item], int]:
    if path.is_file():
        return read_manifest(path, lang, file_lang)
    manifests = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in MANIFEST_SUFFIXES)
    if not manifests:
        return read_pairs(path, lang, file_lang)
    items, skipped = [], 0
    for manifest in manifests:
        found, bad = read_manifest(manifest, lang, file_lang)
        items += found
        skipped += bad
    return items, skipped


def load_asr_items(task: Task, lang: str, data: DataSpec, limit: int | None = None) -> Loaded:
    """Items of one language: `--data asr=...` sources, a folder for every task, or the samples."""
    sources = data.sources(task)
    if sources is not None:
        items, skipped = [], 0
        for source in sources:
            if source.lang is not None and source.lang != lang:
                continue
            found, bad = _read_path(source.path, lang, source.lang or data.single_lang)
            items, skipped = items + found, skipped + bad
        loaded = Loaded(items, [], ", ".join(str(s.path) for s in sources), skipped)
    elif data.default == "samples":
        loaded = Loaded(sample_items(task, lang), [], f"samples:{task.source.samples} (espeak-ng)")
    elif data.default == "hf":
        raise TaskError(f"task {task.name!r} has no hub dataset; give --data {task.name}=FOLDER_OR_MANIFEST")
    else:
        root = Path(data.default)
        candidates = [root / f"{task.name}{suffix}" for suffix in ("", *MANIFEST_SUFFIXES)]
        path = next((c for c in candidates if c.exists()), None)
        if path is None:
            raise TaskError(f"{root}: no {task.name}/ folder or {task.name}.jsonl for task {task.name!r}")
        items, skipped = _read_path(path, lang, data.single_lang)
        loaded = Loaded(items, [], str(path), skipped)
    if limit:
        loaded.items = loaded.items[:limit]
    return loaded


# --- the bundled samples, spoken by espeak-ng ---------------------------------------------------


def samples_cache() -> Path:
    from seaforge.models.registry import models_home

    return models_home() / "speech" / "asr-samples"


@lru_cache(maxsize=1)
def espeak_version() -> str:
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise UserError(ESPEAK_MISSING)
    done = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def synthesize(text: str, lang: str, cache: Path | None = None) -> Path:
    """A WAV of espeak-ng reading `text` in `lang`, made once per (espeak version, voice, text)."""
    voice = ESPEAK_VOICES.get(lang)
    if voice is None:
        raise TaskError(f"no espeak-ng voice for {lang!r} among the samples ({', '.join(ESPEAK_VOICES)})")
    key = hashlib.sha256(f"{espeak_version()}\0{voice}\0{text}".encode()).hexdigest()[:24]
    target = (cache or samples_cache()) / f"{lang}-{key}.wav"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:  # written aside and renamed: a killed run never leaves half a WAV in the cache
        done = subprocess.run(["espeak-ng", "-v", voice, "-w", tmp, text], capture_output=True, text=True)
        if done.returncode != 0 or os.path.getsize(tmp) == 0:
            raise UserError(f"espeak-ng failed on a {lang} sample: {done.stderr.strip() or done.returncode}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def sample_items(task: Task, lang: str) -> list[Item]:
    """The bundled sentences of `lang`, each with its espeak-ng recording."""
    if not task.source.samples:
        raise TaskError(f"{task.path}: field `source.samples`: task {task.name!r} ships no samples")
    path = bundled_dir() / task.source.samples
    items = []
    for where, record, error in iter_records(path):
        if error or record is None:
            raise TaskError(error or f"{where}: not a record")
        if record.get("lang") != lang:
            continue
        audio = synthesize(record["text"], lang)
        items.append(Item(record["id"], lang, {"audio": str(audio)}, references=[record["text"]]))
    return items


# --- the speech model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TranscribeRequest:
    """What a transcript depends on (the audio by content, not path): the inference cache's key."""

    audio_sha256: str
    lang: str
    beam_size: int = 5


class SpeechBackend:
    """A Whisper model for the asr task; text tasks need a language model instead."""

    supports_loglikelihood = False

    def __init__(self, model: str, beam_size: int = 5, threads: int | None = None):
        from seaforge.eval.cache import weights_fingerprint
        from seaforge.speech.whisper import load_whisper, resolve_whisper

        self.model, self.beam_size, self.threads = model, beam_size, threads
        resolved = resolve_whisper(model)
        load_whisper(model, threads=threads)  # a missing or broken model fails here, before any audio
        self.fingerprint = weights_fingerprint(resolved) if Path(resolved).exists() else f"name:{resolved}"
        self.info = {"model": model, "backend": "faster-whisper", "fingerprint": self.fingerprint, "kind": "speech"}

    def transcribe(self, audio: str, lang: str) -> dict:
        from seaforge.speech.transcribe import transcribe

        heard = transcribe(audio, model=self.model, lang=lang, beam_size=self.beam_size, threads=self.threads)
        return {"text": heard.text, "lang": heard.lang, "duration": heard.duration}

    def generate(self, requests):
        raise UserError(f"{self.model} is a speech model: it transcribes audio (--tasks asr), it cannot answer text")

    def loglikelihood(self, requests):
        self.generate(requests)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_asr_task(
    task: Task,
    loaded_by_lang: dict[str, Loaded],
    backend: SpeechBackend,
    cache: InferenceCache,
    seeds: list[int],
    out: Path,
    results: dict,
    timings: dict,
    clip: bool = False,
    on_done: Callable[[int], None] | None = None,
) -> int:
    """Transcribe and score every language; writes OUT/items/<task>/<lang>.jsonl; returns items scored."""
    scored = 0
    for lang, loaded in loaded_by_lang.items():
        started = time.perf_counter()
        requests = [TranscribeRequest(_sha256(item.fields["audio"]), lang, backend.beam_size) for item in loaded.items]
        paths = {request.audio_sha256: item.fields["audio"] for request, item in zip(requests, loaded.items)}
        # One clip per commit: a killed run resumes at the clip it was on.
        heard = cached_call(
            cache,
            backend.fingerprint,
            requests,
            lambda batch, paths=paths: [backend.transcribe(paths[r.audio_sha256], r.lang) for r in batch],
            chunk=1,
            on_done=on_done,
        )
        records = []
        for item, answer in zip(loaded.items, heard):
            counts = error_counts(answer["text"], item.references[0], lang)
            # `score`: this item's WER as a fraction (eval compare sums word_errors and words instead)
            score = counts["word_errors"] / counts["words"] if counts["words"] else None
            records.append(
                {
                    "id": item.id,
                    "lang": lang,
                    "audio": item.fields["audio"],
                    "reference": item.references[0],
                    "hypothesis": answer["text"],
                    "duration": answer["duration"],
                    **counts,
                    "score": score,
                }
            )
        per_seed = {seed: records for seed in seeds}
        summary = asr_summary(task, per_seed, clip)
        summary["source"] = loaded.source
        if loaded.skipped:
            summary["skipped_records"] = loaded.skipped
        results.setdefault(lang, {}).setdefault(task.competency, {})[task.name] = summary
        atomic_write_jsonl(out / "items" / task.name / f"{lang}.jsonl", [{"seed": seeds[0], **r} for r in records])
        timings.setdefault(task.name, {})[lang] = round(time.perf_counter() - started, 3)
        scored += len(records)
    return scored
