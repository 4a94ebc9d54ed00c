"""The build's export stage: OUT/model (Hugging Face folder with a model card) and verified GGUF files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

from seaforge.build.context import StageContext, write_result
from seaforge.build.report_md import render_sections
from seaforge.io import atomic_dir, atomic_write_text, current_umask

# Files a trained folder holds that a served model needs (weights, tokenizer, templates, configs).
MODEL_FILES = ("*.safetensors", "*.json", "*.jinja", "tokenizer.model", "*.txt")
SKIP = {"trim_report.json", "trim_ids.json", "seaforge-model.json", "training_args.json"}


def _inputs(recipe) -> str:
    if recipe.data is None:
        return "none"
    names = []
    for item in recipe.data.inputs:
        if item == "bundled":
            names.append("the prose bundled with seaforge (a small sample written by the seaforge team)")
        else:
            names.append(item if isinstance(item, str) else f"{item.type} {item.path}")
    return "; ".join(names)


def _hub_id(base: str) -> str:
    """The Hugging Face id of a registered model (what `base_model` means on the hub)."""
    from seaforge.models.registry import MODELS

    return MODELS[base].base_model if base in MODELS else base


def model_card(ctx: StageContext) -> str:
    """README.md for OUT/model: languages, data, recipe, measured results, intended use, limits, licence."""
    recipe = ctx.recipe
    base = ctx.result("model") or {}
    licence = base.get("licence", {})
    data = ctx.result("data") or {}
    evaluation = ctx.result("eval") or {}
    front = {
        "language": list(recipe.languages),
        "library_name": "transformers",
        "pipeline_tag": "text-generation",
        "base_model": _hub_id(recipe.model.base),
        "tags": ["seaforge", "southeast-asia"],
        **{k: licence[k] for k in ("license", "license_name", "license_link") if k in licence},
    }
    stages = [name for name in recipe.stages() if name not in ("model", "report")]
    train_docs = sum(v["docs"] for v in data.get("train", {}).values())
    per_lang = ", ".join(f"{lang} {entry['docs']}" for lang, entry in data.get("train", {}).items())
    lines = [
        "---",
        yaml.safe_dump(front, sort_keys=False, allow_unicode=True).strip(),
        "---",
        f"# {recipe.name}",
        "",
        f"{recipe.model.base} adapted to {', '.join(recipe.languages)} by `seaforge build` "
        f"(stages: {', '.join(stages)}).",
        "",
        "## Data",
        f"{train_docs} curated training documents "
        f"({per_lang})"
        + (f"; {data['chat']['train']} conversations for instruction tuning" if data.get("chat") else "")
        + ". Inputs: "
        + _inputs(recipe)
        + ".",
        "",
        render_sections(
            {"name": recipe.name, "recipe": recipe.dump(), "eval": evaluation},
            ("Held-out perplexity", "Eval tasks"),
        ),
        "## Intended use",
        "Research and prototyping of Southeast Asian language models; a starting point for larger "
        "builds with the same recipe. Not for decisions about people, medical, legal or financial advice.",
        "",
        "## Limits",
        "Small model, trained briefly: it makes factual errors, mixes languages and can produce "
        "offensive text. No safety tuning or guard was applied in this build. The figures above come "
        "from small held-out sets and have wide error bars.",
        "",
        "## Licence",
        f"Derived from {recipe.model.base}; its licence applies: "
        + (licence.get("license_name") or licence.get("license") or "see the base model's card")
        + (f" ({licence['license_link']})" if licence.get("license_link") else "")
        + ".",
        "",
        "## Recipe",
        "```yaml",
        yaml.safe_dump(recipe.dump(), sort_keys=False, allow_unicode=True).strip(),
        "```",
        "",
    ]
    return "\n".join(lines)


def run_export(ctx: StageContext) -> dict:
    """Copy the result into OUT/model with its card, then write and verify the GGUF files."""
    from seaforge.models.gguf_export import export_gguf

    source = Path(ctx.current_model())
    model_dir = ctx.out / "model"
    ctx.progress(0, 2, "model folder")
    with atomic_dir(model_dir, overwrite=True) as tmp:
        for pattern in MODEL_FILES:
            for file in source.glob(pattern):
                if file.name not in SKIP:
                    shutil.copy2(file, tmp / file.name)
                    # safetensors writes 0600 files; a model folder to share gets the umask's mode.
                    os.chmod(tmp / file.name, 0o666 & ~current_umask())
        atomic_write_text(tmp / "README.md", model_card(ctx))
    result = {"model_dir": str(model_dir), "gguf": None}
    if ctx.config.gguf:
        ctx.progress(1, 2, "GGUF files")
        result["gguf"] = export_gguf(
            str(model_dir),
            ctx.config.gguf,
            ctx.out / "gguf",
            overwrite=True,
            llama_cpp=ctx.config.llama_cpp,
            progress=ctx.log,
            name=ctx.recipe.name,
        )
    ctx.progress(2, 2, "done")
    return write_result(ctx, result)
