"""Run one task in one language for one seed: build requests, infer through the cache, score items."""

from __future__ import annotations

from dataclasses import dataclass

from seaforge.eval import judge, metrics, prompts
from seaforge.eval.backends import Backend, BackendError, Progress
from seaforge.eval.cache import InferenceCache, LLRequest, cached_call, make_gen
from seaforge.eval.instructions import run_checks
from seaforge.eval.items import Item, Loaded
from seaforge.eval.tasks import Task


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

    def generate(self, requests: list) -> list[str]:
        return cached_call(self.cache, self.backend.fingerprint, requests, self.backend.generate,
                           on_done=self.on_done)

    def loglikelihood(self, requests: list) -> list[float]:
        if not self.backend.supports_loglikelihood:
            raise BackendError(f"{self.backend.info['model']} cannot score log-likelihoods")
        return cached_call(self.cache, self.backend.fingerprint, requests,
                           self.backend.loglikelihood, on_done=self.on_done)


def _max_tokens(task: Task, ctx: Context) -> int:
    return min(task.max_tokens, ctx.max_tokens) if ctx.max_tokens else task.max_tokens


def _k(task: Task, ctx: Context) -> int:
    return task.fewshot.get(ctx.mode, 0)


def _gen_request(task: Task, item: Item, loaded: Loaded, seed: int, ctx: Context):
    if ctx.mode == "instruct":
        return make_gen(messages=prompts.instruct_messages(task, item), max_tokens=_max_tokens(task, ctx),
                        temperature=ctx.temperature, seed=seed)
    examples = prompts.pick_fewshot(loaded.fewshot, item, _k(task, ctx), seed)
    return make_gen(prompt=prompts.base_prompt(task, item, examples), max_tokens=_max_tokens(task, ctx),
                    temperature=ctx.temperature, seed=seed)


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
    outputs = ctx.generate([_gen_request(task, it, loaded, seed, ctx) for it in loaded.items])
    records = []
    for item, out in zip(loaded.items, outputs):
        pred = prompts.extract_choice(task, item.lang, out)
        records.append({"id": item.id, "pred": pred, "gold": item.label,
                        "score": float(pred == item.label), "output": out})
    return records


def _choice_by_loglikelihood(task: Task, loaded: Loaded, seed: int, ctx: Context) -> list[dict]:
    requests = []
    for item in loaded.items:
        spec = task.languages[item.lang]
        context = prompts.base_prompt(task, item, prompts.pick_fewshot(loaded.fewshot, item,
                                                                       _k(task, ctx), seed))
        requests += [LLRequest(context, " " + spec.options[label]) for label in task.labels]
    scores = ctx.loglikelihood(requests)
    records, n = [], len(task.labels)
    for i, item in enumerate(loaded.items):
        row = scores[i * n:(i + 1) * n]
        pred = task.labels[max(range(n), key=row.__getitem__)]
        records.append({"id": item.id, "pred": pred, "gold": item.label,
                        "score": float(pred == item.label), "logprobs": row})
    return records


def run_generate(task: Task, loaded: Loaded, seed: int, ctx: Context) -> list[dict]:
    outputs = ctx.generate([_gen_request(task, it, loaded, seed, ctx) for it in loaded.items])
    records = []
    for item, out in zip(loaded.items, outputs):
        text = prompts.extract_text(task, item.lang, out)
        rec = {"id": item.id, "output": out, "answer": text}
        if task.metric == "instruction_accuracy":
            checks = run_checks(text, item.lang, item.fields.get("checks", []))
            rec.update(checks=checks, score=float(all(checks.values())))
        elif task.metric == "squad_f1":
            rec["score"] = metrics.squad_f1(text, item.references, task.output_lang or item.lang)
        elif task.metric == "rouge_l":
            rec["score"] = metrics.rouge_l(text, item.references, task.output_lang or item.lang)
        elif task.metric == "chrf_pp":
            target = task.output_lang or item.lang
            rec["chrf_stats"] = metrics.chrf_stats(text, item.references, target)
            rec["score"] = metrics.chrf_from_stats(rec["chrf_stats"]) / 100
        else:
            raise ValueError(f"task {task.name}: metric {task.metric} does not fit a generate task")
        records.append(rec)
    return records


def run_pairs(task: Task, loaded: Loaded, seed: int, ctx: Context) -> list[dict]:
    """Minimal pairs: correct when the grammatical sentence is the more likely one."""
    requests = []
    for item in loaded.items:
        prefix = item.fields.get("prefix", "")
        requests += [LLRequest(prefix, item.fields["good"]), LLRequest(prefix, item.fields["bad"])]
    lls = ctx.loglikelihood(requests)
    return [{"id": it.id, "score": float(lls[2 * i] > lls[2 * i + 1]), "logprobs": lls[2 * i:2 * i + 2]}
            for i, it in enumerate(loaded.items)]


def run_chat(task: Task, loaded: Loaded, seed: int, ctx: Context) -> list[dict]:
    """Multi-turn chat: answer turn by turn, then judge each turn against the reference answer."""
    from seaforge.text.languages import get

    items = loaded.items
    answers: list[list[str]] = [[] for _ in items]
    for t in range(max(len(it.fields["turns"]) for it in items)):
        live = [i for i, it in enumerate(items) if t < len(it.fields["turns"])]
        reqs = []
        for i in live:
            turns = items[i].fields["turns"]
            msgs = []
            for u, a in zip(turns[:t], answers[i]):
                msgs += [{"role": "user", "content": u}, {"role": "assistant", "content": a}]
            msgs.append({"role": "user", "content": turns[t]})
            reqs.append(make_gen(messages=msgs, max_tokens=_max_tokens(task, ctx),
                                 temperature=ctx.temperature, seed=seed))
        for i, out in zip(live, ctx.generate(reqs)):
            answers[i].append(prompts.strip_thinking(out))
    if ctx.judge is None:
        return [{"id": it.id, "score": None, "answers": a} for it, a in zip(items, answers)]
    jobs = []  # (item index, turn, order)
    reqs = []
    for i, it in enumerate(items):
        turns, refs = it.fields["turns"], it.references
        language = get(it.lang).name
        for t in range(min(len(turns), len(refs))):
            ours, theirs = answers[i][t], refs[t]
            for order, (a, b) in enumerate([(ours, theirs), (theirs, ours)]):
                jobs.append((i, t, order))
                reqs.append(make_gen(messages=judge.judge_messages(language, turns[:t + 1],
                                                                   answers[i], a, b),
                                     max_tokens=512, temperature=0.0))
    verdicts = cached_call(ctx.cache, ctx.judge.fingerprint, reqs, ctx.judge.generate,
                           on_done=ctx.on_done)
    by_turn: dict[tuple[int, int], list] = {}
    for (i, t, order), out in zip(jobs, verdicts):
        by_turn.setdefault((i, t), [None, None])[order] = judge.parse_verdict(out)
    records = []
    for i, it in enumerate(items):
        turn_scores = [judge.turn_score(*v) for (j, _), v in sorted(by_turn.items()) if j == i]
        turn_scores = [s for s in turn_scores if s is not None]
        score = sum(turn_scores) / len(turn_scores) if turn_scores else None
        records.append({"id": it.id, "score": score, "answers": answers[i]})
    return records


RUNNERS = {"choice": run_choice, "generate": run_generate, "pairs": run_pairs, "chat": run_chat}


def run_task_seed(task: Task, loaded: Loaded, seed: int, ctx: Context) -> list[dict]:
    """Per-item records of one task, language and seed."""
    return RUNNERS[task.kind](task, loaded, seed, ctx)
