"""SEA-HELM's protocol: its task list per language, its scoring rules and its results file.

The facts here (task and competency names, the task list per language, which tasks base models
skip, hub dataset names and splits, metric key names) are read from aisingapore/SEA-HELM at
commit 6844e6c (`seahelm_tasks/task_config.yaml`, `seahelm_tasks/constants.yaml` and the task
configs); the code is ours. `--protocol seahelm` (the default) applies them; `--protocol
seaforge` keeps seaforge's earlier rules (every task with a prompt, plain accuracy, normalized
scores not clipped, every task its own entry in the competency mean).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SEAHELM_COMMIT = "6844e6c5cae439a413281df31271d388fcbad12f"

# task_config.yaml: the `seahelm` suite (generation) and the `seahelm_logprobs` suite, per language.
SUITES: dict[str, dict[str, list[str]]] = {
    "seahelm": {
        "id": [
            "sentiment",
            "qa",
            "metaphor",
            "toxicity",
            "translation-en-xx",
            "translation-xx-en",
            "abssum",
            "causal",
            "nli",
            "syntax-criteria",
            "mp-r",
            "pragmatic-single",
            "pragmatic-pair",
            "if-eval",
            "mt-bench-judge",
            "global_mmlu_lite",
        ],
        "vi": [
            "sentiment",
            "qa",
            "toxicity",
            "translation-en-xx",
            "translation-xx-en",
            "abssum",
            "causal",
            "nli",
            "if-eval",
            "mt-bench-judge",
            "global_mmlu_lite",
        ],
        "th": [
            "sentiment",
            "qa",
            "toxicity",
            "translation-en-xx",
            "translation-xx-en",
            "abssum",
            "causal",
            "nli",
            "if-eval",
            "thai_exam",
            "mt-bench-judge",
        ],
        "ta": [
            "sentiment",
            "qa",
            "translation-en-xx",
            "translation-xx-en",
            "abssum",
            "causal",
            "nli",
            "if-eval",
            "mt-bench-judge",
            "mp-r",
            "pragmatic-single",
            "pragmatic-pair",
        ],
        "tl": [
            "sentiment",
            "belebele-qa-mc",
            "toxicity",
            "translation-en-xx",
            "translation-xx-en",
            "abssum",
            "causal",
            "nli",
            "if-eval",
            "mt-bench-judge",
            "kalahi-mc",
            "kalahi-judge",
            "global_mmlu_lite",
        ],
        "ms": [
            "sentiment",
            "belebele-qa-mc",
            "toxicity",
            "translation-en-xx",
            "translation-xx-en",
            "if-eval",
            "mt-bench-judge",
            "global_mmlu_lite",
        ],
        "my": [
            "sentiment",
            "belebele-qa-mc",
            "toxicity",
            "translation-en-xx",
            "translation-xx-en",
            "abssum",
            "causal",
            "nli",
            "if-eval",
            "global_mmlu_lite",
        ],
    },  # fmt: skip
    "seahelm_logprobs": {
        "id": [
            "sentiment-logprobs",
            "qa",
            "metaphor-logprobs",
            "toxicity-logprobs",
            "translation-en-xx",
            "translation-xx-en",
            "abssum",
            "causal-logprobs",
            "nli-logprobs",
            "syntax-criteria",
            "mp-r-logprobs",
            "pragmatic-single-logprobs",
            "pragmatic-pair-logprobs",
            "if-eval",
            "mt-bench-judge",
            "global_mmlu_lite-logprobs",
        ],
        "vi": [
            "sentiment-logprobs",
            "qa",
            "toxicity-logprobs",
            "translation-en-xx",
            "translation-xx-en",
            "abssum",
            "causal-logprobs",
            "nli-logprobs",
            "if-eval",
            "mt-bench-judge",
            "global_mmlu_lite-logprobs",
        ],
        "th": [
            "sentiment-logprobs",
            "qa",
            "toxicity-logprobs",
            "translation-en-xx",
            "translation-xx-en",
            "abssum",
            "causal-logprobs",
            "nli-logprobs",
            "if-eval",
            "thai_exam-logprobs",
            "mt-bench-judge",
        ],
        "ta": [
            "sentiment-logprobs",
            "qa",
            "translation-en-xx",
            "translation-xx-en",
            "abssum",
            "causal-logprobs",
            "nli-logprobs",
            "if-eval",
            "mt-bench-judge",
            "mp-r-logprobs",
            "pragmatic-single-logprobs",
            "pragmatic-pair-logprobs",
        ],
        "tl": [
            "sentiment-logprobs",
            "belebele-qa-mc-logprobs",
            "toxicity-logprobs",
            "translation-en-xx",
            "translation-xx-en",
            "abssum",
            "causal-logprobs",
            "nli-logprobs",
            "if-eval",
            "mt-bench-judge",
            "kalahi-mc-logprobs",
            "kalahi-judge",
            "global_mmlu_lite-logprobs",
        ],
        "ms": [
            "sentiment-logprobs",
            "belebele-qa-mc-logprobs",
            "toxicity-logprobs",
            "translation-en-xx",
            "translation-xx-en",
            "if-eval",
            "mt-bench-judge",
            "global_mmlu_lite-logprobs",
        ],
        "my": [
            "sentiment-logprobs",
            "belebele-qa-mc-logprobs",
            "toxicity-logprobs",
            "translation-en-xx",
            "translation-xx-en",
            "abssum",
            "causal-logprobs",
            "nli-logprobs",
            "if-eval",
            "global_mmlu_lite-logprobs",
        ],
    },  # fmt: skip
}
SUITE_ALIASES = {"seahelm-logprobs": "seahelm_logprobs"}

# SEA-HELM entries seaforge runs under another name or not at all (said in `skipped`, never silent).
RUN_AS = {"mt-bench-judge": "mt-bench"}  # SEA-HELM's criteria-judged MT-Bench; ours is pairwise win rate
NOT_IMPLEMENTED = {
    "syntax-criteria": "LINDSEA syntax judged by an LLM against criteria: not implemented in seaforge",
    "kalahi-judge": "Kalahi judged by an LLM against criteria: not implemented in seaforge",
}
# constants.yaml `base_models_skip_tasks`: chat-only tasks, skipped for base models.
BASE_MODEL_SKIP = ("mt-bench", "mt-bench-101", "kalahi-mc", "kalahi-mc-logprobs", "if-eval", "ifeval")

# The hub datasets SEA-HELM reads today: load_dataset(name, config, split="eval" | "examples").
HUB_DATASETS = {
    "sentiment": "aisingapore/NLU-Sentiment-Analysis",
    "qa": "aisingapore/NLU-Question-Answering",
    "belebele-qa-mc": "aisingapore/NLU-Belebele-MCQA",
    "metaphor": "aisingapore/NLU-Metaphor",
    "toxicity": "aisingapore/Safety-Toxicity-Detection",
    "translation-en-xx": "aisingapore/NLG-Machine-Translation",
    "translation-xx-en": "aisingapore/NLG-Machine-Translation",
    "translation-id-xx": "aisingapore/NLG-Machine-Translation",
    "translation-xx-id": "aisingapore/NLG-Machine-Translation",
    "abssum": "aisingapore/NLG-Abstractive-Summarization",
    "causal": "aisingapore/NLR-Causal-Reasoning",
    "nli": "aisingapore/NLR-NLI",
    "if-eval": "aisingapore/Instruction-Following-IFEval",
    "mt-bench": "aisingapore/MultiTurn-Chat-MT-Bench",
    "mp-r": "aisingapore/Linguistic-Diagnostics-Syntax",
    "pragmatic-single": "aisingapore/Linguistic-Diagnostics-Pragmatics",
    "pragmatic-pair": "aisingapore/Linguistic-Diagnostics-Pragmatics",
    "kalahi-mc": "aisingapore/Cultural-Evaluation-Kalahi",
    "thai_exam_a_level": "typhoon-ai/thai_exam",
}

# Our metric -> the key names SEA-HELM's metric classes write (raw, normalized).
RESULT_KEYS = {
    "balanced_accuracy": ("accuracy", "normalized_accuracy"),
    "accuracy": ("accuracy", "normalized_accuracy"),
    "macro_f1": ("macro_f1", "normalized_macro_f1"),
    "chrf_pp": ("chrf_score", "normalized_chrf_score"),
    "metricx": ("metricx_wmt24_scores", "normalized_metricx_wmt24_scores"),
    "squad_f1": ("f1", "normalized_f1"),
    "rouge_l": ("rougel_f1", "normalized_rougel_f1"),
    "instruction_accuracy": ("overall_acc", "overall_lang_normalized_acc"),
    "win_rate": ("win_rate", "weighted_win_rate"),
    "pair_accuracy": ("accuracy", "normalized_accuracy"),
    "gold_probability": ("average_cumulative_probabilities", "average_cumulative_probabilities"),
}


@dataclass(frozen=True)
class Protocol:
    name: str
    suite_per_language: bool  # `--tasks seahelm` = SEA-HELM's task list per language
    balanced_accuracy: bool  # choice tasks scored with balanced accuracy (a constant answer scores chance)
    clip: bool  # normalized scores clipped at 0: max((score - baseline) / (max - baseline), 0)
    groups: bool  # tasks of one aggregation group (en->xx and xx->en) averaged before the competency mean
    skip_chat_only_on_base: bool  # SEA-HELM's base_models_skip_tasks


PROTOCOLS = {
    "seahelm": Protocol("seahelm", True, True, True, True, True),
    "seaforge": Protocol("seaforge", False, False, False, False, False),
}
DEFAULT_PROTOCOL = "seahelm"


def get_protocol(name: str) -> Protocol:
    from seaforge.errors import UserError

    try:
        return PROTOCOLS[name]
    except KeyError:
        raise UserError(f"--protocol must be one of {', '.join(PROTOCOLS)}, not {name!r}") from None


def suite_entries(suite: str, lang: str) -> list[str]:
    """SEA-HELM's task names for one language of a suite ([] when the language is not in it)."""
    return list(SUITES[SUITE_ALIASES.get(suite, suite)].get(lang, []))


def clip_normalized(value, clip: bool):
    """SEA-HELM clips normalized scores at 0 (a float or an array; NaN stays NaN)."""
    if not clip:
        return value
    import numpy as np

    clipped = np.maximum(value, 0.0)
    return clipped if isinstance(value, np.ndarray) else float(clipped)


# --- SEA-HELM's results file --------------------------------------------------------------------

SEAHELM_RESULTS_FILE = "seahelm_results.json"


def _task_entry(summary: dict, metric: str) -> dict:
    raw_key, norm_key = RESULT_KEYS.get(metric, (metric, f"normalized_{metric}"))
    entry = {raw_key: summary.get(metric), norm_key: summary.get(f"normalized_{metric}")}
    for key in ("macro_f1", "null_weighted_f1", "null_count"):
        if key in summary and key not in entry:
            entry[key] = summary[key]
    entry["stderr"] = summary.get("normalized_stderr")
    entry["n"] = summary.get("n")
    return entry


def seahelm_results(report: dict) -> dict:
    """Our results in SEA-HELM's layout: `{lang: {competency: {task: {metric: v}, group: v, "total": v},
    "total": v}, "total": v}` with SEA-HELM's metric key names, so its tooling reads it."""
    tasks_meta = report.get("tasks", {})
    aggregate = report["aggregate"]
    out: dict = {}
    for lang, comps in report["results"].items():
        lang_agg = aggregate["languages"].get(lang, {})
        lang_out: dict = {}
        for comp, tasks in comps.items():
            comp_out: dict = {}
            for task, summary in tasks.items():
                metric = (tasks_meta.get(task) or {}).get("metric") or summary.get("metric", "")
                comp_out[task] = _task_entry(summary, metric)
            comp_agg = lang_agg.get("competencies", {}).get(comp, {})
            for group, entry in (comp_agg.get("groups") or {}).items():
                comp_out[group] = entry["score"]
            comp_out["total"] = comp_agg.get("score")
            lang_out[comp] = comp_out
        lang_out["total"] = lang_agg.get("score")
        out[lang] = lang_out
    out["total"] = aggregate["sea_average"]["score"]
    return out


def write_seahelm_results(report: dict, out_dir: str | Path) -> Path:
    from seaforge.eval.runner import write_json_atomic

    path = Path(out_dir) / SEAHELM_RESULTS_FILE
    write_json_atomic(path, seahelm_results(report))
    return path


# --- choosing tasks -----------------------------------------------------------------------------

CHAT_ONLY_NOTE = "chat-only task; SEA-HELM skips it for base models (run it with --mode instruct on a chat model)"


@dataclass
class Selection:
    """The tasks `--tasks` names, with the languages each runs in when a SEA-HELM suite chose it."""

    tasks: list  # list[Task]
    languages: dict[str, set[str]]  # task name -> languages (only tasks chosen by a suite alone)
    unavailable: list[dict]  # SEA-HELM suite entries seaforge cannot run: {"task", "lang", "reason"}


def select_suite(spec: str, protocol: Protocol | str = DEFAULT_PROTOCOL) -> Selection:
    """Tasks for `--tasks`. Under the seahelm protocol a suite (`seahelm`, `seahelm_logprobs`) is
    SEA-HELM's task list per language, not every task that has a prompt; names, groups,
    competencies and YAML paths run in every asked language, as under `seaforge`."""
    from seaforge.eval.tasks import bundled_tasks, select_tasks

    protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
    parts = [part.strip() for part in spec.split(",") if part.strip()]
    suites = [part for part in parts if SUITE_ALIASES.get(part, part) in SUITES]
    if not protocol.suite_per_language or not suites:
        return Selection(select_tasks(spec), {}, [])
    others = select_tasks(",".join(part for part in parts if part not in suites)) if len(suites) < len(parts) else []
    bundled = bundled_tasks()
    chosen: dict = {}
    languages: dict[str, set[str]] = {}
    unavailable: list[dict] = []
    for suite in suites:
        for lang in SUITES[SUITE_ALIASES.get(suite, suite)]:
            for entry in suite_entries(suite, lang):
                if entry in NOT_IMPLEMENTED:
                    unavailable.append({"task": entry, "lang": lang, "reason": NOT_IMPLEMENTED[entry]})
                    continue
                name = RUN_AS.get(entry, entry)
                group = [task for task in bundled.values() if task.aggregation_group == name]
                matched = [bundled[name]] if name in bundled else group
                if not matched:
                    unavailable.append({"task": entry, "lang": lang, "reason": "no seaforge task of that name"})
                for task in matched:
                    chosen[task.name] = task
                    languages.setdefault(task.name, set()).add(lang)
    for task in others:  # named on their own: every asked language
        chosen[task.name] = task
        languages.pop(task.name, None)
    return Selection(list(chosen.values()), languages, unavailable)


def for_protocol(task, protocol: Protocol):
    """The task as the protocol scores it: SEA-HELM's choice accuracy is balanced accuracy."""
    if protocol.balanced_accuracy and task.kind == "choice" and task.metric == "accuracy":
        return task.model_copy(update={"metric": "balanced_accuracy"})
    return task


TRANSLATION_METRIC_NOTE = (
    "chrF++ (sacrebleu CHRF(word_order=2), on segmented words for unspaced scripts): SEA-HELM scores "
    "translation with MetricX-24 (google/metricx-24-hybrid-xxl, a GPU model), which seaforge does not run; "
    "chrF++ is not on MetricX's scale, so translation scores are comparable to SEA-HELM's chrF++ runs only"
)


def metric_notes(tasks) -> dict[str, str]:
    """What each reported metric is, for the results file and the leaderboard."""
    notes = {}
    for task in tasks:
        if task.metric == "chrf_pp":
            notes[task.name] = TRANSLATION_METRIC_NOTE
        elif task.metric == "balanced_accuracy":
            notes[task.name] = "balanced accuracy (mean recall over gold labels), as SEA-HELM's `accuracy`"
        elif task.metric == "gold_probability":
            notes[task.name] = "mean probability of the gold answer x 100 (SEA-HELM's average_cumulative_probabilities)"
    return notes
