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
from datatrove.pipeline.writers import JsonlWriter

from seaforge.data.dedup import SeaMinhashSignature, exact_config
from seaforge.data.readers import SafeJsonlReader, make_reader
from seaforge.data.recipe import Recipe
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
from seaforge.io import atomic_write_json


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
        self.mh_sigs, self.mh_buckets, self.mh_remove = (work / "minhash" / d for d in ("sigs", "buckets", "remove"))


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
        readers.append(make_reader(kind, path, spec.text_key, spec.id_key, spec.glob,
                                   metadata={"source": spec.name}, **spec.options))
    return readers


def _curate(recipe: Recipe, layout: Layout) -> list:
    steps = [*_readers(recipe, layout), Normalize(),
             LanguageFilter(recipe.languages, recipe.langid.min_confidence, _rejected(recipe, layout, "langid")),
             LineCleaner(_rejected(recipe, layout, "lines")),
             QualityFilter(recipe.quality, _rejected(recipe, layout, "quality"))]
    dc = recipe.decontaminate
    if dc.eval_sets or dc.eval_tasks:
        from seaforge.data.decontam import build_index
        index = build_index(dc.eval_sets, n=dc.ngram, eval_tasks=dc.eval_tasks, eval_data=dc.eval_data)
        steps.append(Decontaminate(index, dc.mode, _rejected(recipe, layout, "decontam")))
    if recipe.pii:
        steps.append(RedactPII())
    steps += [CountByLang("curated"), JsonlWriter(str(layout.curated), output_filename="${rank}.jsonl.gz")]
    return steps


def build_stages(recipe: Recipe) -> list[Stage]:
    """The recipe as an ordered list of datatrove stages."""
    layout, tasks, d = Layout(Path(recipe.output)), recipe.tasks, recipe.dedup
    curated = lambda: SafeJsonlReader(str(layout.curated), glob_pattern="*.jsonl.gz")  # noqa: E731
    xcfg = exact_config()
    mcfg = MinhashConfig(n_grams=d.ngrams, num_buckets=d.buckets, hashes_per_bucket=d.hashes_per_bucket)
    stages = [Stage("curate", _curate(recipe, layout), tasks)]
    dedup_steps: list = [curated()]
    if d.exact:
        stages += [Stage("exact_sigs", [curated(), ExactDedupSignature(str(layout.exact_sigs), xcfg)], tasks),
                   Stage("exact_find", [ExactFindDedups(str(layout.exact_sigs), str(layout.exact_dups), xcfg,
                                                        save_cluster_size=True)], 1)]
        dedup_steps.append(ExactDedupFilter(str(layout.exact_dups), xcfg, _rejected(recipe, layout, "exact_dup")))
    dedup_steps.append(CountByLang("after_exact"))
    if d.minhash:
        sig_input = [curated()] + ([ExactDedupFilter(str(layout.exact_dups), xcfg)] if d.exact else [])
        stages += [
            Stage("minhash_sigs", [*sig_input, SeaMinhashSignature(str(layout.mh_sigs), mcfg, d.ngrams_by_lang)],
                  tasks),
            Stage("minhash_buckets", [MinhashDedupBuckets(str(layout.mh_sigs), str(layout.mh_buckets), config=mcfg)],
                  d.buckets),
            Stage("minhash_cluster", [MinhashDedupCluster(str(layout.mh_buckets), str(layout.mh_remove), config=mcfg,
                                                          save_cluster_size=True)], 1),
        ]
        dedup_steps.append(MinhashDedupFilter(str(layout.mh_remove), _rejected(recipe, layout, "near_dup"),
                                              load_cluster_sizes=True))
    dedup_steps += [CountByLang("final"), DropMetadata(),
                    JsonlWriter(str(layout.docs), output_filename="${language}/${rank}.jsonl.gz")]
    stages.append(Stage("dedup", dedup_steps, tasks))
    if recipe.tokenize is not None:
        from seaforge.data.shards import TokenizeAndPack
        t = recipe.tokenize
        boost = {spec.name: spec.upsample for spec in recipe.inputs}
        stages.append(Stage("pack", [TokenizeAndPack(
            str(layout.docs), str(layout.tokens), str(layout.packed), recipe.languages, t.tokenizer, t.seq_len,
            t.rows_per_shard, t.batch_size, recipe.mix.model_dump(), boost)], 1))
    return stages


def make_executor(recipe: Recipe, stage: Stage, logging_dir: Path, depends=None):
    """The recipe's executor (local, Slurm or Ray) for one stage."""
    ex = recipe.executor
    workers = min(recipe.workers, stage.tasks)
    if ex.kind == "local":
        from datatrove.executor import LocalPipelineExecutor
        # fork: workers inherit the loaded modules and models instead of re-importing them
        # (seconds per stage on a laptop); datatrove's default forkserver is safer with threads.
        return LocalPipelineExecutor(stage.pipeline, tasks=stage.tasks, workers=workers,
                                     logging_dir=str(logging_dir), depends=depends,
                                     start_method=ex.start_method)
    if ex.kind == "slurm":
        from datatrove.executor import SlurmPipelineExecutor
        opts = {"time": "24:00:00", "partition": "cpu", **ex.slurm}
        return SlurmPipelineExecutor(stage.pipeline, tasks=stage.tasks, logging_dir=str(logging_dir),
                                     job_name=f"{recipe.name}-{stage.name}", depends=depends, **opts)
    from datatrove.executor import RayPipelineExecutor
    return RayPipelineExecutor(stage.pipeline, tasks=stage.tasks, workers=workers,
                               logging_dir=str(logging_dir), depends=depends, **ex.ray)


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


def claim_output(recipe: Recipe, restart: bool = False) -> dict:
    """Refuse to resume an output directory made by a different recipe (it would mix outputs).

    Writes nothing (``--restart`` deletes the old output); returns what ``save_recipe`` records.
    """
    root = Path(recipe.output)
    current = json.loads(json.dumps(recipe.model_dump(exclude={"executor", "keep_rejected"})))
    if restart and root.exists():
        import shutil
        shutil.rmtree(root)
    saved = root / "recipe.json"
    if saved.exists() and json.loads(saved.read_text()) != current:
        raise RuntimeError(f"{root} was made by a different recipe; use a new output or --restart")
    return current


def run_recipe(recipe: Recipe, on_stage: Callable[[int, int, str], None] | None = None,
               quiet: bool = True, restart: bool = False) -> dict:
    """Run every stage (skipping finished tasks) and write ``summary.json``; returns the summary."""
    from seaforge.data.summary import write_summary
    current = claim_output(recipe, restart)
    layout = Layout(Path(recipe.output))
    stages = build_stages(recipe)  # raises on a bad eval set before anything is written
    layout.root.mkdir(parents=True, exist_ok=True)
    atomic_write_json(layout.root / "recipe.json", current)
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
    if on_stage:
        on_stage(len(stages), len(stages), "done")
    return write_summary(layout.root, [s.name for s in stages])
