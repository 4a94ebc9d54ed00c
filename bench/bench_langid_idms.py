"""Indonesian vs Malay: which evidence generalises across sources (the docs/text.md table).

    .venv/bin/python bench/bench_langid_idms.py [--corpora ../shared/corpora]

For every Indonesian and Malay sentence of the held-out groups (seaforge.text.langid_corpora),
it computes the level-2 evidence detect uses (CLD2's ms/id log-odds, counts of documented
contrasts, wordfreq's word preferences) and two candidates it does not use (lid.176's ms/id
odds, lingua restricted to id and ms); a balanced logistic regression is trained on one group
and scored on the other, both ways.
"Own text" adds the Indonesian and Malay sentences our own package data holds (guard seeds,
bundled text; never the language-ID eval set, a B source) to the training side, as the shipped
model's training does (seaforge.text.langid_corpora.own_text).
Lingua's cost per sentence is timed on 100 characters, against CLD2 in the same run.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
from lingua import Language, LanguageDetectorBuilder
from sklearn.linear_model import LogisticRegression

from seaforge.text.langid import _model, cld2_predictions
from seaforge.text.langid_cluster import Evidence, level2_vector
from seaforge.text.langid_corpora import load_items, own_text


def _ms_id_log_odds(p_ms: float, p_id: float) -> float:
    """A model's Malay/Indonesian log-odds, each side floored at 1e-3, clipped to +-3."""
    return max(-3.0, min(3.0, math.log(max(p_ms, 1e-3)) - math.log(max(p_id, 1e-3))))


def features(texts: list[str]) -> np.ndarray:
    """Columns: CLD2 odds, the level-2 vector (8 contrast counts, wordfreq), lid.176 odds, lingua odds."""
    lid = _model()
    lingua = LanguageDetectorBuilder.from_languages(Language.INDONESIAN, Language.MALAY).build()
    rows = []
    for text in texts:
        ev = Evidence.of(text)
        preds = {label[9:]: p for p, label in lid.predict(ev.clean[:200] + "\n", -1, 0.0, "strict")}
        lid_odds = _ms_id_log_odds(preds.get("ms", 0.0), preds.get("id", 0.0))
        conf = {c.language: c.value for c in lingua.compute_language_confidence_values(text)}
        p_ms = min(max(conf.get(Language.MALAY, 0.5), 1e-3), 1 - 1e-3)
        share = {c: sum(p for p, label in ev.cld2 or () if label == f"__label__{c}") for c in ("ms", "id")}
        cld2 = _ms_id_log_odds(share["ms"], share["id"]) if ev.cld2 else 0.0
        rows.append([cld2, *level2_vector(ev), lid_odds, math.log(p_ms / (1 - p_ms))])
    return np.array(rows)


def lingua_cost(texts: list[str]) -> tuple[float, float, float]:
    """Microseconds a sentence (100 characters): CLD2, lingua low and high accuracy (id, ms only)."""
    texts = [t[:100] for t in texts]
    out = []
    for fn in (
        cld2_predictions,
        LanguageDetectorBuilder.from_languages(Language.INDONESIAN, Language.MALAY)
        .with_low_accuracy_mode()
        .build()
        .compute_language_confidence_values,
        LanguageDetectorBuilder.from_languages(Language.INDONESIAN, Language.MALAY)
        .build()
        .compute_language_confidence_values,
    ):
        start = time.process_time()
        for text in texts:
            fn(text)
        out.append((time.process_time() - start) / len(texts) * 1e6)
    return tuple(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpora", default=str(Path(__file__).resolve().parents[2] / "shared" / "corpora"))
    args = parser.parse_args()
    items = [i for i in load_items(args.corpora, with_own=False) if i.lang in ("id", "ms")]
    X = features([i.text for i in items])
    y = np.array([i.lang == "ms" for i in items])
    group = np.array([i.group for i in items])
    own = own_text()
    X_own, y_own = features([i.text for i in own]), np.array([i.lang == "ms" for i in own])
    before, contrasts, wf, lid, lingua = list(range(9)), list(range(1, 9)), [9], [10], [11]
    rows = [
        ("CLD2 odds + documented contrasts (the model before)", before, False),
        ("+ lid.176's ms/id odds", before + lid, False),
        ("+ lingua (id and ms only)", before + lingua, False),
        ("contrasts alone", contrasts, False),
        ("wordfreq preferences alone", wf, False),
        ("CLD2 odds + contrasts + wordfreq", before + wf, False),
        ("CLD2 odds + contrasts + wordfreq, own text in training", before + wf, True),
        ("contrasts + wordfreq, own text in training (shipped)", contrasts + wf, True),
        ("the same + lingua", contrasts + wf + lingua, True),
    ]
    print(f"{len(items)} sentences (A: {int((group == 'A').sum())}, B: {int((group == 'B').sum())}); own: {len(own)}")
    print("| level-2 evidence | A→B id / ms | B→A id / ms |\n|---|---|---|")
    for name, cols, with_own in rows:
        cells = []
        for train, test in (("A", "B"), ("B", "A")):
            Xt, yt = X[group == train][:, cols], y[group == train]
            if with_own:
                Xt, yt = np.vstack([Xt, X_own[:, cols]]), np.concatenate([yt, y_own])
            clf = LogisticRegression(class_weight="balanced").fit(Xt, yt)
            pred, gold = clf.predict(X[group == test][:, cols]), y[group == test]
            cells.append(f"{(pred[~gold] == 0).mean():.3f} / {(pred[gold] == 1).mean():.3f}")
        print(f"| {name} | {cells[0]} | {cells[1]} |")
    cld2, low, high = lingua_cost([i.text for i in items[:3000]])
    print(f"cost a sentence: CLD2 {cld2:.1f} us; lingua id+ms low accuracy {low:.1f} us ({low / cld2:.1f}x CLD2), ")
    print(f"high accuracy {high:.1f} us ({high / cld2:.1f}x CLD2)")


if __name__ == "__main__":
    main()
