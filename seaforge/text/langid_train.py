"""Build the Latin cluster model of language ID from real text (run at model-build time only).

    python -m seaforge.text.langid_train --corpora ../shared/corpora --out seaforge/text/data/langid_sea.bin

Training needs the full fastText library, which is not a runtime dependency. Its wheel
(``fasttext-numpy2-wheel``, the ``langid-train`` extra) installs a module named ``fasttext``, the
same name as the predict-only ``fasttext-predict`` that seaforge runs with, so install it apart:

    .venv/bin/pip install --target .venv/fasttext-train fasttext-numpy2-wheel
    SEAFORGE_FASTTEXT_TRAIN=.venv/fasttext-train python -m seaforge.text.langid_train ...

What it builds (``seaforge.text.langid_cluster`` uses it):

1. A fastText supervised model (character 3-4-grams and words) over the Latin-script languages
   of the Malayic/Philippine cluster plus English. Indonesian and Malaysian Malay train as one
   label, ``msa`` (the ISO 639-3 macrolanguage): with Malaysian text from one register per
   source, a model that splits them learns register (exam questions vs reviews), not language;
   measured on held-out sources it sent about half of IndoNLI's Indonesian sentences to Malay.
2. Weights that combine the model's log-probabilities with CLD2's (level 1: which language or
   ``msa``; a second set for text CLD2 is not asked about), and, within ``msa``, the counts of
   documented Indonesian/Malaysian contrasts and wordfreq's word preferences (level 2: id or ms,
   with equal prior weight on each, so shared text gets both probabilities). Both levels are logistic
   models fitted by log loss on out-of-fold predictions (5 folds; NusaX rows, passages and
   parallel items stay within one fold), so the weights are calibrated probabilities.

Deterministic: fixed seed, one thread, sorted inputs; every fastText training runs in a fresh
subprocess (in a process that has already allocated and freed much memory, the fastText 0.9.2
trainer sometimes stops with "Encountered NaN" for the same data and seed, which looks like a
read of uninitialised memory; a fresh process trains the same bytes every time). Outputs are written atomically.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from seaforge.text.langid_corpora import OWN, Item, load_items

FASTTEXT_ENV = "SEAFORGE_FASTTEXT_TRAIN"
# The Latin-script cluster the model answers for. Hiligaynon, Waray and Tetum have no real
# text in the shared corpora, so the model cannot learn them.
LANGS = ("id", "ms", "tl", "en", "jv", "su", "ceb", "ilo", "min", "ban", "ace", "bug", "bjn", "mad")
MALAY = ("id", "ms")
GROUP = "msa"
GROUPS = tuple(dict.fromkeys(GROUP if lang in MALAY else lang for lang in LANGS))
# Small and unquantized: a quantized model read ~1.6x slower, and detect's budget is tight.
# Character 3-4-grams plus words seen 4+ times, 16 dimensions, 30,000 hash buckets (~3 MB).
FASTTEXT_PARAMS = {
    "dim": 16,
    "minn": 3,
    "maxn": 4,
    "minCount": 4,
    "wordNgrams": 1,
    "epoch": 25,
    "lr": 0.2,
    "bucket": 30_000,
    "loss": "softmax",
}
QUANTIZE = {"cutoff": 60_000, "qnorm": True, "retrain": False, "dsub": 2}
SEED = 0
FOLDS = 5
CAP = 1500  # training lines per label at most (sampled with a fixed seed) ...
FLOOR = 600  # ... and at least (small labels repeated), so UDHR-only languages are not drowned
TRAIN_CHARS = 400  # characters of each training text; detect shows the model 150
L2 = 1e-2
SURE_CHECKED = (0.8, 0.9, 0.95)  # thresholds the training report checks (``fit_weights``)

_DRIVER = r"""
import json, sys
spec = json.loads(sys.argv[1])
if spec["path"]:
    sys.path.insert(0, spec["path"])
import fasttext
if not hasattr(fasttext, "train_supervised"):
    sys.exit("fasttext at %s only predicts: install fasttext-numpy2-wheel (langid_train)" % fasttext.__file__)
for attempt in range(5):
    try:
        model = fasttext.train_supervised(spec["input"], thread=1, seed=spec["seed"], verbose=0, **spec["params"])
        break
    except RuntimeError as err:  # fastText 0.9.2's sporadic "Encountered NaN"; a retry trains the same bytes
        print("retrying after:", err, file=sys.stderr)
else:
    sys.exit("fastText training kept failing")
if spec.get("quantize"):
    model.quantize(input=spec["input"], **spec["quantize"])
model.save_model(spec["output"])
"""


def group_of(lang: str) -> str:
    return GROUP if lang in MALAY else lang


def training_text(text: str) -> str:
    """What fastText trains on: the text as ``detect`` shows it to the model (names left out)."""
    from seaforge.text.langid_cluster import model_text

    return " ".join(model_text(text).split())[:TRAIN_CHARS]


def _window(text: str, rng: random.Random) -> str | None:
    """A short run of the text's words (2-6 of them), so short inputs look like training data."""
    words = text.split()
    if len(words) < 6:
        return None
    size = rng.randint(2, 6)
    start = rng.randrange(len(words) - size + 1)
    return " ".join(words[start : start + size])


def training_lines(items: Sequence[Item]) -> list[str]:
    """fastText lines, ``__label__<group> text``: capped, small labels repeated, each text with
    one short window of its words added, shuffled (all seeded)."""
    by_label: dict[str, list[str]] = defaultdict(list)
    for item in items:
        text = training_text(item.text)
        if text:
            by_label[group_of(item.lang)].append(text)
    rng = random.Random(SEED)
    lines: list[str] = []
    for label in sorted(by_label):
        texts = by_label[label][:]
        rng.shuffle(texts)
        texts = texts[:CAP]
        repeat = max(1, -(-FLOOR // len(texts)))
        for _ in range(repeat):
            for text in texts:
                lines.append(f"__label__{label} {text}")
                window = _window(text, rng)
                if window:
                    lines.append(f"__label__{label} {window}")
    rng.shuffle(lines)
    return lines


def fasttext_path() -> str:
    return os.environ.get(FASTTEXT_ENV, "")


def train_fasttext(items: Sequence[Item], output: Path, quantize: bool = False) -> None:
    """Train (and optionally quantize) in a fresh subprocess; ``output`` is written atomically."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "train.txt"
        data.write_text("\n".join(training_lines(items)) + "\n", encoding="utf-8")
        partial = Path(tmp) / ("model" + output.suffix)
        spec = {
            "path": fasttext_path(),
            "input": str(data),
            "output": str(partial),
            "seed": SEED,
            "params": FASTTEXT_PARAMS,
            "quantize": QUANTIZE if quantize else None,
        }
        done = subprocess.run([sys.executable, "-c", _DRIVER, json.dumps(spec)], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"fastText training failed: {done.stderr.strip() or done.stdout.strip()}")
        _copy_atomic(partial, output)


def _copy_atomic(src: Path, dst: Path) -> None:
    tmp = dst.with_name(dst.name + ".partial")
    tmp.write_bytes(src.read_bytes())
    os.replace(tmp, dst)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _fold(item: Item) -> int:
    return zlib.crc32(item.unit.encode("utf-8")) % FOLDS


def _group_probs(model, text: str) -> dict[str, float]:
    from seaforge.text.langid_cluster import model_probs

    return model_probs(model, text)


def out_of_fold(items: Sequence[Item], workdir: Path) -> list[dict[str, float]]:
    """Each item's fastText group probabilities from a model trained without its fold."""
    from seaforge.text.langid_cluster import load_fasttext

    probs: list[dict[str, float] | None] = [None] * len(items)
    for fold in range(FOLDS):
        held = [i for i, item in enumerate(items) if _fold(item) == fold]
        if not held:
            continue
        path = workdir / f"fold{fold}.bin"
        train_fasttext([item for item in items if _fold(item) != fold], path)
        model = load_fasttext(path)
        for i in held:
            probs[i] = _group_probs(model, items[i].text)
        path.unlink()
    return probs  # type: ignore[return-value]


def _softmax_fit(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted multinomial conditional logit: X is (n, classes, features); L2-penalised."""
    from scipy.optimize import minimize

    rows = np.arange(len(y))

    def loss(theta):
        z = X @ theta
        z = z - z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z).sum(axis=1))
        p = np.exp(z - lse[:, None])
        p[rows, y] -= 1.0
        value = -(w * (z[rows, y] - lse)).sum() + 0.5 * L2 * theta @ theta
        grad = np.einsum("n,nc,ncf->f", w, p, X) + L2 * theta
        return value, grad

    return minimize(loss, np.zeros(X.shape[2]), jac=True, method="L-BFGS-B").x


def fit_weights(items: Sequence[Item], oof: Sequence[dict[str, float]]) -> dict:
    """Level-1 and level-2 weights from out-of-fold features (see the module docstring)."""
    from seaforge.text.langid_cluster import (
        LEVEL1_FEATURES,
        LEVEL2_FEATURES,
        SURE,
        ClusterModel,
        Evidence,
        level1_alone_matrix,
        level1_matrix,
        level2_vector,
    )

    evidence = [Evidence.of(item.text) for item in items]
    # Level 1: every text counts once, so the prior follows the training data, where Indonesian
    # and Malay are the bulk as in real use (balancing the languages made short Indonesian chat
    # Banjarese or Sundanese), except that a language with fewer than FLOOR texts counts as if
    # it had FLOOR, as in the fastText training lines (else Cebuano, with 59, is never chosen).
    counts = Counter(group_of(item.lang) for item in items)
    w = np.array([max(1.0, FLOOR / counts[group_of(item.lang)]) for item in items])
    y = np.array([GROUPS.index(group_of(item.lang)) for item in items])
    theta1 = _softmax_fit(np.stack([level1_matrix(ev, p) for ev, p in zip(evidence, oof)]), y, w)
    theta0 = _softmax_fit(np.stack([level1_alone_matrix(ev, p) for ev, p in zip(evidence, oof)]), y, w)
    # Level 2 (id vs ms): balanced, so neither standard is preferred where the text is shared.
    malay = [i for i, item in enumerate(items) if item.lang in MALAY]
    vectors = [level2_vector(evidence[i]) for i in malay]
    X2 = np.stack([np.array([[0.0] * (len(v) + 1), [*v, 1.0]]) for v in vectors])  # rows id, ms; last: ms bias
    y2 = np.array([MALAY.index(items[i].lang) for i in malay])
    c2 = Counter(items[i].lang for i in malay)
    w2 = np.array([1.0 / c2[items[i].lang] for i in malay])
    w2 *= len(malay) / w2.sum()
    theta2 = _softmax_fit(X2, y2, w2)
    n1 = len(LEVEL1_FEATURES)
    weights = {
        "groups": list(GROUPS),
        "level1": dict(zip(LEVEL1_FEATURES, map(float, theta1[:n1]))),
        "level1_bias": dict(zip(GROUPS, map(float, theta1[n1:]))),
        "level1_alone": {"fasttext_logp": float(theta0[0]), "malay_vocab_share": float(theta0[1])},
        "level1_alone_bias": dict(zip(GROUPS, map(float, theta0[2:]))),
        "level2": dict(zip(LEVEL2_FEATURES, map(float, theta2[:-1]))),
        "level2_bias": float(theta2[-1]),
    }
    # What skipping CLD2 costs where the fastText model is sure (the reason ``ClusterModel.sure``
    # may skip it), on these out-of-fold predictions, at the shipped threshold and a lower one.
    model = ClusterModel.from_weights(weights)
    report = {}
    for threshold in SURE_CHECKED:
        sure = changed = right_with = right_alone = 0
        for item, ev, p in zip(items, evidence, oof):
            preds = sorted(((v, f"__label__{g}") for g, v in p.items()), reverse=True)
            if model.sure(preds, threshold):
                sure += 1
                with_cld2 = model.decide(ev, preds)[0]
                alone = model.decide(ev._replace(cld2=None), preds)[0]
                changed += with_cld2 != alone
                right_with += with_cld2 == item.lang
                right_alone += alone == item.lang
        report[str(threshold)] = {
            "texts": sure,
            "answer_changed_by_cld2": changed,
            "right_with_cld2": right_with,
            "right_without": right_alone,
        }
    weights["sure_without_cld2"] = {"shipped_threshold": SURE, **report}
    return weights


def build(items: Sequence[Item], out: Path, quantize: bool = False, workdir: Path | None = None) -> dict:
    """Train the shipped model file ``out`` (.ftz quantized or .bin) and its weights ``out``.json."""
    items = [item for item in items if item.lang in LANGS]
    out = Path(out)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        oof = out_of_fold(items, Path(tmp))
        weights = fit_weights(items, oof)
    train_fasttext(items, out, quantize=quantize)
    counts = Counter(item.lang for item in items)
    sources = Counter(item.source for item in items)
    meta = {
        "model": out.name,
        "labels": list(GROUPS),
        "fasttext": FASTTEXT_PARAMS,
        "quantize": QUANTIZE if quantize else None,
        "seed": SEED,
        "training_items": dict(sorted(counts.items())),
        "training_sources": dict(sorted(sources.items())),
        **weights,
    }
    _write_atomic(weights_path(out), json.dumps(meta, indent=1, sort_keys=False) + "\n")
    return meta


def weights_path(model: Path) -> Path:
    return Path(model).with_suffix(".json")


def select(items: Iterable[Item], groups: Iterable[str]) -> list[Item]:
    """The items of these held-out groups, plus our own text (``langid_corpora.OWN``), which
    trains in every direction."""
    wanted = set(groups) | {OWN}
    return [item for item in items if item.group in wanted]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", required=True, help="the shared corpora folder (../shared/corpora)")
    parser.add_argument("--out", required=True, help="model file to write (.ftz quantized, .bin not)")
    parser.add_argument("--groups", default="A,B", help="held-out groups to train on (default: all, A,B)")
    parser.add_argument("--no-eval-set", action="store_true", help="leave our self-written eval set out")
    args = parser.parse_args(argv)
    items = select(load_items(args.corpora, with_eval=not args.no_eval_set), args.groups.split(","))
    out = Path(args.out)
    meta = build(items, out, quantize=out.suffix == ".ftz")
    size = out.stat().st_size
    print(f"wrote {out} ({size / 1e6:.2f} MB) and {weights_path(out)}; {sum(meta['training_items'].values())} texts")


if __name__ == "__main__":
    main()
