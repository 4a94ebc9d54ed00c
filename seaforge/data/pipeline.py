"""Build the corpus pipeline from a recipe as datatrove stages, and run them on an executor.

Stages (each a datatrove executor with its own completion markers under ``logs/<stage>``):
curate -> exact_sigs -> exact_find -> minhash_sigs -> minhash_buckets -> minhash_cluster
-> dedup -> pack. A killed run is rerun with the same command: finished tasks are skipped and
unfinished ones redone from their input, so the output is the same as an uninterrupted run.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup import (
    ExactDedupFilter,
    ExactDedupSignature,
    ExactFindDedups,
)
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
)

from seaforge.data.dedup import SeaMinhashSignature, exact_config
from seaforge.data.readers import SafeJsonlReader, make_reader
from seaforge.data.recipe import Recipe, RecipeError
from seaforge.data.steps import (
    Decontaminate,
    DropMetadata,
    LanguageFilter,
    LineCleaner,
    Normalize,
    QualityFilter,
    RedactPII,
    doc_lang,
    warm_up,
)
from seaforge.data.writers import JsonlWriter  # reproducible .gz bytes (no timestamp)
from seaforge.io import atomic_write_json, check_writable

# What a run writes under its output; --restart deletes these and nothing else.
RUN_ENTRIES = (
    "input",
    "docs",
    "packed",
    "logs",
    "rejected",
    "work",
    "recipe.json",
    "summary.json",
    "mixture.json",
    "report.html",
)
MANIFEST = "recipe.json"
# Default file patterns of the readers (make_reader), to check an input folder is not empty.
INPUT_GLOBS = {"parquet": "**/*.parquet", "text": "**/*.txt", "wet": "**/*.warc.wet*"}


class CountByLang(PipelineStep):
    """Counts documents and characters per language at a point in the pipeline (for the report)."""

    type = "📊 - STATS"

    def __init__(self, label: str):
        super().__init__()
        self.label = label
        self.name = f"count {label}"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            lang = doc_lang(doc)
            self.stat_update(f"{lang}/{self.label}_docs")
            self.stat_update(f"{lang}/{self.label}_chars", value=len(doc.text))
            yield doc


@dataclass
class Stage:
    name: str
    pipeline: list
    tasks: int


class Layout:
    """Where a run puts things, all under the recipe's ``output``."""

    def __init__(self, root: Path):
        self.root = root
        self.input, self.docs, self.packed = root / "input", root / "docs", root / "packed"
        self.logs, self.rejected, work = root / "logs", root / "rejected", root / "work"
        self.curated, self.tokens = work / "curated", work / "tokens"
        self.exact_sigs, self.exact_dups = work / "exact" / "sigs", work / "exact" / "dups"
        self.mh_sigs, self.mh_buckets, self.mh_remove = (
            work / "minhash" / part for part in ("sigs", "buckets", "remove")
        )


def _rejected(recipe: Recipe, layout: Layout, step: str):
    if not recipe.keep_rejected:
        return None
    return JsonlWriter(str(layout.rejected / step), output_filename="${rank}.jsonl.gz")


def _readers(recipe: Recipe, layout: Layout) -> list:
    readers = []
    for spec in recipe.inputs:
        path, kind = spec.path, spec.type
        if kind == "synthetic":  # generated once into output/input/<name>, then read as JSONL
            from seaforge.data.synthetic import write_corpus

            path = str(layout.input / spec.name)
            if not any(Path(path).glob("*.jsonl.gz")):
                write_corpus(path, spec.docs, shards=max(1, recipe.tasks), seed=spec.seed, malformed=True)
            kind = "jsonl"
        readers.append(
            make_reader(
                kind, path, spec.text_key, spec.id_key, spec.glob, metadata={"source": spec.name}, **spec.options
            )
        )
    return readers


@dataclass
class Checked:
    """What ``check_recipe`` loaded before any stage runs: the decontamination index (or None)."""

    eval_index: object | None = None  # seaforge.data.decontam.NgramIndex


def _check_inputs(recipe: Recipe) -> None:
    for i, spec in enumerate(recipe.inputs):
        if spec.type == "synthetic" or "://" in spec.path:
            continue  # generated here, or remote (s3://, hf://): datatrove's filesystem checks it
        if spec.type == "hf" and not spec.options.get("load_from_disk"):
            continue  # a hub dataset id
        where = f"field 'inputs.{i}.path' (input {spec.name!r})"
        path = Path(spec.path)
        if not path.exists():
            raise RecipeError(f"{where}: {path} does not exist")
        if path.is_dir() and spec.type != "hf":
            pattern = spec.glob or INPUT_GLOBS.get(spec.type, "**/*")
            if not any(p.is_file() for p in path.glob(pattern)):
                raise RecipeError(f"{where}: no files matching {pattern!r} in {path}")
        if spec.type in ("jsonl", "parquet"):
            _check_text_key(spec, i)


def _check_text_key(spec, i: int) -> None:
    """A wrong ``text_key`` skipped every record and failed stages later ("No files found"): peek
    at the first records (at most 100, or a Parquet footer) and say so at once."""
    from seaforge.data.readers import first_parquet_columns, first_records

    key, fix = spec.text_key, f"set inputs.{i}.text_key"
    if spec.type == "parquet":
        found = first_parquet_columns(spec.path, spec.glob)
        if found is not None and key not in found[1]:
            name, columns = found
            raise RecipeError(
                f"input {spec.name!r}: {name} has no column {key!r} (columns: {', '.join(columns[:12])}); {fix}"
            )
        return
    records, bad = first_records(spec.path, spec.glob)
    if len(records) <= bad or any(isinstance(record.get(key), str) for _, record in records):
        # The key is there, or most lines are broken (any could have held it): the run counts them.
        return
    files = list(dict.fromkeys(name for name, _ in records))
    keys = list(dict.fromkeys(k for _, record in records for k in record))
    kinds = sorted({type(record[key]).__name__ for _, record in records if key in record})
    detail = f" as a string (it is {', '.join(kinds)})" if kinds else ""
    raise RecipeError(
        f"input {spec.name!r}: no record in {', '.join(files)} has {key!r}{detail} "
        f"(the first {len(records)} records have keys: {', '.join(map(str, keys[:12])) or 'none'}); {fix}"
    )


def check_recipe(recipe: Recipe) -> Checked:
    """Load and check everything the recipe names before stage 1, so a typo fails in seconds,
    not after the curation: inputs exist, the output is writable, the tokenizer loads and has an
    eos token, the evaluation sets parse (records without a usable language are counted)."""
    _check_inputs(recipe)
    check_writable(recipe.output)
    if recipe.tokenize is not None:
        from seaforge.data.shards import load_tokenizer

        tokenizer = load_tokenizer(recipe.tokenize.tokenizer)
        if tokenizer.eos_token_id is None:
            raise RecipeError(
                f"field 'tokenize.tokenizer': {recipe.tokenize.tokenizer!r} has no eos token; "
                "packing needs one between documents"
            )
    decontam = recipe.decontaminate
    if not (decontam.eval_sets or decontam.eval_tasks):
        return Checked()
    from seaforge.data.decontam import EvalSetError, build_index

    try:
        index = build_index(
            decontam.eval_sets, n=decontam.ngram, eval_tasks=decontam.eval_tasks, eval_data=decontam.eval_data
        )
    except EvalSetError as err:
        if err.set_no is None:
            raise
        raise RecipeError(f"field 'decontaminate.eval_sets.{err.set_no}': {err}") from None
    # A set that indexes nothing would let its items through silently (SEA-HELM's nested records
    # once did): name the set and what was in it. The eval tasks may legitimately have no long text.
    for i, stats in enumerate(index.sets[: len(decontam.eval_sets)]):
        if not stats.ngrams:
            why = stats.why_empty(index.min_words)
            raise RecipeError(f"field 'decontaminate.eval_sets.{i}': {stats.name} gives no n-grams to match: {why}")
    return Checked(index)


def _curate(recipe: Recipe, layout: Layout, checked: Checked) -> list:
    steps = [
        *_readers(recipe, layout),
        Normalize(),
        LanguageFilter(recipe.languages, recipe.langid.min_confidence, _rejected(recipe, layout, "langid")),
        LineCleaner(_rejected(recipe, layout, "lines")),
        QualityFilter(recipe.quality, _rejected(recipe, layout, "quality")),
    ]
    if checked.eval_index is not None:
        steps.append(
            Decontaminate(checked.eval_index, recipe.decontaminate.mode, _rejected(recipe, layout, "decontam"))
        )
    if recipe.pii:
        steps.append(RedactPII())
    steps += [CountByLang("curated"), JsonlWriter(str(layout.curated), output_filename="${rank}.jsonl.gz")]
    return steps


def build_stages(recipe: Recipe, checked: Checked | None = None) -> list[Stage]:
    """The recipe as an ordered list of datatrove stages (``checked``: from ``check_recipe``)."""
    checked = check_recipe(recipe) if checked is None else checked
    layout, tasks, dedup = Layout(Path(recipe.output)), recipe.tasks, recipe.dedup
    curated = lambda: SafeJsonlReader(str(layout.curated), glob_pattern="*.jsonl.gz")  # noqa: E731
    exact_cfg = exact_config()
    minhash_cfg = MinhashConfig(
        n_grams=dedup.ngrams, num_buckets=dedup.buckets, hashes_per_bucket=dedup.hashes_per_bucket
    )
    stages = [Stage("curate", _curate(recipe, layout, checked), tasks)]
    dedup_steps: list = [curated()]
    if dedup.exact:
        stages += [
            Stage("exact_sigs", [curated(), ExactDedupSignature(str(layout.exact_sigs), exact_cfg)], tasks),
            Stage(
                "exact_find",
                [ExactFindDedups(str(layout.exact_sigs), str(layout.exact_dups), exact_cfg, save_cluster_size=True)],
                1,
            ),
        ]
        dedup_steps.append(ExactDedupFilter(str(layout.exact_dups), exact_cfg, _rejected(recipe, layout, "exact_dup")))
    dedup_steps.append(CountByLang("after_exact"))
    if dedup.minhash:
        sig_input = [curated()] + ([ExactDedupFilter(str(layout.exact_dups), exact_cfg)] if dedup.exact else [])
        stages += [
            Stage(
                "minhash_sigs",
                [*sig_input, SeaMinhashSignature(str(layout.mh_sigs), minhash_cfg, dedup.ngrams_by_lang)],
                tasks,
            ),
            Stage(
                "minhash_buckets",
                [MinhashDedupBuckets(str(layout.mh_sigs), str(layout.mh_buckets), config=minhash_cfg)],
                dedup.buckets,
            ),
            Stage(
                "minhash_cluster",
                [
                    MinhashDedupCluster(
                        str(layout.mh_buckets), str(layout.mh_remove), config=minhash_cfg, save_cluster_size=True
                    )
                ],
                1,
            ),
        ]
        dedup_steps.append(
            MinhashDedupFilter(str(layout.mh_remove), _rejected(recipe, layout, "near_dup"), load_cluster_sizes=True)
        )
    dedup_steps += [
        CountByLang("final"),
        DropMetadata(),
        JsonlWriter(str(layout.docs), output_filename="${language}/${rank}.jsonl.gz"),
    ]
    stages.append(Stage("dedup", dedup_steps, tasks))
    if recipe.tokenize is not None:
        from seaforge.data.shards import TokenizeAndPack

        pack = recipe.tokenize
        boost = {spec.name: spec.upsample for spec in recipe.inputs}
        stages.append(
            Stage(
                "pack",
                [
                    TokenizeAndPack(
                        str(layout.docs),
                        str(layout.tokens),
                        str(layout.packed),
                        recipe.languages,
                        pack.tokenizer,
                        pack.seq_len,
                        pack.rows_per_shard,
                        pack.batch_size,
                        recipe.mix.model_dump(),
                        boost,
                    )
                ],
                1,
            )
        )
    return stages


def make_executor(recipe: Recipe, stage: Stage, logging_dir: Path, depends=None):
    """The recipe's executor (local, Slurm or Ray) for one stage."""
    spec = recipe.executor
    workers = min(recipe.workers, stage.tasks)
    if spec.kind == "local":
        from seaforge.data.lifetime import LocalExecutor

        # fork: workers inherit the loaded modules and models instead of re-importing them
        # (seconds per stage on a laptop); datatrove's default forkserver is safer with threads.
        # LocalExecutor: the forked workers and Manager die with this process (PR_SET_PDEATHSIG).
        return LocalExecutor(
            stage.pipeline,
            tasks=stage.tasks,
            workers=workers,
            logging_dir=str(logging_dir),
            depends=depends,
            start_method=spec.start_method,
        )
    if spec.kind == "slurm":
        from datatrove.executor import SlurmPipelineExecutor

        slurm_options = {"time": "24:00:00", "partition": "cpu", **spec.slurm}
        return SlurmPipelineExecutor(
            stage.pipeline,
            tasks=stage.tasks,
            logging_dir=str(logging_dir),
            job_name=f"{recipe.name}-{stage.name}",
            depends=depends,
            **slurm_options,
        )
    from datatrove.executor import RayPipelineExecutor

    return RayPipelineExecutor(
        stage.pipeline, tasks=stage.tasks, workers=workers, logging_dir=str(logging_dir), depends=depends, **spec.ray
    )


@contextlib.contextmanager
def stderr_to(path: Path, enabled: bool):
    """Send datatrove's console logging (ours and forked workers') to a file while a stage runs."""
    if not enabled:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as fh:
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _is_manifest(path: Path) -> bool:
    """Whether ``path`` is the recipe.json a run writes (not any file of that name)."""
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(recorded, dict) and {"name", "output", "inputs"} <= recorded.keys()


def _remove_run(root: Path) -> None:
    """Delete what a run wrote under ``root`` (``--restart``), refusing anything that is not a run."""
    if not root.exists():
        return
    if not root.is_dir():
        raise RecipeError(f"output {root} is a file, not a run folder")
    if not _is_manifest(root / MANIFEST) and any(root.iterdir()):
        raise RecipeError(
            f"--restart: {root} is not a seaforge data run (no {MANIFEST}) and is not empty; "
            "nothing was deleted. Choose a new output, or empty it yourself"
        )
    import shutil

    for name in RUN_ENTRIES:
        entry = root / name
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        elif entry.exists() or entry.is_symlink():
            entry.unlink()


def _canonical(recorded: dict) -> dict:
    """A recorded recipe with aliases spelled one way, so renaming "tiny" to "tiny:llama" in a
    recipe (the same tokenizer) does not refuse to resume an existing run."""
    from seaforge.data.shards import TINY_ALIAS

    tokenize = recorded.get("tokenize")
    if isinstance(tokenize, dict) and tokenize.get("tokenizer") in TINY_ALIAS:
        return {**recorded, "tokenize": {**tokenize, "tokenizer": TINY_ALIAS[tokenize["tokenizer"]]}}
    return recorded


# Recorded in recipe.json beside the recipe: what else decides the output (see seaforge.data.identity).
IDENTITY_FIELDS = ("executor_tasks", "input_files")


def claim_output(recipe: Recipe, restart: bool = False) -> dict:
    """Refuse to resume an output made by a different recipe, task count or input files (it would
    mix outputs, or silently leave new input out), saying what changed; the old run is untouched.

    With ``restart``, first delete the old run (only a folder holding a run's ``recipe.json``, or
    an empty one). Writes nothing else; returns what ``run_recipe`` records in ``recipe.json``.
    """
    from seaforge.data.identity import input_files

    root = Path(recipe.output)
    current = json.loads(json.dumps(recipe.model_dump(exclude={"executor", "keep_rejected"})))
    current["executor_tasks"] = recipe.tasks  # which file a document lands in depends on it
    current["input_files"] = input_files(recipe)  # stat only: names, sizes, mtimes
    if restart:
        _remove_run(root)
    saved_path = root / MANIFEST
    if not saved_path.exists():
        return current
    if not _is_manifest(saved_path):
        raise RecipeError(
            f"{saved_path}: not a readable seaforge run manifest; use a new output or --restart "
            "(which deletes the run's files there only if the manifest is a run's)"
        )
    saved = json.loads(saved_path.read_text(encoding="utf-8"))
    old_recipe = _canonical({k: v for k, v in saved.items() if k not in IDENTITY_FIELDS})
    new_recipe = _canonical({k: v for k, v in current.items() if k not in IDENTITY_FIELDS})
    if old_recipe != new_recipe:
        from seaforge.data.identity import field_changes

        fields = field_changes(old_recipe, new_recipe)
        shown = ", ".join(fields[:5]) + (f" and {len(fields) - 5} more" if len(fields) > 5 else "")
        raise RecipeError(
            f"{root} was made by a different recipe (changed: {shown}); use a new output, "
            "or rerun with --restart to start over"
        )
    _check_same_tasks(root, saved, recipe.tasks)
    _check_same_inputs(root, saved, saved_path, current["input_files"])
    return current


def _check_same_tasks(root: Path, saved: dict, tasks: int) -> None:
    from seaforge.data.identity import recorded_tasks

    saved_tasks, source = saved.get("executor_tasks"), ""
    if saved_tasks is None:  # a manifest from before it was recorded: datatrove's own record
        saved_tasks, source = recorded_tasks(root), " (per logs/curate/executor.json: the manifest predates it)"
    if saved_tasks is not None and saved_tasks != tasks:
        raise RecipeError(
            f"{root} was started with executor.tasks={saved_tasks}, not {tasks}{source}: "
            f"the task count changes the output; rerun with --tasks {saved_tasks} or --restart"
        )


def _check_same_inputs(root: Path, saved: dict, saved_path: Path, current: list[dict]) -> None:
    from seaforge.data.identity import files_newer_than, input_changes

    if "input_files" in saved:
        problems = input_changes(saved["input_files"], current)
    else:
        # Written before input files were recorded: the best evidence left is the time the run
        # last started (the manifest is rewritten then). A removed file cannot be seen this way.
        from datatrove.utils.logging import logger

        problems = files_newer_than(current, saved_path.stat().st_mtime)
        logger.warning(
            f"{saved_path} predates the input file list: checked only that no input file is newer "
            "than the run (a removed input file cannot be detected); the list is recorded from now on"
        )
    if problems:
        raise RecipeError(
            f"{root} was made from other input files: {'; '.join(problems)}; the run there is untouched. "
            "Rerun with --restart to start over (or put the inputs back as they were)"
        )


def _nothing_curated(layout: Layout) -> bool:
    return not any(layout.curated.glob("*.jsonl.gz"))


def _why_empty(summary: dict) -> str:
    read = int(summary["documents_read"])
    skipped = {k: int(v) for k, v in summary.get("skipped_input", {}).items() if v}
    if not read:
        detail = ", ".join(f"{k} {v}" for k, v in sorted(skipped.items())) or "no records"
        return f"0 documents read from the inputs ({detail} malformed records skipped)"
    drops = sorted(((int(v), k) for k, v in summary["dropped"].items() if v), reverse=True)
    reasons = ", ".join(f"{reason} {count}" for count, reason in drops) or "no reason recorded"
    return f"0 of {read} documents kept after curation (dropped: {reasons})"


def run_recipe(
    recipe: Recipe, on_stage: Callable[[int, int, str], None] | None = None, quiet: bool = True, restart: bool = False
) -> dict:
    """Check everything, run every stage (skipping finished tasks) and write ``summary.json``."""
    from seaforge.data.summary import write_summary

    checked = check_recipe(recipe)  # before anything is written or deleted
    current = claim_output(recipe, restart)
    layout = Layout(Path(recipe.output))
    stages = build_stages(recipe, checked)
    extra = {}
    if checked.eval_index is not None:
        hit_key = "flagged" if recipe.decontaminate.mode == "flag" else "removed"
        extra = {
            "decontam_skipped": dict(checked.eval_index.skipped),
            "decontam_skipped_examples": list(checked.eval_index.skipped_examples),
            # per set, in order; write_summary adds the documents each removed (or flagged)
            "decontamination": {s.name: {**s.report(), hit_key: 0} for s in checked.eval_index.sets},
        }
    layout.root.mkdir(parents=True, exist_ok=True)
    atomic_write_json(layout.root / MANIFEST, current)
    if recipe.executor.kind == "slurm":  # submit the whole chain; the summary comes later
        executor = None
        for stage in stages:
            executor = make_executor(recipe, stage, layout.logs / stage.name, depends=executor)
        executor.run()
        return {"submitted": [s.name for s in stages]}
    if recipe.executor.kind == "local" and recipe.executor.start_method == "fork":
        warm_up(recipe.languages)
    for i, stage in enumerate(stages):
        if on_stage:
            on_stage(i, len(stages), stage.name)
        with stderr_to(layout.logs / stage.name / "console.log", quiet):
            make_executor(recipe, stage, layout.logs / stage.name).run()
        if stage.name == "curate" and _nothing_curated(layout):
            # Every document was dropped: the later stages would only fail on an empty folder.
            summary = write_summary(layout.root, ["curate"], extra)
            raise RecipeError(
                f"{_why_empty(summary)}; nothing to deduplicate or pack. See {layout.root / 'summary.json'}"
            )
    if on_stage:
        on_stage(len(stages), len(stages), "done")
    return write_summary(layout.root, [s.name for s in stages], extra)
