"""The trained fast classifier: character n-grams of normalised text and a linear model per output.

Character n-grams (3-6, hashed; chosen by 5-fold cross-validation on the seed) need no tokenizer,
so they work the same for Thai, Burmese or Khmer
written without spaces, for romanised Thai, for spelling variants and for code-switched text. One
logistic regression says unsafe or not; one per category says which. It trains in seconds on the
bundled seed (written by us) and is cached, keyed by the seed's hash.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from seaforge.guard.policy import GuardError, categories
from seaforge.guard.records import Record, read_records

N_FEATURES = 2**20
MIN_POSITIVES = 3  # a category with fewer training examples gets no model of its own
TARGET_FPR = 0.08  # the operating point chosen by cross-validation on the training data: it maps to 0.5
FORMAT = 2  # bump when the pickled layout changes


def _prepare(text: str) -> str:
    from seaforge.guard.classify import _LEET, _normalise

    view = _normalise(text)
    return view + " \n " + view.translate(_LEET) if any(c in view for c in "0134@$") else view


def _vectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer="char_wb", ngram_range=(3, 6), n_features=N_FEATURES, alternate_sign=False, norm=None
    )


@dataclass
class FastClassifier:
    """Inference is a sparse product, not sklearn's predict_proba: 21 predict calls cost about 4 ms a
    message in input checks alone, the product about 0.1 ms."""

    idf: object  # (n_features,) inverse document frequencies of the training data
    weights: object  # sparse (n_features, 1 + categories): the unsafe model, then one column per category
    bias: object  # (1 + categories,)
    names: list[str]  # the categories with a model, in column order
    trained_on: dict = field(default_factory=dict)  # records, per-language counts, seed hash
    cut: float = 0.5  # P(unsafe) at the cross-validated operating point; rescaled to 0.5

    def _features(self, texts: list[str]):
        import numpy as np
        from sklearn.preprocessing import normalize as l2

        counts = _vectorizer().transform([_prepare(t) for t in texts]).astype(np.float32)
        counts.data = 1.0 + np.log(counts.data)  # sublinear tf, as the training TfidfTransformer did
        return l2(counts.multiply(self.idf).tocsr())

    def scores(self, texts: list[str]) -> list[tuple[float, dict[str, float]]]:
        """(P(unsafe), per-category score) per text. A category's score is P(unsafe) shared out by the
        category models: the likeliest category gets P(unsafe), the others in proportion."""
        import numpy as np

        if not texts:
            return []
        logits = np.asarray((self._features(texts) @ self.weights).todense()) + self.bias
        probs = 1.0 / (1.0 + np.exp(-logits))
        out = []
        for row in probs:
            p = _rescale(float(row[0]), self.cut)
            raw = dict(zip(self.names, (float(v) for v in row[1:])))
            top = max(raw.values(), default=0.0)
            cats = dict.fromkeys(categories(), 0.0)
            for name, value in raw.items():
                cats[name] = p * value / top if top > 0 else 0.0
            out.append((p, cats))
        return out

    def save(self, path: Path) -> None:
        from seaforge.io import atomic_write_bytes

        atomic_write_bytes(path, lambda f: pickle.dump({"format": FORMAT, "classifier": self}, f))

    @staticmethod
    def load(path: Path) -> FastClassifier:
        try:
            with open(path, "rb") as f:
                data = pickle.load(f)  # our own file: written by `seaforge guard train` or the cache
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as err:
            raise GuardError(f"{path}: not a guard classifier ({err})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise GuardError(f"{path}: a guard classifier of another format; retrain it with `seaforge guard train`")
        return data["classifier"]


def background_records(limit_chars: int = 400) -> list[Record]:
    """Everyday text seaforge bundles (our own chat turns, code-switched messages and prose, in every
    main language) as safe examples: most of what a guard sees is ordinary, and without it short
    ordinary messages sit near the middle of the scale."""
    import json

    from seaforge.data.bundled import bundled_files

    out = []
    for kind in ("chat", "codeswitch", "prose"):
        for path in bundled_files(kind):
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                if row.get("split") == "heldout":
                    continue
                lang = row.get("lang", "und")
                if "messages" in row:
                    user = [m["content"] for m in row["messages"] if m["role"] == "user"]
                    answers = [m["content"] for m in row["messages"] if m["role"] == "assistant"]
                    out += [Record(text[:limit_chars], False, lang=lang) for text in user]
                    out += [Record(user[0][:limit_chars], False, a[:limit_chars], lang) for a in answers[:1] if user]
                else:
                    out.append(Record(row["text"][:limit_chars], False, lang=lang))
    return out


def train(records: list[Record], seed: int = 0, c: float = 8.0, background: bool = True) -> FastClassifier:
    """Fit on labelled records (the label is about the response when there is one), plus the bundled
    everyday text as safe examples unless `background` is False. The operating point is set on the
    labelled records' own safe examples (the look-alikes), not on the easy everyday ones."""
    labelled = len(records)
    if background:
        records = [*records, *background_records()]
    from sklearn.feature_extraction.text import TfidfTransformer

    if len({r.unsafe for r in records}) < 2:
        raise GuardError("training needs both safe and unsafe records")
    counts = _vectorizer().transform([_prepare(r.target) for r in records])
    tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
    features = tfidf.transform(counts)

    def fit(labels):
        return _logistic(features, labels, c, seed)

    labels = [r.unsafe for r in records]
    unsafe_model = fit(labels)
    cut = _operating_point(features, labels, c, seed, labelled)
    category_models = {}
    for name in categories():
        labels = [name in r.categories for r in records]
        if sum(labels) >= MIN_POSITIVES:
            category_models[name] = fit(labels)
    languages: dict[str, int] = {}
    for r in records:
        languages[r.lang] = languages.get(r.lang, 0) + 1
    info = {"records": labelled, "background": len(records) - labelled, "unsafe": sum(r.unsafe for r in records),
            "languages": languages, "categories": sorted(category_models)}  # fmt: skip
    info["cut"] = round(cut, 4)
    import numpy as np
    from scipy import sparse

    models = [unsafe_model, *category_models.values()]
    weights = sparse.csr_matrix(np.vstack([m.coef_[0] for m in models]).T.astype(np.float32))
    bias = np.array([m.intercept_[0] for m in models], dtype=np.float32)
    return FastClassifier(tfidf.idf_.astype(np.float32), weights, bias, list(category_models), info, cut)


def _logistic(features, labels, c: float, seed: int):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=seed)
    return model.fit(features, labels)


def _operating_point(features, labels: list[bool], c: float, seed: int, labelled: int) -> float:
    """The P(unsafe) above which at most TARGET_FPR of safe records are flagged, from 5-fold
    cross-validation on the training records themselves (never on evaluation data)."""
    from sklearn.model_selection import StratifiedKFold

    folds = min(5, sum(labels), len(labels) - sum(labels))
    if folds < 2:
        return 0.5
    safe_scores = []
    for train_index, test_index in StratifiedKFold(folds, shuffle=True, random_state=0).split(features, labels):
        model = _logistic(features[train_index], [labels[i] for i in train_index], c, seed)
        probs = model.predict_proba(features[test_index])[:, 1]
        safe_scores += [float(p) for p, i in zip(probs, test_index) if not labels[i] and i < labelled]
    safe_scores.sort()
    index = min(len(safe_scores) - 1, int((1 - TARGET_FPR) * len(safe_scores)))
    return min(0.95, max(0.05, safe_scores[index]))


def _rescale(p: float, cut: float) -> float:
    """Map P(unsafe) so that the operating point lands on 0.5, keeping 0 and 1 in place."""
    return 0.5 * p / cut if p < cut else 0.5 + 0.5 * (p - cut) / (1 - cut)


def seed_files() -> list[Path]:
    folder = resources.files("seaforge.guard").joinpath("data")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.startswith("seed") and p.name.endswith(".jsonl"))


def _seed_hash(files: list[Path]) -> str:
    """What the default depends on: the seed, the bundled everyday text and this training code."""
    from seaforge.data.bundled import bundled_files

    digest = hashlib.sha256(str(FORMAT).encode())
    for path in [*files, *(p for kind in ("chat", "codeswitch", "prose") for p in bundled_files(kind)), Path(__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def default_classifier() -> FastClassifier:
    """The shipped default: trained on the bundled seed the first time, then loaded from the cache."""
    from seaforge.models.registry import models_home

    files = seed_files()
    if not files:
        raise GuardError("the bundled guard seed (seaforge/guard/data/seed*.jsonl) is missing")
    cache = models_home() / "guard" / f"fast-{_seed_hash(files)}.pkl"
    if cache.is_file():
        try:
            return FastClassifier.load(cache)
        except GuardError:
            pass  # a damaged cache is rebuilt below
    classifier = train(read_records(files, strict=True).records)
    classifier.trained_on["seed"] = _seed_hash(files)
    classifier.save(cache)
    return classifier
