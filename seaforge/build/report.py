"""The build's report card: build.json -> a list of sections that the Markdown and HTML renderers share.

Every number shown comes from the build dict; a section whose data is missing says so instead of
guessing. `sections` builds the content once, as small block objects, so the two renderers stay a
formatting layer and cannot drift apart in what they claim.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from seaforge.eval.report import fmt
from seaforge.eval.scores import normalized_key

NOT_RUN = "Not run in this build."
GENERATION_CHARS = 300  # generations are truncated to this many characters in the report

SECTION_TITLES = (
    "Summary",
    "Environment",
    "Recipe",
    "Time per stage",
    "Data",
    "Tokenizer",
    "Training",
    "Held-out perplexity",
    "Eval tasks",
    "Generations",
    "Guard",
    "Export",
    "Codebase size",
)

# Chart names (keys of `charts.make_charts`) and their captions.
CHART_CAPTIONS = {
    "loss": "Training loss per step",
    "cpt_heldout_ppl": "Dev perplexity during continued pre-training (the last rows of each language's "
    "training text, kept out of training; not the held-out test documents)",
    "bits_per_byte": "Held-out bits per byte per language",
    "tasks": "Eval task scores per language",
    "stages": "Time per stage",
}


# Blocks: plain text in, each renderer escapes and formats it.
@dataclass
class Para:
    text: str


@dataclass
class KeyValues:
    items: list[tuple[str, str]]


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    left: int = 1  # leading text columns, left-aligned; the rest are numbers, right-aligned


@dataclass
class Code:
    text: str
    lang: str = ""


@dataclass
class Image:
    chart: str  # a key of CHART_CAPTIONS

    @property
    def caption(self) -> str:
        return CHART_CAPTIONS.get(self.chart, self.chart)


@dataclass
class Section:
    title: str
    blocks: list = field(default_factory=list)


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def percent_change(new, old) -> float | None:
    """100 * (new - old) / old; None when either is missing or NaN, or old is 0."""
    if not (is_number(new) and is_number(old)) or old == 0:
        return None
    return 100.0 * (new - old) / old


def num(value, spec: str = ",") -> str:
    """`value` formatted with `spec`, "-" when it is missing or not a finite number."""
    return format(value, spec) if is_number(value) else "-"


def pct(value) -> str:
    return f"{value:+.1f}%" if is_number(value) else "-"


def text(value) -> str:
    return "-" if value is None else str(value)


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _ordered_langs(build: dict, *groups) -> list[str]:
    """Languages present in any of `groups`, in the recipe's order first."""
    present = {lang for group in groups for lang in _dict(group)}
    recipe_order = [lang for lang in _dict(build.get("recipe")).get("languages") or [] if lang in present]
    return recipe_order + sorted(present - set(recipe_order))


def _replay_langs(build: dict) -> set[str]:
    replay = _dict(_dict(_dict(_dict(build.get("recipe")).get("cpt")).get("data")).get("replay"))
    return set(replay)


def _scalars(entry: dict) -> list[tuple[str, str]]:
    return [(str(key), text(value)) for key, value in entry.items() if not isinstance(value, dict | list)]


# ---- summary -------------------------------------------------------------------------------------


def _heldout_sentence(build: dict) -> str | None:
    heldout = _dict(_dict(build.get("eval")).get("heldout"))
    per_lang = _dict(heldout.get("per_language"))
    changes = {}
    for lang, models in per_lang.items():
        change = percent_change(
            _dict(_dict(models).get("result")).get("bits_per_byte"),
            _dict(_dict(models).get("base")).get("bits_per_byte"),
        )
        if change is not None:
            changes[lang] = change
    if not changes:
        return None
    replay = _replay_langs(build)
    adapted = {lang: change for lang, change in changes.items() if lang not in replay}
    fell = sum(change < 0 for change in adapted.values())
    which = "adapted languages" if replay else "languages"
    sentence = f"Held-out bits per byte (result vs base) fell in {fell} of {len(adapted)} {which}"
    if adapted:
        sentence += f" (mean change {pct(sum(adapted.values()) / len(adapted))})"
    kept = [lang for lang in sorted(replay) if lang in changes]
    if len(kept) == 1:
        sentence += f"; the replay language {kept[0]} changed by {pct(changes[kept[0]])}"
    elif kept:
        sentence += "; the replay languages changed by " + ", ".join(f"{lang} {pct(changes[lang])}" for lang in kept)
    return sentence + "."


def summary_sentences(build: dict) -> list[str]:
    sentences = []
    seconds = [stage.get("seconds") for stage in build.get("stages") or [] if is_number(stage.get("seconds"))]
    if seconds:
        sentences.append(
            f"Recorded stage times add up to {sum(seconds):,.0f} s (see Time per stage for cached stages)."
        )
    trim = _dict(_dict(build.get("tokenizer")).get("trim"))
    vocab, params = _dict(trim.get("vocab")), _dict(trim.get("parameters"))
    if is_number(vocab.get("original")) and is_number(vocab.get("kept")):
        sentence = f"The vocabulary was trimmed from {vocab['original']:,} to {vocab['kept']:,} tokens"
        change = percent_change(params.get("trimmed"), params.get("original"))
        sentences.append(sentence + (f" (parameters {pct(change)})." if change is not None else "."))
    trained = []
    for stage, label in (("cpt", "continued pre-training"), ("sft", "supervised fine-tuning"), ("dpo", "DPO")):
        entry = _dict(build.get(stage))
        if is_number(entry.get("steps")):
            tokens = f" on {entry['tokens']:,} tokens" if is_number(entry.get("tokens")) else ""
            trained.append(f"{label} ran {entry['steps']:,} steps{tokens}")
    if trained:
        sentences.append(("; ".join(trained) + ".").capitalize())
    heldout = _heldout_sentence(build)
    if heldout:
        sentences.append(heldout)
    mixed = _dict(_dict(_dict(build.get("eval")).get("codeswitch")).get("per_language"))
    changes = [
        percent_change(_dict(entry.get("result")).get("bits_per_byte"), _dict(entry.get("base")).get("bits_per_byte"))
        for entry in map(_dict, mixed.values())
    ]
    changes = [change for change in changes if change is not None]
    if changes:
        sentences.append(
            f"On held-out code-switched messages, bits per byte fell in {sum(c < 0 for c in changes)} of "
            f"{len(changes)} varieties (mean change {pct(sum(changes) / len(changes))})."
        )
    tasks = _dict(_dict(build.get("eval")).get("tasks"))
    averages = {name: _dict(_dict(run).get("aggregate")).get("sea_average") for name, run in tasks.items()}
    if averages.get("base") and averages.get("result"):
        sentences.append(
            f"Eval task average (normalized: 0 = chance, 100 = perfect): base {fmt(averages['base'])}, "
            f"result {fmt(averages['result'])}."
        )
    files = _dict(_dict(_dict(build.get("export")).get("gguf")).get("files"))
    if files:
        verified = sum(bool(_dict(entry).get("ok")) for entry in files.values())
        sentences.append(f"{len(files)} GGUF file(s) exported, {verified} verified.")
    return sentences or ["Nothing was measured in this build."]


# ---- sections ------------------------------------------------------------------------------------


def _environment(build: dict) -> list:
    env = build.get("environment")
    if not isinstance(env, dict):
        return [Para(NOT_RUN)]
    labels = {
        "seaforge": "seaforge",
        "python": "Python",
        "torch": "torch",
        "transformers": "transformers",
        "platform": "platform",
        "cpu": "CPU",
        "cpu_cores": "CPU cores",
        "ram_gib": "RAM (GiB)",
        "gpu": "GPU",
        "git_commit": "git commit",
    }
    items = [(label, text(env.get(key))) for key, label in labels.items() if key in env]
    if "gpu" in env and env["gpu"] is None:
        items = [(label, "none" if label == "GPU" else value) for label, value in items]
    items += [(key, text(value)) for key, value in env.items() if key not in labels]
    return [KeyValues(items)]


def _recipe(build: dict) -> list:
    blocks = []
    items = [("source", text(build.get("recipe_source")))] if "recipe_source" in build else []
    if "overrides" in build:
        items.append(("overrides", ", ".join(map(str, build.get("overrides") or [])) or "none"))
    model = _dict(build.get("model"))
    for key, label in (("base", "base model"), ("architecture", "architecture")):
        if key in model:
            items.append((label, text(model[key])))
    for key, label in (("parameters", "parameters"), ("vocab_size", "vocabulary")):
        if key in model:
            items.append((label, num(model[key])))
    licence = model.get("licence")
    if isinstance(licence, dict) and licence:
        # Whatever fields the model's card gave (name/url, or license/license_name/license_link).
        items.append(("licence", ", ".join(str(value) for value in licence.values() if value not in (None, ""))))
    if items:
        blocks.append(KeyValues(items))
    recipe = build.get("recipe")
    if isinstance(recipe, dict):
        blocks.append(Code(yaml.safe_dump(recipe, sort_keys=False, allow_unicode=True).rstrip("\n"), "yaml"))
    return blocks or [Para(NOT_RUN)]


def _stages(build: dict, charts: set[str]) -> list:
    stages = [stage for stage in build.get("stages") or [] if isinstance(stage, dict)]
    if not stages:
        return [Para(NOT_RUN)]
    rows = [[text(stage.get("name")), text(stage.get("status")), num(stage.get("seconds"), ",.1f")] for stage in stages]
    seconds = [stage["seconds"] for stage in stages if is_number(stage.get("seconds"))]
    rows.append(["total", "", num(sum(seconds), ",.1f") if seconds else "-"])
    return [Table(["stage", "status", "seconds"], rows, left=2), *_image("stages", charts)]


def _data(build: dict) -> list:
    data = build.get("data")
    if not isinstance(data, dict):
        return [Para(NOT_RUN)]
    summary = _dict(data.get("summary"))
    blocks = []
    items = [("documents read", num(summary.get("documents_read"), ",.0f"))] if "documents_read" in summary else []
    for reason, count in _dict(summary.get("skipped_input")).items():
        items.append((f"input skipped ({reason})", num(count, ",.0f")))
    chat = _dict(data.get("chat"))
    if chat:
        items.append(
            ("chat conversations (train / held-out)", f"{num(chat.get('train'))} / {num(chat.get('heldout'))}")
        )
    if items:
        blocks.append(KeyValues(items))
    per_lang = _dict(summary.get("languages"))
    train, heldout = _dict(data.get("train")), _dict(data.get("heldout"))
    langs = _ordered_langs(build, per_lang, train, heldout)
    if langs:
        rows = []
        for lang in langs:
            counts, dropped = (
                _dict(_dict(per_lang.get(lang)).get("counts")),
                _dict(_dict(per_lang.get(lang)).get("dropped")),
            )
            dropped_total = sum(value for value in dropped.values() if is_number(value)) if dropped else None
            split = [_dict(train.get(lang)), _dict(heldout.get(lang))]
            rows.append(
                [
                    lang,
                    num(counts.get("final_docs"), ",.0f"),
                    num(counts.get("final_chars"), ",.0f"),
                    num(dropped_total, ",.0f"),
                    *[num(part.get(key), ",.0f") for part in split for key in ("docs", "chars")],
                ]
            )
        headers = ["language", "kept docs", "kept chars", "dropped docs", "train docs", "train chars"]
        blocks.append(Table([*headers, "held-out docs", "held-out chars"], rows))
    drops = _dict(summary.get("dropped"))
    if drops:
        ordered = sorted(drops.items(), key=lambda item: -item[1] if is_number(item[1]) else 0)
        blocks.append(Table(["dropped because", "documents"], [[reason, num(n, ",.0f")] for reason, n in ordered]))
    return blocks or [Para(NOT_RUN)]


def _tokenizer(build: dict) -> list:
    tokenizer = build.get("tokenizer")
    if not isinstance(tokenizer, dict):
        return [Para(NOT_RUN)]
    blocks = []
    trim = tokenizer.get("trim")
    if isinstance(trim, dict):
        vocab, params = _dict(trim.get("vocab")), _dict(trim.get("parameters"))
        items = [
            ("vocabulary", f"{num(vocab.get('original'))} -> {num(vocab.get('kept'))}"),
            (
                "parameters",
                f"{num(params.get('original'))} -> {num(params.get('trimmed'))} "
                f"({pct(percent_change(params.get('trimmed'), params.get('original')))})",
            ),
        ]
        blocks += [Para("Vocabulary trim:"), KeyValues(items)]
        held = _dict(_dict(trim.get("held_out")).get("per_language"))
        if held:
            rows = []
            for lang in _ordered_langs(build, held):
                row = _dict(held[lang])
                before, after = row.get("tokens_original"), row.get("tokens_trimmed")
                share = row.get("dropped_share")
                rows.append([lang, num(before), num(after), pct(percent_change(after, before)), num(share, ".1%")])
            every = _dict(trim.get("held_out")).get("every")
            blocks.append(Para("Held-out tokens before and after the trim" + (f" ({every})." if every else ".")))
            blocks.append(Table(["language", "tokens before", "tokens after", "change", "tokens dropped"], rows))
    else:
        blocks.append(Para("Vocabulary trim: " + NOT_RUN.lower()))
    parity = _dict(tokenizer.get("parity"))
    if parity:
        models = list(parity)
        langs = _ordered_langs(build, *parity.values())
        headers = ["language"]
        for model in models:
            headers += [f"{model} tokens", f"{model} parity", f"{model} fertility"]
        rows = []
        for lang in langs:
            row = [lang]
            for model in models:
                entry = _dict(_dict(parity[model]).get(lang))
                row += [num(entry.get("tokens")), num(entry.get("parity"), ".2f"), num(entry.get("fertility"), ".2f")]
            rows.append(row)
        corpus = tokenizer.get("parity_corpus")
        blocks.append(Para("Tokenizer parity" + (f" on {corpus}." if corpus else ".")))
        blocks.append(Table(headers, rows))
    return blocks


def _loss(rows: list) -> tuple[float | None, float | None]:
    losses = [row["loss"] for row in rows if isinstance(row, dict) and is_number(row.get("loss"))]
    return (losses[0], losses[-1]) if losses else (None, None)


def _training(build: dict, charts: set[str]) -> list:
    rows, ran = [], False
    for stage in ("cpt", "sft", "dpo"):
        entry = build.get(stage)
        ran = ran or isinstance(entry, dict)
        if not isinstance(entry, dict):
            if stage != "dpo":
                rows.append([stage, NOT_RUN.rstrip(".").lower(), *["-"] * 6])
            continue
        first, last = _loss(entry.get("metrics") or [])
        tokens, seconds = entry.get("tokens"), entry.get("seconds")
        speed = tokens / seconds if is_number(tokens) and is_number(seconds) and seconds > 0 else None
        rows.append(
            [
                stage,
                text(entry.get("mode")),
                num(entry.get("steps")),
                num(tokens),
                num(seconds, ",.1f"),
                num(speed, ",.0f"),
                num(first, ".3f"),
                num(last, ".3f"),
            ]
        )
    if not ran:
        return [Para(NOT_RUN)]
    headers = ["stage", "mode", "steps", "tokens", "seconds", "tokens/s", "first loss", "last loss"]
    blocks = [Table(headers, rows, left=2), *_image("loss", charts), *_image("cpt_heldout_ppl", charts)]
    merge = build.get("merge")
    if isinstance(merge, dict) and _scalars(merge):
        blocks += [Para("Merge:"), KeyValues(_scalars(merge))]
    return blocks


def _quality_table(heldout: dict, order: list[str], first: str) -> list:
    """One held-out quality table (bits per byte and token perplexity of each compared model)."""
    per_lang = _dict(heldout.get("per_language"))
    models = list(heldout.get("models") or []) or sorted({m for entry in per_lang.values() for m in _dict(entry)})
    compare = "base" in models and "result" in models
    headers = [first, *[f"{model} bits/byte" for model in models]]
    headers += ["result vs base"] if compare else []
    headers += [f"{model} token ppl" for model in models]
    rows = []
    for lang in order:
        entry = _dict(per_lang[lang])
        bpb = [_dict(entry.get(model)).get("bits_per_byte") for model in models]
        row = [lang, *[num(value, ".3f") for value in bpb]]
        if compare:
            row.append(pct(percent_change(bpb[models.index("result")], bpb[models.index("base")])))
        row += [num(_dict(entry.get(model)).get("ppl_token"), ",.2f") for model in models]
        rows.append(row)
    blocks = []
    if heldout.get("texts"):
        blocks.append(Para(f"Measured on: {heldout['texts']}. Lower is better."))
    return [*blocks, Table(headers, rows)]


def _heldout(build: dict, charts: set[str]) -> list:
    evaluation = _dict(build.get("eval"))
    heldout = _dict(evaluation.get("heldout"))
    per_lang = _dict(heldout.get("per_language"))
    if not per_lang:
        return [Para(NOT_RUN)]
    blocks = [*_quality_table(heldout, _ordered_langs(build, per_lang), "language"), *_image("bits_per_byte", charts)]
    mixed = _dict(evaluation.get("codeswitch"))
    if _dict(mixed.get("per_language")):
        blocks += _quality_table(mixed, list(_dict(mixed.get("per_language"))), "variety")
    return blocks


def _task_cells(results: dict) -> dict[tuple[str, str], dict]:
    """{(language, task): {score, stderr}} from an eval run's nested results."""
    cells = {}
    for lang, comps in _dict(results).items():
        for tasks in _dict(comps).values():
            for task, summary in _dict(tasks).items():
                summary = _dict(summary)
                if any(key.startswith("normalized_") and "stderr" not in key for key in summary):
                    key = normalized_key(summary)
                    cells[(lang, task)] = {"score": summary.get(key), "stderr": summary.get("normalized_stderr")}
    return cells


def _score_change(new: dict | None, old: dict | None) -> str:
    new, old = _dict(new).get("score"), _dict(old).get("score")
    return f"{new - old:+.1f}" if is_number(new) and is_number(old) else "-"


def _tasks(build: dict, charts: set[str]) -> list:
    runs = {name: _dict(run) for name, run in _dict(_dict(build.get("eval")).get("tasks")).items()}
    if not runs:
        return [Para(NOT_RUN)]
    models = list(runs)
    compare = "base" in runs and "result" in runs
    limit = _dict(_dict(build.get("recipe")).get("eval")).get("limit")
    caveat = (
        f" At most {limit} items per task and language (eval.limit): with so few, a difference "
        "inside the standard errors is noise, and a standard error of 0 means too few items to estimate one."
        if is_number(limit)
        else ""
    )
    blocks = [Para("Normalized scores (0 = chance, 100 = perfect) ± bootstrap standard error." + caveat)]
    averages = {name: _dict(run.get("aggregate")) for name, run in runs.items()}
    langs = _ordered_langs(build, *[average.get("languages") for average in averages.values()])
    if langs:
        rows = []
        for lang in [*langs, "SEA average"]:
            cells = [
                average.get("sea_average") if lang == "SEA average" else _dict(average.get("languages")).get(lang)
                for average in averages.values()
            ]
            row = [lang, *[fmt(cell) for cell in cells]]
            if compare:
                row.append(_score_change(cells[models.index("result")], cells[models.index("base")]))
            rows.append(row)
        blocks.append(Table(["language", *models, *(["change"] if compare else [])], rows))
    cells = {name: _task_cells(run.get("results")) for name, run in runs.items()}
    keys = sorted({key for per_run in cells.values() for key in per_run}, key=lambda key: (key[1], key[0]))
    if keys:
        rows = []
        for lang, task in keys:
            scores = [cells[name].get((lang, task)) for name in models]
            row = [task, lang, *[fmt(score) for score in scores]]
            if compare:
                row.append(_score_change(scores[models.index("result")], scores[models.index("base")]))
            rows.append(row)
        blocks.append(Table(["task", "language", *models, *(["change"] if compare else [])], rows, left=2))
    return [*blocks, *_image("tasks", charts)]


def truncate(value, limit: int = GENERATION_CHARS) -> str:
    value = text(value).strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _generations(build: dict) -> list:
    generations = [g for g in _dict(build.get("eval")).get("generations") or [] if isinstance(g, dict)]
    if not generations:
        return [Para(NOT_RUN)]
    rows = [[text(g.get("lang")), *[truncate(g.get(key)) for key in ("prompt", "base", "result")]] for g in generations]
    note = f"Greedy continuations, cut at {GENERATION_CHARS} characters."
    return [Para(note), Table(["language", "prompt", "base", "result"], rows, left=4)]


def _guard(build: dict) -> list:
    guard = build.get("guard")
    if isinstance(guard, dict) and guard:
        return [KeyValues(_scalars(guard))]
    return [Para("Not available in this version.")]


def _export(build: dict) -> list:
    export = build.get("export")
    if not isinstance(export, dict):
        return [Para(NOT_RUN)]
    blocks = [KeyValues([("model folder", text(export.get("model_dir")))])] if export.get("model_dir") else []
    files = _dict(_dict(export.get("gguf")).get("files"))
    if files:
        rows = []
        for name, entry in files.items():
            entry = _dict(entry)
            size = entry.get("size_bytes")
            verified = {True: "yes", False: "no"}.get(entry.get("ok"), "-")
            rows.append([name, num(size / 1e6 if is_number(size) else None, ",.1f"), verified])
        blocks.append(Table(["GGUF file", "size (MB)", "verified"], rows))
    else:
        blocks.append(Para("GGUF export: " + NOT_RUN.lower()))
    return blocks


def _codebase(build: dict) -> list:
    areas = _dict(build.get("codebase"))
    if not areas:
        return [Para(NOT_RUN)]
    rows = [[area, num(_dict(v).get("files")), num(_dict(v).get("lines"))] for area, v in areas.items()]
    totals = [sum(_dict(v).get(key) or 0 for v in areas.values()) for key in ("files", "lines")]
    rows.append(["total", num(totals[0]), num(totals[1])])
    return [
        Para("Python files and non-blank lines per area of the seaforge package."),
        Table(["area", "files", "lines"], rows),
    ]


def _image(chart: str, charts: set[str]) -> list:
    return [Image(chart)] if chart in charts else []


def title(build: dict) -> str:
    return f"{build.get('name') or 'seaforge build'}: report card"


def sections(build: dict, charts: set[str] | frozenset = frozenset()) -> list[Section]:
    """The report's content; `charts` names the charts that exist (others are left out)."""
    blocks = [
        [Para(" ".join(summary_sentences(build)))],
        _environment(build),
        _recipe(build),
        _stages(build, charts),
        _data(build),
        _tokenizer(build),
        _training(build, charts),
        _heldout(build, charts),
        _tasks(build, charts),
        _generations(build),
        _guard(build),
        _export(build),
        _codebase(build),
    ]
    return [Section(name, content) for name, content in zip(SECTION_TITLES, blocks, strict=True)]


def write_report(build: dict, out: Path) -> tuple[Path, Path]:
    """Write OUT/report/*.png, OUT/report.md and OUT/report.html (each atomically); return the md and html paths."""
    # Imported here: the renderers import this module for the shared content.
    from seaforge.build.charts import make_charts
    from seaforge.build.report_html import render_html
    from seaforge.build.report_md import render_markdown
    from seaforge.io import atomic_dir, atomic_write_text

    out = Path(out)
    pngs = make_charts(build)
    with atomic_dir(out / "report") as tmp:
        for name, png in pngs.items():
            (tmp / f"{name}.png").write_bytes(png)
    md_path, html_path = out / "report.md", out / "report.html"
    atomic_write_text(md_path, render_markdown(build, {name: f"report/{name}.png" for name in pngs}))
    atomic_write_text(html_path, render_html(build, pngs))
    return md_path, html_path
