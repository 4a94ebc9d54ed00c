"""The build's export stage: OUT/model (Hugging Face folder with a model card) and verified GGUF files."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from seaforge.build.context import StageContext, write_result
from seaforge.build.report_md import render_sections
from seaforge.io import atomic_dir, atomic_write_text

# Files a trained folder holds that a served model needs (weights, tokenizer, templates, configs).
MODEL_FILES = ("*.safetensors", "*.json", "*.jinja", "tokenizer.model", "*.txt")
SKIP = {"trim_report.json", "trim_ids.json", "seaforge-model.json", "training_args.json"}


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
        "base_model": recipe.model.base,
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
        + (recipe.data.inputs if recipe.data and isinstance(recipe.data.inputs, str) else "see the recipe")
        + ("; the bundled text is a small sample written by the seaforge team." if recipe.data else ""),
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
