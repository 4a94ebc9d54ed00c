"""The build's first stages: resolve the base model, curate the data, report and trim the tokenizer."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

from seaforge.build.context import StageContext, write_result
from seaforge.build.recipe import BuildError, DataStage
from seaforge.data.bundled import bundled_files
from seaforge.data.recipe import DecontamSpec, InputSpec
from seaforge.io import atomic_write_jsonl, iter_jsonl

HELDOUT = "heldout"


# --- model ----------------------------------------------------------------------------------


def model_facts(path: str) -> dict:
    """Architecture, parameter count and vocabulary of a model folder (config only, no weights)."""
    from transformers import AutoConfig

    from seaforge.train.estimate import count_params

    config = AutoConfig.from_pretrained(path)
    text = getattr(config, "text_config", None) or config
    return {"architecture": config.model_type, "parameters": count_params(config), "vocab_size": text.vocab_size}


def run_model(ctx: StageContext) -> dict:
    """Resolve (pull and convert on first use) the base model; record its facts and licence."""
    from seaforge.models.resolve import resolve_model
    from seaforge.models.trim import source_licence

    base = ctx.recipe.model.base
    ctx.progress(None, None, f"resolving {base}")
    path = resolve_model(base)
    licence = source_licence(Path(path)) if Path(path).is_dir() else {}
    return write_result(ctx, {"base": base, "model_path": path, "licence": licence, **model_facts(path)})


# --- data -----------------------------------------------------------------------------------


def input_specs(data: DataStage, where: str = "data.inputs") -> list[InputSpec]:
    """The data recipe inputs for ``data.inputs``: "bundled", paths, hf:<dataset> or input dicts."""
    items = [data.inputs] if isinstance(data.inputs, str) else list(data.inputs)
    specs = []
    for index, item in enumerate(items):
        if isinstance(item, InputSpec):
            specs.append(item)
        elif item == "bundled":
            folder = bundled_files("prose")[0].parent
            specs.append(InputSpec(type="jsonl", path=str(folder), glob="prose_*.jsonl", name="bundled"))
        elif item.startswith("hf:"):
            specs.append(InputSpec(type="hf", path=item[3:], name=item[3:].replace("/", "_")))
        else:
            path = Path(item).expanduser()
            if not path.exists():
                raise BuildError(f"field '{where}[{index}]': {item} does not exist")
            name = f"input{index}"
            if path.is_file():
                kind = "parquet" if path.suffix == ".parquet" else "text" if path.suffix == ".txt" else "jsonl"
                specs.append(InputSpec(type=kind, path=str(path.parent), glob=path.name, name=name))
            else:
                specs.append(InputSpec(type="jsonl", path=str(path), glob="**/*.jsonl*", name=name))
    return specs


def chat_path(data: DataStage) -> Path | None:
    return _data_file(data, "chat")


def codeswitch_path(data: DataStage) -> Path | None:
    return _data_file(data, "codeswitch")


def _data_file(data: DataStage, field: str) -> Path | None:
    """The file ``data.<field>`` names: a bundled one, a path, or None."""
    value = getattr(data, field)
    if value is None:
        return None
    if value == "bundled":
        return bundled_files(field)[0]
    path = Path(value).expanduser()
    if not path.is_file():
        raise BuildError(f"field 'data.{field}': {value} is not a file")
    return path


def is_heldout(record: dict, text: str, every: int) -> bool:
    """The record's own ``split`` when it has one, else every ``every``-th text by content hash
    (stable across runs and machines, unlike a random draw)."""
    split = record.get("split")
    if isinstance(split, str):
        return split == HELDOUT
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % every == 0


def _curated_docs(folder: Path):
    for path in sorted(folder.glob("*/*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)


def split_chat(ctx: StageContext, source: Path) -> dict:
    """Conversations in the recipe's languages, split into SFT training and held-out prompts."""
    langs, every = set(ctx.recipe.languages), ctx.recipe.data.heldout_every
    train, held, skipped = [], [], 0
    for line in iter_jsonl(source):
        record = line.record
        messages = record.get("messages") if record else None
        if not isinstance(messages, list) or not messages:
            skipped += 1
            ctx.log(line.error or f"{source}:{line.lineno}: skipped (no 'messages' list)")
            continue
        lang = record.get("lang")
        if lang is not None and lang not in langs:
            continue
        row = {"id": record.get("id", f"{source.name}:{line.lineno}"), "lang": lang, "messages": messages}
        (held if is_heldout(record, json.dumps(messages, sort_keys=True), every) else train).append(row)
    atomic_write_jsonl(ctx.dir / "chat_train.jsonl", train)
    atomic_write_jsonl(ctx.dir / "chat_heldout.jsonl", held)
    return {"source": str(source), "train": len(train), "heldout": len(held), "skipped": skipped}


def decontamination(recipe) -> DecontamSpec:
    """The recipe's decontamination, against the eval stage's tasks unless it names its own:
    training on the items the build is scored on would make the report card a lie."""
    spec = recipe.data.decontaminate
    if spec.eval_tasks is None and not spec.eval_sets and recipe.eval is not None and recipe.eval.tasks:
        spec = spec.model_copy(update={"eval_tasks": ",".join(recipe.eval.tasks), "eval_data": recipe.eval.data})
    return spec


def run_data(ctx: StageContext) -> dict:
    """Curate the inputs with the data engine, then split documents into training and held-out text."""
    from seaforge.data.pipeline import run_recipe
    from seaforge.data.recipe import Recipe

    data = ctx.recipe.data
    recipe = Recipe(
        name=f"{ctx.recipe.name}-data",
        output=str(ctx.dir / "curated"),
        languages=ctx.recipe.languages,
        inputs=input_specs(data),
        langid=data.langid,
        quality=data.quality,
        pii=data.pii,
        dedup=data.dedup,
        decontaminate=decontamination(ctx.recipe),
        executor=data.executor,
    )

    def on_stage(index: int, total: int, name: str) -> None:
        ctx.progress(index, total, name)

    summary = run_recipe(recipe, on_stage=on_stage, quiet=True)  # resumes its own finished tasks
    train, held = [], []
    for doc in _curated_docs(ctx.dir / "curated" / "docs"):
        meta = doc.get("metadata", {})
        lang = meta.get("language") or meta.get("lang")
        row = {"text": doc["text"], "lang": lang}
        (held if is_heldout(meta, doc["text"], data.heldout_every) else train).append(row)
    if not train:
        raise BuildError(f"field 'data.inputs': no document survived curation (see {ctx.dir / 'curated'})")
    atomic_write_jsonl(ctx.dir / "train.jsonl", train)
    atomic_write_jsonl(ctx.dir / "heldout.jsonl", held)

    def counts(rows: list[dict]) -> dict:
        out: dict[str, dict] = {}
        for row in rows:
            entry = out.setdefault(row["lang"], {"docs": 0, "chars": 0})
            entry["docs"] += 1
            entry["chars"] += len(row["text"])
        return dict(sorted(out.items()))

    result = {"summary": summary, "train": counts(train), "heldout": counts(held)}
    source = chat_path(data)
    if source is not None:
        result["chat"] = split_chat(ctx, source)
    source = codeswitch_path(data)
    if source is not None:
        result["codeswitch"] = copy_codeswitch(ctx, source)
    return write_result(ctx, result)


def copy_codeswitch(ctx: StageContext, source: Path) -> dict:
    """The code-switched messages, by variety (Singlish, Taglish, ...): a test set only."""
    rows, skipped = [], 0
    for line in iter_jsonl(source):
        text = line.record.get("text") if line.record else None
        if not isinstance(text, str) or not text.strip():
            skipped += 1
            ctx.log(line.error or f"{source}:{line.lineno}: skipped (no 'text')")
            continue
        rows.append({"text": text, "variety": line.record.get("variety") or line.record.get("lang") or "mixed"})
    atomic_write_jsonl(ctx.dir / "codeswitch.jsonl", rows)
    varieties: dict[str, int] = {}
    for row in rows:
        varieties[row["variety"]] = varieties.get(row["variety"], 0) + 1
    return {"source": str(source), "messages": len(rows), "varieties": varieties, "skipped": skipped}


# --- tokenizer ------------------------------------------------------------------------------


def parity(tokenizer, langs: list[str]) -> dict:
    """Tokens, parity against English, fertility and tokens per character on the bundled parallel
    sentences, for the recipe's languages."""
    from seaforge.tokenizer.corpus import read_corpus, sample_path
    from seaforge.tokenizer.report import build_report

    report = build_report({"tokenizer": tokenizer}, read_corpus([str(sample_path())]))
    rows = report["tokenizers"][0]["languages"]
    keep = ("texts", "tokens", "parity", "fertility", "tokens_per_char", "byte_share")
    return {row["lang"]: {k: row[k] for k in keep} for row in rows if row["lang"] in langs}


def run_tokenizer(ctx: StageContext) -> dict:
    """Parity of the base tokenizer; with ``trim``, the trimmed model and its parity."""
    from seaforge.models.trim import trim_model
    from seaforge.tokenizer.corpus import sample_path
    from seaforge.tokenizer.load import load_tokenizer

    base = ctx.model("base")
    langs = ctx.recipe.languages
    ctx.progress(0, 3, "parity of the base tokenizer")
    result = {
        "parity_corpus": f"{sample_path().name} (parallel sentences written for seaforge)",
        "parity": {"base": parity(load_tokenizer(base), langs)},
        "trim": None,
    }
    if ctx.config.trim:
        ctx.progress(1, 3, "trimming the vocabulary")
        folder = ctx.dir / "model"
        corpus = ctx.dir.parent / "data" / "train.jsonl"  # training text only: held-out stays unseen
        result["trim"] = trim_model(
            base,
            langs,
            folder,
            corpus=corpus,
            budget=ctx.config.budget,
            overwrite=True,
            progress=False,
            scripts=ctx.config.scripts,
            predict=ctx.config.predict,
        )
        result["model_path"] = str(folder)
        ctx.progress(2, 3, "parity of the trimmed tokenizer")
        result["parity"]["trimmed"] = parity(load_tokenizer(str(folder)), langs)
    ctx.progress(3, 3, "done")
    return write_result(ctx, result)
