"""Decontamination against real SEA-HELM files nobody on the team wrote (../shared/corpora, when present)."""

import json
from pathlib import Path

import pytest

from seaforge.data.decontam import build_index
from seaforge.text.normalize import normalize
from seaforge.text.segment import segment

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
BELEBELE = [CORPORA / "belebele" / f"{lang}_belebele.jsonl" for lang in ("jv", "su")]
MMLU = [CORPORA / "global-mmlu-lite" / f"global_mmlu_lite_{lang}_test.jsonl" for lang in ("my", "ms", "tl")]


@pytest.fixture(scope="module")
def corpora() -> Path:
    if not all(p.is_file() for p in BELEBELE + MMLU):
        pytest.skip("../shared/corpora (belebele, global-mmlu-lite) is not present")
    return CORPORA


def test_every_belebele_passage_is_caught_as_a_training_document(corpora):
    index = build_index(BELEBELE)
    assert [s.records for s in index.sets] == [280, 280]
    assert all(s.ngrams > 1000 for s in index.sets), [s.report() for s in index.sets]
    missed = []
    for path in BELEBELE:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            record = json.loads(line)
            lang = record["metadata"]["language"]
            passage = normalize(record["prompts"][0]["text"])
            if index.first_hit(segment(passage, lang)) is None:
                missed.append(f"{path.name}:{lineno}")
    assert not missed, missed


def test_belebele_instructions_alone_are_not_contamination(corpora):
    index = build_index(BELEBELE)
    template = json.loads(BELEBELE[0].read_text(encoding="utf-8").splitlines()[0])["prompt_templates"][0]
    assert index.first_hit(segment(normalize(template), "jv")) is None


def test_global_mmlu_lite_files_are_indexed_in_each_language(corpora):
    index = build_index(MMLU)
    assert [s.records for s in index.sets] == [400, 400, 400]
    assert all(s.ngrams > 0 and not s.skipped for s in index.sets), [s.report() for s in index.sets]
    first = json.loads(MMLU[0].read_text(encoding="utf-8").splitlines()[0])["prompts"][0]["question"]
    assert index.first_hit(segment(normalize(first), "my")) == f"{MMLU[0].name}:1"
