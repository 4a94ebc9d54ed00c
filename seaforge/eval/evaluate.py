"""Run one task in one language for one seed: build requests, infer through the cache, score items."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
        return cached_call(self.cache, self.backend.fingerprint, requests, self.backend.generate, on_done=self.on_done)

    def loglikelihood(self, requests: list) -> list[float]:
        if not self.backend.supports_loglikelihood:
            raise BackendError(f"{self.backend.info['model']} cannot score log-likelihoods")
        return cached_call(
            self.cache, self.backend.fingerprint, requests, self.backend.loglikelihood, on_done=self.on_done
        )


def _max_tokens(task: Task, ctx: Context) -> int:
    return min(task.max_tokens, ctx.max_tokens) if ctx.max_tokens else task.max_tokens


def _k(task: Task, ctx: Context) -> int:
    return task.fewshot.get(ctx.mode, 0)


def _gen_request(task: Task, item: Item, loaded: Loaded, seed: int, ctx: Context):
    max_tokens = _max_tokens(task, ctx)
    if ctx.mode == "instruct":
        return ctx.fit(
            lambda _: [
                make_gen(
                    messages=prompts.instruct_messages(task, item),
                    max_tokens=max_tokens,
                    temperature=ctx.temperature,
                    seed=seed,
                )
            ],
            [],
        )[0]
    examples = prompts.pick_fewshot(loaded.fewshot, item, _k(task, ctx), seed)
    return ctx.fit(
        lambda shots: [
            make_gen(
                prompt=prompts.base_prompt(task, item, shots),
                max_tokens=max_tokens,
                temperature=ctx.temperature,
                seed=seed,
            )
        ],
        examples,
    )[0]


def count_requests(task: Task, n_items: int, ctx: Context) -> int:
    """Inference calls one seed of this task needs (for progress bars)."""
    if task.kind == "choice" and ctx.choice_scoring == "loglikelihood":
        return n_items * len(task.labels)
    if task.kind == "pairs":
        return 2 * n_items
    return n_items


def run_choice(task: Task, loaded: Loaded, seed: int, ctx: Context) -> list[dict]:
    if ctx.choice_scoring == "loglikelihood":
        return _choice_by_loglikelihood(task, loaded, seed, ctx)
    outputs = ctx.generate([_gen_request(task, item, loaded, seed, ctx) for item in loaded.items])
    records = []
    for item, output in zip(loaded.items, outputs):
        pred = prompts.extract_choice(task, item.lang, output)
        records.append(
            {"id": item.id, "pred": pred, "gold": item.label, "score": float(pred == item.label), "output": output}
        )
    return records


def _choice_by_loglikelihood(task: Task, loaded: Loaded, seed: int, ctx: Context) -> list[dict]:
    requests = []
    for item in loaded.items:
        spec = task.languages[item.lang]
        examples = prompts.pick_fewshot(loaded.fewshot, item, _k(task, ctx), seed)
        # Every option is scored after the same context: fit them together.
        requests += ctx.fit(
            lambda shots, item=item, spec=spec: [
                LLRequest(prompts.base_prompt(task, item, shots), " " + spec.options[label]) for label in task.labels
            ],
            examples,
        )
    scores = ctx.loglikelihood(requests)
    records, n_options = [], len(task.labels)
    for index, item in enumerate(loaded.items):
        option_scores = scores[index * n_options : (index + 1) * n_options]
        pred = task.labels[max(range(n_options), key=option_scores.__getitem__)]
        records.append(
            {
                "id": item.id,
                "pred": pred,
                "gold": item.label,
                "score": float(pred == item.label),
                "logprobs": option_scores,
            }
        )
    return records


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
                make_gen(messages=messages, max_tokens=_max_tokens(task, ctx), temperature=ctx.temperature, seed=seed)
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
