"""`eval run --model gemma3-270m` on a real XCOPA slice (slow: a real 270M model on the CPU).

Skipped when the converted model is not in the cache (`seaforge models pull gemma3-270m`) or the
shared corpora are absent. Few-shot examples come from XCOPA's validation split, never the test.
"""

import json
from pathlib import Path

import pytest

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
XCOPA = CORPORA / "xcopa" / "data" / "id"


def _first_lines(path: Path, count: int) -> list[dict]:
    with path.open(encoding="utf-8") as source:
        return [{**json.loads(next(source)), "lang": "id"} for _ in range(count)]


@pytest.mark.slow
def test_gemma3_270m_runs_on_real_xcopa_with_examples_from_the_validation_split(tmp_path, capsys):
    from seaforge.models import registry

    if not registry.is_pulled("gemma3-270m"):
        pytest.skip("gemma3-270m is not converted yet (seaforge models pull gemma3-270m)")
    if not XCOPA.is_dir():
        pytest.skip(f"{XCOPA} not present")
    data = tmp_path / "data"
    data.mkdir()
    (data / "causal.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in _first_lines(XCOPA / "test.id.jsonl", 4)), encoding="utf-8"
    )
    (data / "causal_examples.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in _first_lines(XCOPA / "val.id.jsonl", 10)), encoding="utf-8"
    )
    from seaforge.cli import run

    out = tmp_path / "out"
    rc = run(
        [
            "eval",
            "run",
            "--model",
            "gemma3-270m",
            "--tasks",
            "causal",
            "--languages",
            "id",
            "--data",
            str(data),
            "--mode",
            "base",
            "--choice-scoring",
            "loglikelihood",
            "--out",
            str(out),
        ]
    )
    assert rc == 0, capsys.readouterr().err
    result = json.loads((out / "results.json").read_text(encoding="utf-8"))
    summary = result["results"]["id"]["nlr"]["causal"]
    assert summary["n"] == 4 and summary["fewshot"] == {"k": 5, "source": str(data / "causal_examples.jsonl")}
    assert result["model"]["model"] == "gemma3-270m" and result["prompts"]["truncated_left"] == 0
    rows = [json.loads(line) for line in (out / "items" / "causal" / "id.jsonl").read_text().splitlines()]
    assert len(rows) == 4 and all(len(row["logprobs"]) == 2 and max(row["logprobs"]) < 0 for row in rows)
