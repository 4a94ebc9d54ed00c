"""Run one task in one language for one seed: build requests, infer through the cache, score items."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from seaforge.errors import UserError
from seaforge.eval import judge, metrics, prompts
from seaforge.eval.backends import Backend, BackendError, Progress
from seaforge.eval.cache import InferenceCache, LLRequest, cached_call, make_gen
from seaforge.eval.instructions import run_checks
from seaforge.eval.items import Item, Loaded
from seaforge.eval.tasks import Task, TaskError


@dataclass
class Context:
    backend: Backend
    cache: InferenceCache
    mode: str = "instruct"  # "instruct": zero-shot chat; "base": k-shot completion
    choice_scoring: str = "generate"  # or "loglikelihood"
    temperature: float = 0.0
    judge: Backend | None = None
    on_done: Progress | None = None
    max_tokens: int | None = None  # caps every task's generation length (quick demos)
    fewshot_dropped: int = 0  # prompts that lost few-shot examples to fit the model's context
    truncated: int = 0  # prompts still too long without examples: the backend cuts their start
    num_fewshot: int | None = None  # overrides every task's k (--num-fewshot)
    system_instruction: str | None = None  # a system turn (instruct) or the prompt's first paragraph (base)
    gen_kwargs: dict = field(default_factory=dict)  # --gen-kwargs: top_p, max_new_tokens, stop

    def fit(self, build: Callable[[list[Item]], list], examples: list[Item]) -> list:
        """The requests `build(examples)` makes, with trailing examples dropped until they fit.

        Long prompts must keep their end (the question and the answer cue): examples go first,
        and what still does not fit is cut from the left by the backend. Both are counted.
        """
        fits = getattr(self.backend, "fits", None)  # backends that know their context length
        requests = build(examples)
        if fits is None or all(fits(request) for request in requests):
            return requests
        for keep in range(len(examples) - 1, -1, -1):
            requests = build(examples[:keep])
            if all(fits(request) for request in requests):
                self.fewshot_dropped += 1
                return requests
        self.fewshot_dropped += bool(examples)
        self.truncated += 1
        return requests

    def generate(self, requests: list) -> list[str]:
        """Answers, each cut at its request's first stop sequence: what a model writes after its
        answer (the next few-shot example, a second answer) is never scored."""
        outputs = cached_call(
            self.cache, self.backend.fingerprint, requests, self.backend.generate, on_done=self.on_done
        )
        return [prompts.cut_at_stop(output, request.stop) for request, output in zip(requests, outputs)]

    def make_gen(self, messages: list[dict] | None = None, prompt: str | None = None, **kwargs):
        """A generation request with the run's settings: system instruction, top_p, extra stops."""
        if self.system_instruction:
            if messages is not None:
                messages = [{"role": "system", "content": self.system_instruction}, *messages]
            else:
                prompt = f"{self.system_instruction}\n\n{prompt or ''}"
        stop = (*kwargs.pop("stop", ()), *self.gen_kwargs.get("stop", ()))
        return make_gen(messages=messages, prompt=prompt, top_p=self.gen_kwargs.get("top_p"), stop=stop, **kwargs)

    def loglikelihood(self, requests: list) -> list[float]:
        if not self.backend.supports_loglikelihood:
            raise BackendError(f"{self.backend.info['model']} cannot score log-likelihoods")
        return cached_call(
            self.cache, self.backend.fingerprint, requests, self.backend.loglikelihood, on_done=self.on_done
        )


def _max_tokens(task: Task, ctx: Context) -> int:
    if ctx.gen_kwargs.get("max_new_tokens"):
        return ctx.gen_kwargs["max_new_tokens"]
    return min(task.max_tokens, ctx.max_tokens) if ctx.max_tokens else task.max_tokens


def fewshot_k(task: Task, ctx: Context) -> int:
    """Examples in a prompt: --num-fewshot when given, else the task's count for the mode."""
    return ctx.num_fewshot if ctx.num_fewshot is not None else task.fewshot.get(ctx.mode, 0)


_k = fewshot_k

# --gen-kwargs: key -> (type, check, what it must be). `stop` may repeat; `\n` in it is a newline.
GEN_KWARGS = {
    "temperature": (float, lambda value: value >= 0, "a number >= 0"),
    "top_p": (float, lambda value: 0 < value <= 1, "a number in (0, 1]"),
    "max_new_tokens": (int, lambda value: value >= 1, "an integer >= 1"),
    "stop": (str, lambda value: value != "", "a non-empty string"),
}
GEN_KWARGS_ALIASES = {"max_tokens": "max_new_tokens", "until": "stop", "max_gen_toks": "max_new_tokens"}


def parse_gen_kwargs(text: str | None) -> dict:
    """`temperature=0.7,top_p=0.9,max_new_tokens=64,stop=\\n\\n` -> checked settings; a UserError
    naming the key for anything else. `stop` may be given more than once."""
    settings: dict = {}
    for part in [part for part in (text or "").split(",") if part.strip()]:
        key, sep, value = part.partition("=")
        if not sep:
            raise UserError(f"--gen-kwargs: {part.strip()!r} is not key=value (e.g. temperature=0.7,top_p=0.9)")
        key = key.strip()
        if key == "stop" or GEN_KWARGS_ALIASES.get(key) == "stop":
            value = value.replace("\\n", "\n").replace("\\t", "\t")  # typed on a command line
            settings.setdefault("stop", []).append(value)
        else:
            settings[key] = value.strip()
    return check_gen_kwargs(settings)


def _convert(kind: type, raw):
    if isinstance(raw, bool) or (kind is str and not isinstance(raw, str)):
        return None
    if kind is int:
        return int(raw.strip()) if isinstance(raw, str) else int(raw) if float(raw).is_integer() else None
    if kind is float:
        value = float(raw)
        return value if math.isfinite(value) else None
    return raw


def check_gen_kwargs(settings: dict) -> dict:
    """The settings with canonical keys and typed values; a UserError naming a bad key or value."""
    checked: dict = {}
    for key, value in (settings or {}).items():
        name = GEN_KWARGS_ALIASES.get(key, key)
        if name not in GEN_KWARGS:
            known = ", ".join(GEN_KWARGS)
            raise UserError(f"--gen-kwargs: unknown key {key!r}; known: {known}")
        kind, ok, what = GEN_KWARGS[name]
        values = value if name == "stop" and isinstance(value, list | tuple) else [value]
        typed = []
        for raw in values:
            try:
                one = _convert(kind, raw)
            except (TypeError, ValueError):
                one = None
            if one is None or not ok(one):
                raise UserError(f"--gen-kwargs: {key} must be {what}, not {raw!r}")
            typed.append(one)
        checked[name] = tuple(typed) if name == "stop" else typed[0]
    return checked


def choice_scoring(task: Task, ctx: Context) -> str:
    """How a choice task is answered: generate, loglikelihood (the option labels) or cloze (each
    option's own text). A task's `scoring` field wins over --choice-scoring."""
    return getattr(task, "scoring", None) or ctx.choice_scoring


def _gen_request(task: Task, item: Item, loaded: Loaded, seed: int, ctx: Context):
    max_tokens = _max_tokens(task, ctx)
    examples = prompts.pick_fewshot(loaded.fewshot, item, _k(task, ctx), seed)
    if ctx.mode == "instruct":  # examples (k is 0 unless asked) go as user/assistant turns
        return ctx.fit(
            lambda shots: [
                ctx.make_gen(
                    messages=prompts.instruct_messages(task, item, shots),
                    max_tokens=max_tokens,
                    temperature=ctx.temperature,
                    seed=seed,
                )
            ],
            examples,
        )[0]
    return ctx.fit(
        lambda shots: [
            ctx.make_gen(
                prompt=prompts.base_prompt(task, item, shots),
                max_tokens=max_tokens,
                temperature=ctx.temperature,
                seed=seed,
                stop=prompts.base_stops(task, item.lang),
            )
        ],
        examples,
    )[0]


def count_requests(task: Task, n_items: int, ctx: Context) -> int:
    """Inference calls one seed of this task needs (for progress bars)."""
    if task.kind == "choice" and choice_scoring(task, ctx) in ("loglikelihood", "cloze"):
        return n_items * len(task.labels)
    if task.kind == "pairs":
        return 2 * n_items
    return n_items


def run_choice(task: Task, loaded: Loaded, seed: int, ctx: Context) -> list[dict]:
    scoring = choice_scoring(task, ctx)
    if scoring in ("loglikelihood", "cloze"):
        return _choice_by_loglikelihood(task, loaded, seed, ctx, cloze=scoring == "cloze")
    outputs = ctx.generate([_gen_request(task, item, loaded, seed, ctx) for item in loaded.items])
    records = []
    for item, output in zip(loaded.items, outputs):
        pred = prompts.extract_choice(task, item.lang, output)
        records.append(
            {"id": item.id, "pred": pred, "gold": item.label, "score": float(pred == item.label), "output": output}
        )
    return records


def choice_requests(task: Task, item: Item, shots: list[Item], cloze: bool = False) -> list[LLRequest]:
    """One request per option, all after the same context. Letter scoring: the prompt with its
    lettered options, each label's answer word as continuation. Cloze: the question alone, each
    option's own text as continuation."""
    if cloze:
        context = prompts.cloze_prompt(task, item, shots)
        texts = prompts.cloze_options(task, item)
    else:
        context = prompts.base_prompt(task, item, shots)
        texts = task.languages[item.lang].options
    return [LLRequest(context, " " + texts[label]) for label in task.labels]


def _choice_by_loglikelihood(task: Task, loaded: Loaded, seed: int, ctx: Context, cloze: bool = False) -> list[dict]:
    requests, lengths = [], []
    for item in loaded.items:
        examples = prompts.pick_fewshot(loaded.fewshot, item, _k(task, ctx), seed)
        # Every option is scored after the same context: fit them together.
        requests += ctx.fit(lambda shots, item=item: choice_requests(task, item, shots, cloze), examples)
        if cloze:  # lm-evaluation-harness acc_norm: log-likelihood per character of the option
            lengths.append([max(1, len(request.continuation.strip())) for request in requests[-len(task.labels) :]])
    scores = ctx.loglikelihood(requests)
    records, n_options = [], len(task.labels)
    for index, item in enumerate(loaded.items):
        option_scores = scores[index * n_options : (index + 1) * n_options]
        pred = task.labels[max(range(n_options), key=option_scores.__getitem__)]
        record = {
            "id": item.id,
            "pred": pred,
            "gold": item.label,
            "score": float(pred == item.label),
            "logprobs": option_scores,
        }
        if cloze:
            per_char = [value / length for value, length in zip(option_scores, lengths[index])]
            pred_norm = task.labels[max(range(n_options), key=per_char.__getitem__)]
            record.update(pred_norm=pred_norm, score_norm=float(pred_norm == item.label))
        records.append(record)
    return records


def norm_summary(per_seed: dict[int, list[dict]]) -> dict:
    """For cloze runs, lm-evaluation-harness's pair: `acc` (plain accuracy of the most likely
    option) and `acc_norm` (of the most likely per character), 0-100 averaged over seeds, each
    with its bootstrap standard error (NaN for one item)."""
    import numpy as np

    from seaforge.eval.bootstrap import standard_error

    seeds = sorted(per_seed)
    if not all(record.get("score_norm") is not None for seed in seeds for record in per_seed[seed]):
        return {}
    n_items = len(per_seed[seeds[0]])
    summary = {}
    for name, key in (("acc", "score"), ("acc_norm", "score_norm")):
        vectors = [np.array([record[key] for record in per_seed[seed]], dtype=float) for seed in seeds]

        def statistic(weights, vectors=vectors):
            return np.mean([100 * (weights @ vector) / n_items for vector in vectors], axis=0)

        summary[name] = float(np.mean([100 * vector.mean() for vector in vectors]))
        summary[f"{name}_stderr"] = standard_error(statistic, n_items)
    return summary


def run_generate(task: Task, loaded: Loaded, seed: int, ctx: Context) -> list[dict]:
    outputs = ctx.generate([_gen_request(task, item, loaded, seed, ctx) for item in loaded.items])
    records = []
    for item, output in zip(loaded.items, outputs):
        text = prompts.extract_text(task, item.lang, output)
        record = {"id": item.id, "output": output, "answer": text}
        if task.metric == "instruction_accuracy":
            checks = run_checks(text, item.lang, item.fields.get("checks", []))
            record.update(checks=checks, score=float(all(checks.values())))
        elif task.metric == "squad_f1":
            record["score"] = metrics.squad_f1(text, item.references, task.output_lang or item.lang)
        elif task.metric == "rouge_l":
            record["score"] = metrics.rouge_l(text, item.references, task.output_lang or item.lang)
        elif task.metric == "chrf_pp":
            target = task.output_lang or item.lang
            record["chrf_stats"] = metrics.chrf_stats(text, item.references, target)
            record["score"] = metrics.chrf_from_stats(record["chrf_stats"]) / 100
        else:
            raise TaskError(f"{task.path}: field `metric`: {task.metric} does not fit a generate task")
        records.append(record)
    return records


def run_pairs(task: Task, loaded: Loaded, seed: int, ctx: Context) -> list[dict]:
    """Minimal pairs: correct when the grammatical sentence is the more likely one."""
    requests = []
    for item in loaded.items:
        prefix = item.fields.get("prefix", "")
        requests += [LLRequest(prefix, item.fields["good"]), LLRequest(prefix, item.fields["bad"])]
    logprobs = ctx.loglikelihood(requests)
    return [
        {
            "id": item.id,
            "score": float(logprobs[2 * index] > logprobs[2 * index + 1]),
            "logprobs": logprobs[2 * index : 2 * index + 2],
        }
        for index, item in enumerate(loaded.items)
    ]


def run_chat(task: Task, loaded: Loaded, seed: int, ctx: Context) -> list[dict]:
    """Multi-turn chat: answer turn by turn, then judge each turn against the reference answer."""
    from seaforge.text.languages import get

    items = loaded.items
    answers: list[list[str]] = [[] for _ in items]
    for turn in range(max(len(item.fields["turns"]) for item in items)):
        live = [index for index, item in enumerate(items) if turn < len(item.fields["turns"])]
        requests = []
        for index in live:
            turns = items[index].fields["turns"]
            messages = []
            for user_text, answer in zip(turns[:turn], answers[index]):
                messages += [{"role": "user", "content": user_text}, {"role": "assistant", "content": answer}]
            messages.append({"role": "user", "content": turns[turn]})
            requests.append(
                ctx.make_gen(
                    messages=messages, max_tokens=_max_tokens(task, ctx), temperature=ctx.temperature, seed=seed
                )
            )
        for index, output in zip(live, ctx.generate(requests)):
            answers[index].append(prompts.strip_thinking(output))
    if ctx.judge is None:
        return [{"id": item.id, "score": None, "answers": given} for item, given in zip(items, answers)]
    jobs = []  # (item index, turn, order)
    requests = []
    for index, item in enumerate(items):
        turns, refs = item.fields["turns"], item.references
        language = get(item.lang).name
        for turn in range(min(len(turns), len(refs))):
            ours, theirs = answers[index][turn], refs[turn]
            for order, (first, second) in enumerate([(ours, theirs), (theirs, ours)]):
                jobs.append((index, turn, order))
                requests.append(
                    make_gen(
                        messages=judge.judge_messages(language, turns[: turn + 1], answers[index], first, second),
                        max_tokens=512,
                        temperature=0.0,
                    )
                )
    verdicts = cached_call(ctx.cache, ctx.judge.fingerprint, requests, ctx.judge.generate, on_done=ctx.on_done)
    by_turn: dict[tuple[int, int], list] = {}
    for (index, turn, order), output in zip(jobs, verdicts):
        by_turn.setdefault((index, turn), [None, None])[order] = judge.parse_verdict(output)
    records = []
    for index, item in enumerate(items):
        turn_scores = [judge.turn_score(*pair) for (owner, _), pair in sorted(by_turn.items()) if owner == index]
        turn_scores = [score for score in turn_scores if score is not None]
        score = sum(turn_scores) / len(turn_scores) if turn_scores else None
        records.append({"id": item.id, "score": score, "answers": answers[index]})
    return records


RUNNERS = {"choice": run_choice, "generate": run_generate, "pairs": run_pairs, "chat": run_chat}


def run_task_seed(task: Task, loaded: Loaded, seed: int, ctx: Context) -> list[dict]:
    """Per-item records of one task, language and seed."""
    return RUNNERS[task.kind](task, loaded, seed, ctx)
