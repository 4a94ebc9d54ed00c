"""The Latin cluster model: Indonesian, Malay, the Indonesian regional languages, the Philippine
languages and English, told apart by a small fastText model trained on real text.

``detect`` asks it for Latin-script text that CLD2 places in this cluster (or in English, or
nowhere): public detectors do not know Acehnese, Balinese, Buginese, Banjarese or Madurese,
and confuse Indonesian with Malay. Two calibrated levels (weights fitted by
``seaforge.text.langid_train`` on out-of-fold predictions, shipped in the model's JSON):

1. which language, with Indonesian and Malay together as ``msa``: the model's log-probability
   and CLD2's log share for each, weighted, plus a bias per language, plus for ``msa`` the share
   of words that Indonesian or Malay text uses at all (``langid_wordfreq.vocabulary_share``).
   Where the model is sure (``ClusterModel.sure``), CLD2 is not asked and a second set of
   weights, fitted without it, applies;
2. within ``msa``, Indonesian or Malaysian Malay: the counts of documented contrasts
   (``langid_idms``) and the words each standard prefers by wordfreq's frequencies
   (``langid_wordfreq``), weighted, with the classes balanced in the fit.

The answer is P(language) = P1(language), or P1(msa) x P2(id or ms): text that both standards
write alike keeps real probability on both.
"""

from __future__ import annotations

import json
import math
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from seaforge.text.langid_idms import FEATURES as IDMS_FEATURES
from seaforge.text.langid_idms import idms_counts
from seaforge.text.langid_wordfreq import (
    preference_keys,
    preference_score,
    preference_table,
    vocabulary,
    vocabulary_share,
)

MODEL_FILE = "langid_sea.bin"
MODEL_ENV = "SEAFORGE_LANGID_CLUSTER_MODEL"
# fastText's cost grows with the text (~0.1 us a character); 100 characters settle the answer.
FASTTEXT_CHARS = 100
GROUP = "msa"
# Level 1: the model's and CLD2's log-probabilities for every group. (Counts of documented
# Malay-standard forms were tried as Malay evidence too: their fitted weights came out negative,
# since NusaX's regional-language text borrows them, so they only split id from ms.)
LEVEL1_FEATURES = ("fasttext_logp", "cld2_log_share", "malay_vocab_share")
LEVEL2_FEATURES = (*IDMS_FEATURES, "wordfreq_ms_id")
_LOG_FLOOR = math.log(1e-4)
_CLD2_FLOOR = math.log(1e-3)
# The fastText answer's probability above which CLD2 is not asked (``ClusterModel.sure``): it
# saves CLD2's ~6 us on most text. On the shipped model's out-of-fold predictions, asking CLD2
# changed 4 of the 15,175 answers at or above 0.8 and left the number right the same
# (``langid_train`` reports it in the model's JSON at 0.8, 0.9 and 0.95).
SURE = 0.8
_CLD2_CODES = {"jw": "jv", "fil": "tl", "id": GROUP, "ms": GROUP}


class Evidence(NamedTuple):
    """What the cluster model weighs besides the fastText answer (cheap: CLD2 is already run)."""

    clean: str  # Latin text as the models see it (``clean_for_model``)
    idms: list | None  # counts of documented id/ms forms (``langid_idms.FEATURES``); None: not counted yet
    cld2: list | None  # CLD2's (share, "__label__xx") pairs; None: not asked
    words: frozenset | set  # the distinct words of ``clean`` (detect has already split it)
    names: frozenset = frozenset()  # words capitalised inside a sentence (``langid_lexicon.names_in``)

    @classmethod
    def of(cls, text: str) -> Evidence:
        """Evidence for a Latin text, computed as ``detect`` computes it."""
        from seaforge.text.langid import cld2_predictions
        from seaforge.text.langid_lexicon import clean_for_model, names_in

        clean = clean_for_model(text)
        words = set(clean.split())
        return cls(clean, idms_counts(words), cld2_predictions(clean)[0], words, names_in(text))

    def contrasts(self) -> list:
        """``idms``, counted now if detect left it for later (text that cannot be Malay never
        needs it)."""
        return self.idms if self.idms is not None else idms_counts(self.words, self.clean)


# CLD2 labels as seaforge prepares them ("__label__jv" for CLD2's "jw") -> cluster group.
_CLD2_GROUP = {
    f"__label__{c}": _CLD2_CODES.get(c, c)
    for c in ("id", "ms", "tl", "en", "jv", "su", "ceb", "ilo", "min", "ban", "ace", "bug", "bjn", "mad", "jw", "fil")
}


def load_fasttext(path: str | Path):
    """The predict-only fastText object (``fasttext-predict``'s ``.f``)."""
    import fasttext

    return fasttext.load_model(str(path)).f


def model_text(text: str) -> str:
    """The text as the fastText model sees it: ``clean_for_model`` without names (``names_in``)."""
    from seaforge.text.langid_lexicon import clean_for_model, names_in, without_names

    return without_names(clean_for_model(text), names_in(text))


def model_probs(model, text: str) -> dict[str, float]:
    """The model's probability per label (labels without the ``__label__`` prefix)."""
    preds = model.predict(model_text(text)[:FASTTEXT_CHARS] + "\n", -1, 0.0, "strict")
    return {label[9:]: p for p, label in preds}


def _cld2_shares(cld2) -> dict[str, float]:
    shares: dict[str, float] = {}
    for p, label in cld2:
        code = label[9:]
        code = _CLD2_CODES.get(code, code)
        shares[code] = shares.get(code, 0.0) + p
    return shares


def _log(p: float, floor: float) -> float:
    return math.log(p) if p > 0.0 and math.log(p) > floor else floor


def level1_matrix(ev: Evidence, probs: dict[str, float], groups=None):
    """Rows per group: the LEVEL1_FEATURES then a one-hot bias column per group (training)."""
    import numpy as np

    groups = groups or _training_groups()
    shares = _cld2_shares(ev.cld2)
    vocab = vocabulary_share(ev.words - ev.names)
    rows = [
        [_log(probs.get(g, 0.0), _LOG_FLOOR), _log(shares.get(g, 0.0), _CLD2_FLOOR), vocab if g == GROUP else 0.0]
        for g in groups
    ]
    return np.hstack([np.array(rows), np.eye(len(groups))])


def level1_alone_matrix(ev: Evidence, probs: dict[str, float], groups=None):
    """As ``level1_matrix`` for text CLD2 was not asked about: no CLD2 feature."""
    import numpy as np

    groups = groups or _training_groups()
    vocab = vocabulary_share(ev.words - ev.names)
    rows = [[_log(probs.get(g, 0.0), _LOG_FLOOR), vocab if g == GROUP else 0.0] for g in groups]
    return np.hstack([np.array(rows), np.eye(len(groups))])


def _training_groups():
    from seaforge.text.langid_train import GROUPS

    return GROUPS


def level2_vector(ev: Evidence) -> list[float]:
    """LEVEL2_FEATURES: evidence for Malaysian over Indonesian (the id side is the reference).

    CLD2's ms/id odds are not among them: held out, they cost Indonesian accuracy (0.971 without
    against 0.939 with, A→B, bench/bench_langid_idms.py) and add nothing to Malay."""
    return [*map(float, ev.contrasts()), preference_score(ev.words)]


class Posterior:
    """P(language) over a cluster model's languages, built when called (``Detection.scores``).

    ``decide`` finds the answer from the logits alone; the softmax waits until a probability
    is read. One small object rather than closures: a kept Detection then holds two or three
    objects for the garbage collector to walk instead of about seventeen, which made keeping
    results (``detect_batch``, a list of detections) about 1.4x slower than discarding them."""

    __slots__ = ("_model", "_logits", "_top", "_ev", "_q", "base")

    def __init__(self, model: ClusterModel, logits: list[float], top: float, ev: Evidence):
        self._model, self._logits, self._top, self._ev, self._q = model, logits, top, ev, None
        self.base: dict[str, float] | None = None  # keys put first, with their values overwritten

    def p_ms(self) -> float:
        """P(ms | id or ms), level 2 (``ClusterModel.ms_probability``), computed once."""
        if self._q is None:
            self._q, self._ev = self._model.ms_probability(self._ev), None
        return self._q

    def _softmax(self) -> tuple[list[float], float]:
        exp, top = math.exp, self._top
        exps = [exp(v - top) for v in self._logits]
        total = sum(exps)
        if self._q is None and not exps[self._model._msa] > 1e-4 * total:
            self._q, self._ev = 0.5, None  # Malay with no chance: an even split, no level 2
        return exps, 1.0 / total

    def probability(self, lang: str) -> float:
        """P(``lang``) alone, equal to ``self()[lang]`` (detect's confidence) without the dict."""
        exps, inv = self._softmax()
        model = self._model
        if lang in ("id", "ms"):
            p_group, q = inv * exps[model._msa], self.p_ms()
            return p_group * q if lang == "ms" else p_group * (1.0 - q)
        return inv * exps[model.groups.index(lang)]

    def __call__(self) -> dict[str, float]:
        exps, inv = self._softmax()
        out = dict(zip(self._model.groups, map(inv.__mul__, exps)))
        p_group, q = out.pop(GROUP), self.p_ms()
        out["id"] = p_group * (1.0 - q)
        out["ms"] = p_group * q
        return {**self.base, **out} if self.base else out


class ClusterModel:
    """The shipped fastText model and its fitted weights; ``posterior`` gives P(language)."""

    def __init__(self, path: str | Path | None, meta: dict | None = None):
        if path is not None:
            path = Path(path)
            meta = json.loads(path.with_suffix(".json").read_text("utf-8"))
        self.path = path
        self.meta = meta
        self.model = load_fasttext(path) if path is not None else None
        self.groups = tuple(meta["groups"])
        self.langs = tuple(lang for g in self.groups for lang in (("id", "ms") if g == GROUP else (g,)))
        self._k = len(self.groups)
        self._msa = self.groups.index(GROUP)
        self._label_index = {f"__label__{g}": i for i, g in enumerate(self.groups)}
        self._cld2_index = {label: self.groups.index(g) for label, g in _CLD2_GROUP.items() if g in self.groups}
        w1, b1 = meta["level1"], meta["level1_bias"]
        self._w_ft, self._w_cld2, self._w_vocab = (w1[name] for name in LEVEL1_FEATURES)
        # Each group starts at its bias plus the floors; evidence then lifts it off the floors.
        self._base = [b1[g] + self._w_ft * _LOG_FLOOR + self._w_cld2 * _CLD2_FLOOR for g in self.groups]
        w0, b0 = meta["level1_alone"], meta["level1_alone_bias"]
        self._w_ft_alone, self._w_vocab_alone = w0["fasttext_logp"], w0["malay_vocab_share"]
        self._base_alone = [b0[g] + self._w_ft_alone * _LOG_FLOOR for g in self.groups]
        self._vocabulary = vocabulary()
        self._preference = preference_table()
        self._preference_keys = preference_keys()
        self._w2 = [meta["level2"][name] for name in LEVEL2_FEATURES]
        self._bias2 = meta["level2_bias"]
        # Labels sure enough to skip CLD2 (see ``sure``): not English, where foreign text lands
        # when the model has to choose.
        self._sure_labels = frozenset(f"__label__{g}" for g in self.groups if g != "en")

    @classmethod
    def from_weights(cls, weights: dict) -> ClusterModel:
        """The combination alone, without a fastText file (training uses it to check itself)."""
        return cls(None, weights)

    def predict(self, clean: str) -> list:
        # Labels at or below 1e-4 add nothing in ``posterior``: fastText leaves them out.
        return self.model.predict(clean[:FASTTEXT_CHARS] + "\n", self._k, 1e-4, "strict")

    def sure(self, preds: list, threshold: float = SURE) -> bool:
        """CLD2 is not asked: the model is sure of a language other than English.

        Sure of a regional language, CLD2 used to be asked still when the text held a documented
        Indonesian or Malaysian form. On both training groups' out-of-fold predictions that changed
        no answer at 0.8 (``langid_train``'s report), and it sent a quarter of held-out texts to CLD2."""
        return bool(preds) and preds[0][0] >= threshold and preds[0][1] in self._sure_labels

    def posterior(self, ev: Evidence, preds: list) -> dict[str, float]:
        """P(language) over ``self.langs`` (sums to 1); ``preds`` is ``predict(ev.clean)``, and
        ``ev.cld2`` None means CLD2 was not asked (the fastText-only weights apply)."""
        return self.decide(ev, preds)[1]()

    def decide(self, ev: Evidence, preds: list) -> tuple[str, Posterior]:
        """The most probable language and the whole posterior as a ``Posterior``, built when
        called: detect needs it only when ``confidence`` or ``scores`` is read.

        The hot path of detect for cluster text: plain loops over a dozen labels (no numpy,
        whose per-call overhead is larger than the work here). Ties go as ``max`` over the
        posterior's order would send them: groups first, then id, then ms."""
        log, exp = math.log, math.exp
        cld2 = ev.cld2
        if cld2 is None:
            logits, w_ft, w_vocab = self._base_alone[:], self._w_ft_alone, self._w_vocab_alone
        else:
            logits, w_ft, w_vocab = self._base[:], self._w_ft, self._w_vocab
        msa = self._msa
        words = ev.words - ev.names if ev.names else ev.words  # names belong to no vocabulary
        if words:  # vocabulary_share, inlined: this runs for every Latin text
            logits[msa] += w_vocab * (len(words & self._vocabulary) / len(words))
        index = self._label_index
        for p, label in preds:
            i = index.get(label)
            if i is not None and p > 1e-4:
                logits[i] += w_ft * (log(p) - _LOG_FLOOR)
        if cld2:
            shares = [0.0] * self._k
            cindex = self._cld2_index
            for s, label in cld2:
                i = cindex.get(label)
                if i is not None:
                    shares[i] += s  # id and ms shares add up: one group
            w_cld2 = self._w_cld2
            for i, s in enumerate(shares):
                if s > 1e-3:
                    logits[i] += w_cld2 * (log(s) - _CLD2_FLOOR)
        top = max(logits)
        post = Posterior(self, logits, top, ev)
        best = logits.index(top)  # ties: the first group, as ``max`` over the posterior would
        if best != msa:
            return self.groups[best], post
        # Malay leads: level 2 splits it, and the best other group wins if it beats the larger half.
        q = post.p_ms()
        logits[msa] = -math.inf
        second = max(logits)
        other = logits.index(second)
        logits[msa] = top
        if second > -math.inf and exp(second - top) >= (q if q > 0.5 else 1.0 - q):
            return self.groups[other], post
        return ("ms" if q > 0.5 else "id"), post

    def ms_probability(self, ev: Evidence) -> float:
        """Level 2: P(Malaysian | Indonesian or Malaysian), ``level2_vector`` weighed without
        building it (most texts hold no documented contrast, so those terms are skipped)."""
        z, w = self._bias2, self._w2
        idms = ev.contrasts()
        if any(idms):
            for wi, x in zip(w, idms):
                z += wi * x
        hits = ev.words & self._preference_keys  # preference_score, inlined
        if hits:
            z += w[-1] * math.fsum(map(self._preference.__getitem__, hits))
        return 1.0 / (1.0 + math.exp(-z)) if z > -50 else 0.0


@cache
def _bundled_path() -> Path:
    return Path(str(resources.files("seaforge.text").joinpath("data", MODEL_FILE)))


_CURRENT: ClusterModel | None = None


def cluster_model_path() -> Path:
    """$SEAFORGE_LANGID_CLUSTER_MODEL, else the model shipped in the package."""
    env = os.environ.get(MODEL_ENV)
    return Path(env) if env else _bundled_path()


def cluster_model() -> ClusterModel:
    """The cluster model in use (loaded on first use)."""
    global _CURRENT
    if _CURRENT is None:
        path = cluster_model_path()
        if not path.is_file():
            raise FileNotFoundError(f"cluster language-ID model not found at {path} (set ${MODEL_ENV})")
        _CURRENT = ClusterModel(path)
    return _CURRENT


def use_cluster_model(path: str | Path | None) -> None:
    """Switch ``detect`` to another cluster model file (None: back to the default on next use)."""
    global _CURRENT
    _CURRENT = ClusterModel(path) if path is not None else None
