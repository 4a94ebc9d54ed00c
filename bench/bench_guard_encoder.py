"""Does the real Gemma 3 270M earn its cost as the guard's encoder? Both ways, one run.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_guard_encoder.py

Trains two unsafe/safe classifiers on the bundled seed (seaforge/guard/data/seed*.jsonl, plus the
bundled everyday text as safe background): the shipped character n-gram model, and a logistic
regression on Gemma 3 270M's mean-pooled last hidden states. Both pick their operating point by
5-fold cross-validation on the seed (at most 8% of its safe records flagged), then are measured once
on the held-out set tests/guard/data/heldout_sea.jsonl (written separately, never trained on):
AUPRC, F1, false-positive rate, and milliseconds per message on this machine.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

HELDOUT = Path(__file__).resolve().parents[1] / "tests" / "guard" / "data" / "heldout_sea.jsonl"


def embed(model, tokenizer, texts: list[str], batch: int = 16) -> np.ndarray:
    import torch

    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch):
            enc = tokenizer(
                texts[start : start + batch], return_tensors="pt", padding=True, truncation=True, max_length=256
            )
            hidden = model(**enc, output_hidden_states=True).hidden_states[-1]
            mask = enc["attention_mask"].unsqueeze(-1).float()
            out.append(((hidden * mask).sum(1) / mask.sum(1)).float().numpy())
    return np.vstack(out)


def operating_point(x: np.ndarray, y: np.ndarray, labelled: int) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    safe = []
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(x, y):
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000).fit(x[tr], y[tr])
        p = model.predict_proba(x[te])[:, 1]
        safe += [float(v) for v, i in zip(p, te) if not y[i] and i < labelled]
    safe.sort()
    return safe[min(len(safe) - 1, int(0.92 * len(safe)))]


def report(name: str, labels, scores, flagged, ms: float) -> dict:
    from sklearn.metrics import average_precision_score, f1_score

    labels, flagged = np.array(labels), np.array(flagged)
    fpr = float((flagged & ~labels).sum() / max((~labels).sum(), 1))
    row = {
        "classifier": name,
        "auprc": average_precision_score(labels, scores),
        "f1": f1_score(labels, flagged),
        "fpr": fpr,
        "ms": ms,
    }
    print(f"{name:34s} AUPRC {row['auprc']:.3f}  F1 {row['f1']:.3f}  FPR {fpr:.3f}  {ms:.2f} ms/message")
    return row


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from transformers import AutoModel, AutoTokenizer

    from seaforge.guard.learned import background_records, seed_files, train
    from seaforge.guard.records import read_records
    from seaforge.models.resolve import resolve_model

    seed = read_records(seed_files(), strict=True).records
    training = [*seed, *background_records()]
    held = read_records(HELDOUT).records
    labels = [r.unsafe for r in held]
    print(f"seed {len(seed)} records (+{len(training) - len(seed)} everyday safe), held-out {len(held)}")

    ngram = train(seed)
    start = time.perf_counter()
    scored = ngram.scores([r.target for r in held])
    ms = (time.perf_counter() - start) / len(held) * 1000
    results = [report("char n-grams (shipped)", labels, [p for p, _ in scored], [p >= 0.5 for p, _ in scored], ms)]

    path = resolve_model("gemma3-270m")
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    x_train = embed(model, tokenizer, [r.target for r in training])
    y_train = np.array([r.unsafe for r in training])
    cut = operating_point(x_train, y_train, len(seed))
    clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000).fit(x_train, y_train)
    start = time.perf_counter()
    per_message = []
    for r in held[:60]:  # one at a time, as a server would see them
        t0 = time.perf_counter()
        embed(model, tokenizer, [r.target])
        per_message.append((time.perf_counter() - t0) * 1000)
    x_held = embed(model, tokenizer, [r.target for r in held])
    p = clf.predict_proba(x_held)[:, 1]
    results.append(report("Gemma 3 270M mean-pooled + LR", labels, p, p >= cut, statistics.median(per_message)))
    ratio = results[1]["ms"] / max(results[0]["ms"], 1e-9)
    print(
        f"Gemma costs {ratio:.0f}x the time per message; AUPRC {results[1]['auprc'] - results[0]['auprc']:+.3f}, "
        f"F1 {results[1]['f1'] - results[0]['f1']:+.3f}"
    )


if __name__ == "__main__":
    main()
