"""The build's eval stage: held-out quality per language, eval tasks and generations, base against result.

Every model is loaded once and measured on everything asked of it. Held-out texts are the data
stage's held-out documents: never trained on, and not used to choose any setting of the build.
"""

from __future__ import annotations

import json
from pathlib import Path

from seaforge.build.context import StageContext, write_result
from seaforge.build.measure import heldout_quality
from seaforge.build.recipe import BuildError
from seaforge.io import atomic_write_json, read_jsonl


def _read_rows(path: Path) -> list[dict]:
    """The rows of a file the data stage wrote, or none when that input was switched off."""
    return read_jsonl(path, strict=False) if path.is_file() else []


def heldout_texts(ctx: StageContext) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for row in _read_rows(ctx.dir.parent / "data" / "heldout.jsonl"):
        texts.setdefault(row["lang"], []).append(row["text"])
    return {lang: texts[lang] for lang in ctx.recipe.languages if lang in texts}


def codeswitch_texts(ctx: StageContext) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for row in _read_rows(ctx.dir.parent / "data" / "codeswitch.jsonl"):
        texts.setdefault(row["variety"], []).append(row["text"])
    return texts


def generation_prompts(ctx: StageContext) -> list[dict]:
    """First user turns of held-out conversations, one language after another in recipe order."""
    by_lang: dict[str, list[dict]] = {}
    for row in _read_rows(ctx.dir.parent / "data" / "chat_heldout.jsonl"):
        user = next((m for m in row["messages"] if m.get("role") == "user"), None)
        if user:
            by_lang.setdefault(row.get("lang") or "?", []).append({"lang": row.get("lang"), "prompt": user["content"]})
    order = [lang for lang in ctx.recipe.languages if lang in by_lang] + [
        k for k in by_lang if k not in ctx.recipe.languages
    ]
    prompts, depth = [], 0
    while len(prompts) < ctx.config.generations and any(depth < len(by_lang[lang]) for lang in order):
        prompts += [by_lang[lang][depth] for lang in order if depth < len(by_lang[lang])]
        depth += 1
    return prompts[: ctx.config.generations]


def _eval_tasks(ctx: StageContext, backend, role: str) -> dict:
    from seaforge.eval.runner import RunConfig, prepare_run, run_eval
    from seaforge.eval.tasks import select_tasks

    cfg = ctx.config
    tasks = select_tasks(",".join(cfg.tasks))
    config = RunConfig(
        languages=list(ctx.recipe.languages),
        data=cfg.data,
        limit=cfg.limit,
        choice_scoring=cfg.choice_scoring,
        max_tokens=cfg.max_tokens,
        label=role,
    )
    out = ctx.dir / "tasks" / role
    plan = prepare_run(tasks, config, out)
    report = run_eval(backend, tasks, out, config, console=ctx.console, plan=plan)
    return {key: report[key] for key in ("label", "aggregate", "results", "skipped", "timings")}


def _generate(backend, prompts: list[dict], max_new_tokens: int) -> list[str]:
    from seaforge.eval.cache import GenRequest

    chat = bool(getattr(backend.tokenizer, "chat_template", None))
    requests = [
        GenRequest(messages=(("user", p["prompt"]),), max_tokens=max_new_tokens)
        if chat
        else GenRequest(prompt=p["prompt"], max_tokens=max_new_tokens)
        for p in prompts
    ]
    return [text.strip() for text in backend.generate(requests)]


def run_eval_stage(ctx: StageContext) -> dict:
    """Measure every compared model; results are saved per model, so a rerun skips finished ones."""
    from seaforge.eval.backend_hf import HFBackend

    cfg = ctx.config
    roles = list(dict.fromkeys([*cfg.compare, *cfg.task_models]))
    missing = [role for role in roles if ctx.model(role) is None]
    if missing:
        raise BuildError(
            f"field 'eval.compare': no {', '.join(missing)} model in this build (stages that make it did not run)"
        )
    texts = heldout_texts(ctx)
    mixed = codeswitch_texts(ctx)
    prompts = generation_prompts(ctx)
    gen_roles = [role for role in ("base", "result") if role in roles] if prompts else []
    per_role: dict[str, dict] = {}
    for index, role in enumerate(roles):
        done = ctx.dir / f"{role}.json"
        if done.is_file():  # finished before a kill
            per_role[role] = json.loads(done.read_text(encoding="utf-8"))
            continue
        ctx.progress(index, len(roles), f"loading {role}")
        backend = HFBackend.load(ctx.model(role), batch_size=cfg.batch_size, dtype="float32")
        entry: dict = {"model": ctx.model(role)}
        if role in cfg.compare and texts:
            ctx.progress(index, len(roles), f"{role}: held-out text")
            entry["heldout"] = heldout_quality(backend.model, backend.tokenizer, texts, cfg.batch_size)
        if role in cfg.compare and mixed:
            entry["codeswitch"] = heldout_quality(backend.model, backend.tokenizer, mixed, cfg.batch_size)
        if role in cfg.task_models and cfg.tasks:
            ctx.progress(index, len(roles), f"{role}: eval tasks")
            entry["tasks"] = _eval_tasks(ctx, backend, role)
        if role in gen_roles:
            ctx.progress(index, len(roles), f"{role}: generations")
            entry["generations"] = _generate(backend, prompts, cfg.max_new_tokens)
        atomic_write_json(done, entry)
        per_role[role] = entry
        del backend
    heldout = {
        "models": [role for role in cfg.compare if "heldout" in per_role.get(role, {})],
        "metric": "bits_per_byte",
        "texts": f"held-out documents of the data stage ({sum(map(len, texts.values()))} texts), never trained on",
        "per_language": {
            lang: {role: per_role[role]["heldout"][lang] for role in cfg.compare if "heldout" in per_role[role]}
            for lang in texts
        },
    }
    measured = [role for role in cfg.compare if "codeswitch" in per_role.get(role, {})]
    codeswitch = {
        "models": measured,
        "metric": "bits_per_byte",
        "texts": f"code-switched messages of the data stage ({sum(map(len, mixed.values()))}), never trained on",
        "per_language": {
            variety: {role: per_role[role]["codeswitch"][variety] for role in measured} for variety in mixed
        },
    }
    generations = [
        {"lang": p["lang"], "prompt": p["prompt"], **{role: per_role[role]["generations"][i] for role in gen_roles}}
        for i, p in enumerate(prompts)
        if gen_roles
    ]
    result = {
        "heldout": heldout,
        "codeswitch": codeswitch if mixed else None,
        "tasks": {role: per_role[role]["tasks"] for role in cfg.task_models if "tasks" in per_role[role]},
        "task_names": list(cfg.tasks),
        "generations": generations,
        "models": {role: per_role[role]["model"] for role in roles},
    }
    return write_result(ctx, result)
