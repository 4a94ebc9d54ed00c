"""Merge the per-task datatrove stats of a run into one ``summary.json``.

Each stage's merged ``stats.json`` only covers the tasks of the last invocation (a resumed run
skips finished ones), so we merge the per-task files in ``logs/<stage>/stats/`` instead.
Labels of the form ``<lang>/<what>`` become per-language figures.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from seaforge.data.decontam import SET_LABEL
from seaforge.data.readers import BAD_FILE_LABEL
from seaforge.io import atomic_write_json


def _total(value) -> float:
    return value.get("total", 0) if isinstance(value, dict) else value


def stage_stats(stage_dir: Path) -> list[tuple[str, dict[str, float]]]:
    """(step name, {label: total}) for each step of a stage, summed over its tasks."""
    steps: dict[str, dict[str, float]] = {}
    order: list[str] = []
    for path in sorted((stage_dir / "stats").glob("*.json")):
        for i, step in enumerate(json.loads(path.read_text())):
            key = f"{i:02d} {step['name']}"
            if key not in steps:
                steps[key] = defaultdict(float)
                order.append(key)
            for label, value in step.get("stats", {}).items():
                steps[key][label] += _total(value)
    return [(key[3:], dict(steps[key])) for key in order]


def summarize(root: Path, stage_names: list[str]) -> dict:
    """Overall and per-language counts: input, drops by reason, lines removed, PII, dedup, mixture."""
    langs: dict[str, dict] = defaultdict(lambda: defaultdict(dict))
    drops: dict[str, float] = defaultdict(float)
    skipped: dict[str, float] = defaultdict(float)
    decontam_hits: dict[int, float] = defaultdict(float)  # documents per evaluation set position
    stages, read = {}, 0
    bad_files: list[dict] = []
    for stage in stage_names:
        steps = stage_stats(root / "logs" / stage)
        stages[stage] = [{"step": name, "stats": stats} for name, stats in steps]
        for name, stats in steps:
            for label, value in stats.items():
                if label.startswith(BAD_FILE_LABEL):  # "bad_file:<reason>:<path>": a path has "/"
                    reason, _, path = label[len(BAD_FILE_LABEL) :].partition(":")
                    bad_files.append({"file": path, "reason": reason})
                    continue
                if stage == "curate" and label.startswith("skipped_"):
                    skipped[label[8:]] += value
                elif stage == "curate" and label == "documents":
                    read += value
                elif stage == "dedup" and label == "dropped" and "deduplication" in name:
                    drops["exact_duplicate"] += value
                elif stage == "dedup" and label == "dropped" and "MinHash" in name:
                    drops["near_duplicate"] += value
                if "/" not in label:
                    if stage == "curate" and label.startswith("dropped_"):
                        drops[label[8:]] += value
                    elif stage == "curate" and label.startswith(SET_LABEL) and label[len(SET_LABEL) :].isdigit():
                        decontam_hits[int(label[len(SET_LABEL) :])] += value
                    continue
                lang, what = label.split("/", 1)
                if what.endswith((".jsonl.gz", ".jsonl")):
                    continue  # the writer's per-file counts
                group, key = "counts", what
                for prefix in ("dropped_", "lines_removed_", "pii_"):
                    if what.startswith(prefix):
                        group, key = prefix.rstrip("_"), what[len(prefix) :]
                langs[lang][group][key] = langs[lang][group].get(key, 0) + value
    for groups in langs.values():
        counts = groups["counts"]
        curated, exact, final = (counts.get(f"{k}_docs", 0) for k in ("curated", "after_exact", "final"))
        if curated:
            groups["dedup"] = {
                "exact_rate": round(1 - exact / curated, 4),
                "near_rate": round(1 - final / exact, 4) if exact else 0.0,
            }
    mixture_path = root / "mixture.json"
    return {
        "output": str(root),
        "documents_read": read,
        "skipped_input": dict(skipped),
        "bad_files": sorted(bad_files, key=lambda f: f["file"]),  # truncated or corrupt input files
        "dropped": dict(drops),
        "languages": {
            lang: {group: dict(values) for group, values in groups.items()} for lang, groups in langs.items()
        },
        "mixture": json.loads(mixture_path.read_text()) if mixture_path.exists() else None,
        "stages": stages,
        "decontam_hits": dict(decontam_hits),
    }


def write_summary(root: Path, stage_names: list[str], extra: dict | None = None) -> dict:
    """``summarize`` plus ``extra`` fields (e.g. ``decontam_skipped``), written to ``summary.json``.

    ``extra["decontamination"]`` ({set name: figures}, in the index's order) gets each set's
    documents removed (or flagged) from the curate stage's counts.
    """
    summary = {**summarize(Path(root), stage_names), **(extra or {})}
    hits = summary.pop("decontam_hits")
    if summary.get("decontamination"):
        summary["decontamination"] = {
            name: {**figures, **{k: int(hits.get(i, 0)) for k in ("removed", "flagged") if k in figures}}
            for i, (name, figures) in enumerate(summary["decontamination"].items())
        }
    atomic_write_json(Path(root) / "summary.json", summary)
    return summary
