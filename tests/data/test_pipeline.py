import gzip
import json
import re
from pathlib import Path

import orjson

from seaforge.data.dedup import exact_key
from seaforge.data.packing import read_packed


def _docs(folder: Path) -> list[dict]:
    out = []
    for path in sorted(folder.rglob("*.jsonl.gz")):
        with gzip.open(path, "rb") as fh:
            out.extend(orjson.loads(line) for line in fh)
    return out


def test_run_writes_per_language_docs_and_single_language_shards(finished_run):
    recipe, summary, out = finished_run
    langs = sorted(p.name for p in (out / "docs").iterdir())
    assert langs == ["en", "id", "km", "th", "vi"]
    for lang in langs:
        assert {d["metadata"]["language"] for d in _docs(out / "docs" / lang)} == {lang}
    index = read_packed(out / "packed", verify=True)
    assert index.seq_len == 64 and set(index.langs()) == set(langs)
    assert abs(sum(index.mixture.values()) - 1) < 1e-6 and abs(index.mixture["en"] - 0.2) < 1e-6
    for shard in index.shards:
        assert shard.file.startswith(shard.lang + "-")
    mixture = json.loads((out / "mixture.json").read_text())
    assert mixture["en"]["tokens_out"] > 0


def test_every_input_document_is_accounted_for(finished_run):
    _, summary, out = finished_run
    assert summary["skipped_input"] == {"bad_json": 1, "invalid_utf8": 1, "missing_text": 1, "empty_text": 1}
    assert summary["documents_read"] == 260  # conftest.CORPUS_DOCS
    curate_drops = sum(v for k, v in summary["dropped"].items() if k not in ("exact_duplicate", "near_duplicate"))
    curated = len(_docs(out / "work" / "curated"))
    assert curate_drops + curated == 260
    final = len(_docs(out / "docs"))
    assert curated - summary["dropped"]["exact_duplicate"] - summary["dropped"]["near_duplicate"] == final
    for reason in ("exact_duplicate", "near_duplicate", "flagged_words", "too_few_words"):
        assert summary["dropped"].get(reason, 0) > 0, reason


def test_keep_rejected_writes_dropped_documents_with_their_reason(finished_run):
    _, summary, out = finished_run
    rejected = _docs(out / "rejected" / "quality")
    assert len(rejected) == sum(
        summary["dropped"].get(r, 0)
        for r in (
            "flagged_words",
            "too_few_words",
            "few_stopwords",
            "symbol_ratio",
            "digit_ratio",
            "top_4gram",
            "top_3gram",
            "top_2gram",
            "dup_5gram",
            "dup_line_frac",
        )
    )
    assert all(d["metadata"]["filter_reason"] for d in rejected)
    assert len(_docs(out / "rejected" / "near_dup")) == summary["dropped"]["near_duplicate"]


def test_final_documents_have_no_exact_duplicates_no_pii_and_no_boilerplate(finished_run):
    from datatrove.data import Document

    _, _, out = finished_run
    docs = _docs(out / "docs")
    keys = [exact_key(Document(d["text"], d["id"], metadata=d["metadata"])) for d in docs]
    assert len(keys) == len(set(keys))
    assert not any(re.search(r"@[a-z]+\.example", d["text"]) for d in docs)
    assert not any("cookie" in d["text"].lower() or "©" in d["text"] for d in docs)
    assert "sf_words" not in docs[0]["metadata"]


def test_planted_near_duplicates_are_removed(finished_run):
    _, _, out = finished_run
    curated = {d["id"]: d for d in _docs(out / "work" / "curated")}
    final = {d["id"] for d in _docs(out / "docs")}
    pairs = [
        (i, d["metadata"]["meta"]["dup_of"])
        for i, d in curated.items()
        if d["metadata"]["meta"]["kind"] == "near" and d["metadata"]["meta"]["dup_of"] in curated
    ]
    assert len(pairs) >= 10
    survived_both = [p for p in pairs if p[0] in final and p[1] in final]
    assert len(survived_both) / len(pairs) <= 0.1
