"""The guard's cascade: hard-block rules, then the fast classifiers, then (only where they are unsure)
a generative guard model. The result says which stage decided.

The fast stage is the term classifier (precise phrases) and the trained classifier (character
n-grams) together: a category's score is the higher of the two. Code-switched text is judged whole
and per language span; the worst wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from seaforge.guard.classify import _scores
from seaforge.guard.policy import GuardError, Policy, categories, load_policy, taxonomy
from seaforge.guard.rules import load_rules, match_rules

MAX_CHARS = 20_000  # longer texts are judged on their first 20,000 characters (result: truncated)
MIN_SPAN_CHARS = 12  # shorter language spans are too little text to judge alone
SURE_MONOLINGUAL = 0.95  # language ID this confident: the text is not code-switched
UNSURE = (0.3, 0.7)  # fast scores in [low, high) go to the generative guard, when there is one


@dataclass
class GuardResult:
    unsafe: bool
    score: float  # the highest score among the policy's enabled categories
    categories: list[dict]  # flagged: [{"name", "score", "severity"}], worst first
    scores: dict[str, float]  # every category
    policy: str
    stage: str  # empty, rules, fast or generative
    language: str = "und"
    truncated: bool = False
    matches: list[str] = field(default_factory=list)  # rules and phrases hit (for logs, not for users)

    @property
    def flagged(self) -> bool:  # the OpenAI moderation word for it
        return self.unsafe

    def as_json(self) -> dict:
        return {"unsafe": self.unsafe, "score": round(self.score, 4), "categories": self.categories,
                "policy": self.policy, "stage": self.stage, "language": self.language,
                "truncated": self.truncated}  # fmt: skip

    def as_openai(self) -> dict:
        flagged = {c["name"] for c in self.categories}
        return {
            "flagged": self.unsafe,
            "categories": {name: name in flagged for name in self.scores},
            "category_scores": {name: round(value, 4) for name, value in self.scores.items()},
        }


def _detect(text: str) -> tuple[str, float]:
    from seaforge.text.langid import detect

    try:
        found = detect(text)
        return found.lang, float(found.confidence)
    except Exception:  # language is informational: never fail a check over it
        return "und", 0.0


class Guard:
    """`Guard("th").check("...")`; `classifier`: "default" (the shipped one, trained on our seed),
    a path from `seaforge guard train`, or None for phrases only."""

    def __init__(self, policy: str | Policy = "default", *, classifier="default", rules: list[Path] | None = None,
                 generative=None, unsure: tuple[float, float] = UNSURE):  # fmt: skip
        from seaforge.guard.learned import FastClassifier, default_classifier

        self.policy = policy if isinstance(policy, Policy) else load_policy(policy)
        if classifier == "default":
            classifier = default_classifier()
        elif classifier is not None and not isinstance(classifier, FastClassifier):
            classifier = FastClassifier.load(Path(classifier))
        self.classifier, self.generative = classifier, generative
        self.rules = load_rules(rules)
        if not 0 <= unsure[0] <= unsure[1] <= 1:
            raise GuardError(f"unsure band {unsure} must satisfy 0 <= low <= high <= 1")
        self.unsure = unsure

    def _views(self, text: str, confidence: float = 0.0) -> list[str]:
        from seaforge.text.langid import detect_spans

        views = [text]
        if len(text) < 2 * MIN_SPAN_CHARS or confidence >= SURE_MONOLINGUAL:
            return views  # one language for sure: span detection (about 1 ms) would find one span
        try:
            found = detect_spans(text)
        except Exception:  # spans only add views: never fail a check over them
            return views
        if len(set(found.langs)) > 1:
            views += [
                text[s.start : s.end] for s in found.spans if len(text[s.start : s.end].strip()) >= MIN_SPAN_CHARS
            ]
        return views

    def fast_scores(self, text: str, confidence: float = 0.0, spans: bool = True) -> tuple[dict[str, float], list[str]]:
        views = self._views(text, confidence) if spans else [text]
        best = dict.fromkeys(categories(), 0.0)
        matches: list[str] = []
        learned = self.classifier.scores(views) if self.classifier is not None else []
        for i, view in enumerate(views):
            term_scores, found = _scores(view)
            matches += [m for m in found if m not in matches]
            for name in best:
                value = max(term_scores[name], learned[i][1][name] if learned else 0.0)
                best[name] = max(best[name], value)
        return best, matches

    def _result(self, scores: dict[str, float], stage: str, language: str, truncated: bool, matches) -> GuardResult:
        severity = {name: c.default_severity for name, c in taxonomy().items()}
        enabled = {name: rule for name, rule in self.policy.categories.items() if rule.enabled}
        flagged = [
            {"name": name, "score": round(scores[name], 4), "severity": severity[name]}
            for name, rule in enabled.items()
            if scores[name] > 0 and scores[name] >= rule.threshold
        ]
        flagged.sort(key=lambda c: (-c["score"], -c["severity"]))
        top = max((scores[name] for name in enabled), default=0.0)
        return GuardResult(bool(flagged), top, flagged, scores, self.policy.name, stage, language, truncated, matches)

    def check(self, text: str, response: str | None = None, spans: bool = True) -> GuardResult:
        """Judge a prompt (response None) or a response to it. `spans=False` judges the text whole
        only (a streamed answer checked every few words: its spans cost about 1 ms a check)."""
        if not isinstance(text, str) or (response is not None and not isinstance(response, str)):
            raise GuardError("text and response must be strings")
        target = response if response else text
        if not target.strip():
            return GuardResult(False, 0.0, [], dict.fromkeys(categories(), 0.0), self.policy.name, "empty")
        truncated = len(target) > MAX_CHARS
        target = target[:MAX_CHARS]
        language, confidence = _detect(target)
        hits = match_rules(target, self.rules)
        if hits:
            scores = dict.fromkeys(categories(), 0.0)
            for rule in hits:
                scores[rule.category] = 1.0
            result = self._result(scores, "rules", language, truncated, [f"rule:{r.name}" for r in hits])
            if result.unsafe:
                return result
        scores, matches = self.fast_scores(target, confidence, spans)
        result = self._result(scores, "fast", language, truncated, matches)
        low, high = self.unsure
        if self.generative is not None and low <= result.score < high:
            verdict = self.generative.check(text[:MAX_CHARS], response[:MAX_CHARS] if response else None)
            if verdict.unsafe is not None:
                return self._decide(result, verdict)
        return result

    def _decide(self, fast: GuardResult, verdict) -> GuardResult:
        """Where the fast stage was unsure, the generative guard's answer sets the scores: unsafe raises
        the categories it names (or the fast stage's likeliest) to its own score, safe caps every score."""
        scores = dict(fast.scores)
        score = verdict.score if verdict.score is not None else (1.0 if verdict.unsafe else 0.0)
        if verdict.unsafe:
            named = [c for c in verdict.categories if c in scores] or [max(scores, key=scores.get)]
            for name in named:
                scores[name] = max(scores[name], score)
        else:
            scores = {name: min(value, score) for name, value in scores.items()}
        return self._result(scores, "generative", fast.language, fast.truncated, fast.matches)

    def check_many(self, items: list[tuple[str, str | None]]) -> list[GuardResult]:
        return [self.check(text, response) for text, response in items]
