"""The trained fast classifier: character n-grams of normalised text and a linear model per output.

Character n-grams (2-5, hashed) need no tokenizer, so they work the same for Thai, Burmese or Khmer
written without spaces, for romanised Thai, for spelling variants and for code-switched text. One
logistic regression says unsafe or not; one per category says which. It trains in seconds on the
bundled seed (written by us) and is cached, keyed by the seed's hash.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from seaforge.guard.policy import GuardError, categories
from seaforge.guard.records import Record, read_records

N_FEATURES = 2**20
MIN_POSITIVES = 3  # a category with fewer training examples gets no model of its own
FORMAT = 1  # bump when the pickled layout changes


def _prepare(text: str) -> str:
    from seaforge.guard.classify import _LEET, _normalise

    view = _normalise(text)
    return view + " \n " + view.translate(_LEET) if any(c in view for c in "0134@$") else view


def _vectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), n_features=N_FEATURES, alternate_sign=False, norm=None
    )


@dataclass
class FastClassifier:
    tfidf: object
    unsafe_model: object
    category_models: dict[str, object]
    trained_on: dict = field(default_factory=dict)  # records, per-language counts, seed hash

    def _features(self, texts: list[str]):
        return self.tfidf.transform(_vectorizer().transform([_prepare(t) for t in texts]))

    def scores(self, texts: list[str]) -> list[tuple[float, dict[str, float]]]:
        """(P(unsafe), per-category score) per text. A category's score is P(unsafe) shared out by the
        category models: the likeliest category gets P(unsafe), the others in proportion."""
        if not texts:
            return []
        features = self._features(texts)
        unsafe = self.unsafe_model.predict_proba(features)[:, 1]
        per_category = {name: model.predict_proba(features)[:, 1] for name, model in self.category_models.items()}
        out = []
        for i, p in enumerate(unsafe):
            raw = {name: float(values[i]) for name, values in per_category.items()}
            top = max(raw.values(), default=0.0)
            cats = dict.fromkeys(categories(), 0.0)
            for name, value in raw.items():
                cats[name] = float(p) * value / top if top > 0 else 0.0
            out.append((float(p), cats))
        return out

    def save(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
            pickle.dump({"format": FORMAT, "classifier": self}, tmp)
        os.replace(tmp.name, path)

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


def train(records: list[Record], seed: int = 0, c: float = 8.0) -> FastClassifier:
    """Fit on labelled records (the label is about the response when there is one)."""
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    if len({r.unsafe for r in records}) < 2:
        raise GuardError("training needs both safe and unsafe records")
    counts = _vectorizer().transform([_prepare(r.target) for r in records])
    tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
    features = tfidf.transform(counts)

    def fit(labels):
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=seed)
        return model.fit(features, labels)

    unsafe_model = fit([r.unsafe for r in records])
    category_models = {}
    for name in categories():
        labels = [name in r.categories for r in records]
        if sum(labels) >= MIN_POSITIVES:
            category_models[name] = fit(labels)
    languages: dict[str, int] = {}
    for r in records:
        languages[r.lang] = languages.get(r.lang, 0) + 1
    info = {"records": len(records), "unsafe": sum(r.unsafe for r in records), "languages": languages,
            "categories": sorted(category_models)}  # fmt: skip
    return FastClassifier(tfidf, unsafe_model, category_models, info)


def seed_files() -> list[Path]:
    folder = resources.files("seaforge.guard").joinpath("data")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.startswith("seed") and p.name.endswith(".jsonl"))


def _seed_hash(files: list[Path]) -> str:
    digest = hashlib.sha256(str(FORMAT).encode())
    for path in files:
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
