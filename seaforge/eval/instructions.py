"""Verifiable instruction checks (IFEval-style), language-aware, with a language gate.

An answer in the wrong language fails however well it follows the other constraints, as in
SEA-IFEval: a model that answers a Thai request in English has not served the Thai user.
Word counts use segmentation for scripts without spaces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from seaforge.eval.metrics import words

_BULLET = re.compile(r"^\s*[*\-•]\s+", re.M)
_COMMAS = (",", "،", "，", "、")


def _json_ok(text: str) -> bool:
    body = text.strip().removeprefix("```json").removeprefix("```").removesuffix("```").strip()
    try:
        json.loads(body)
        return True
    except ValueError:
        return False


def _paragraphs(text: str) -> int:
    return len([paragraph for paragraph in re.split(r"\n\s*\n", text.strip()) if paragraph.strip()])


CHECKS: dict[str, Callable[..., bool]] = {
    "max_words": lambda text, lang, n: len(words(text, lang)) <= n,
    "min_words": lambda text, lang, n: len(words(text, lang)) >= n,
    "include_keywords": lambda text, lang, words: all(w.casefold() in text.casefold() for w in words),
    "exclude_keywords": lambda text, lang, words: not any(w.casefold() in text.casefold() for w in words),
    "no_commas": lambda text, lang: not any(c in text for c in _COMMAS),
    "bullet_points": lambda text, lang, n: len(_BULLET.findall(text)) == n,
    "paragraphs": lambda text, lang, n: _paragraphs(text) == n,
    "start_with": lambda text, lang, text_: text.strip().startswith(text_),
    "end_with": lambda text, lang, text_: text.strip().endswith(text_),
    "json_format": lambda text, lang: _json_ok(text),
    "quotation": lambda text, lang: len(text.strip()) > 1 and text.strip()[0] in '"“' and text.strip()[-1] in '"”',
    "title": lambda text, lang: re.search(r"<<[^\n]+>>", text) is not None,
    "lowercase": lambda text, lang: text == text.lower(),
    "uppercase": lambda text, lang: text == text.upper(),
    "placeholders": lambda text, lang, n: len(re.findall(r"\[[^\]\n]+\]", text)) >= n,
}


def check_language(text: str, lang: str) -> bool:
    """True when language ID finds the response in `lang`."""
    from seaforge.text.langid import detect
    from seaforge.text.languages import resolve

    if not text.strip():
        return False
    return detect(text).lang == resolve(lang)


def run_checks(text: str, lang: str, checks: list[dict]) -> dict[str, bool]:
    """Every check's outcome by name, plus `language`; raises on an unknown check type."""
    results = {"language": check_language(text, lang)}
    for n, spec in enumerate(checks):
        spec = dict(spec)
        kind = spec.pop("type", None)
        if kind not in CHECKS:
            raise ValueError(f"check {n}: unknown type {kind!r}; known: {', '.join(CHECKS)}")
        if "text" in spec:
            spec["text_"] = spec.pop("text")
        results[f"{n}:{kind}"] = bool(CHECKS[kind](text, lang, **spec))
    return results


def instruction_score(text: str, lang: str, checks: list[dict]) -> float:
    """1.0 when the response is in the right language and passes every check, else 0.0."""
    return float(all(run_checks(text, lang, checks).values()))
