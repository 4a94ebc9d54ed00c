"""seaforge guard: the moderation layer of ``seaforge serve``.

A taxonomy of harm categories (taxonomy.yaml), per-country policies (policies/*.yaml), a fast
offline term-based classifier over 12 Southeast Asian languages and their code-switched forms,
and short refusals in the user's language. Trained classifiers will plug in behind ``moderate``.
"""

from seaforge.guard.classify import Verdict, moderate, moderate_one, warm_up
from seaforge.guard.policy import (
    POLICY_NAMES,
    Category,
    CategoryRule,
    GuardError,
    Policy,
    categories,
    load_policy,
    taxonomy,
)
from seaforge.guard.refusals import refusal, refusal_for

__all__ = [
    "POLICY_NAMES",
    "Category",
    "CategoryRule",
    "GuardError",
    "Policy",
    "Verdict",
    "categories",
    "load_policy",
    "moderate",
    "moderate_one",
    "refusal",
    "refusal_for",
    "taxonomy",
    "warm_up",
]
