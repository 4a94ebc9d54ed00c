"""The build report card: sections, "not run" fallbacks, escaping, self-contained HTML, numbers."""

from __future__ import annotations

import copy
import math
import re

import pytest

from seaforge.build.charts import make_charts
from seaforge.build.codebase import codebase_size
from seaforge.build.report import SECTION_TITLES, percent_change, write_report
from seaforge.build.report_html import render_html
from seaforge.build.report_md import render_markdown

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _task(score: float, stderr: float) -> dict:
    return {"accuracy": 0.5, "normalized_accuracy": score, "stderr": 0.02, "normalized_stderr": stderr, "n": 3}


def _eval_run(scores: dict[str, float]) -> dict:
    results = {lang: {"nlu": {"sentiment": _task(score, 4.0)}} for lang, score in scores.items()}
    languages = {lang: {"score": score, "stderr": 4.0, "competencies": {}} for lang, score in scores.items()}
    mean = sum(scores.values()) / len(scores)
    return {"results": results, "aggregate": {"sea_average": {"score": mean, "stderr": 2.5}, "languages": languages}}


def fixture_build() -> dict:
    """An invented but plausible build.json (a fixture: none of these numbers were measured)."""
    langs = ["id", "th", "en"]
    metrics = [
        {
            "step": step,
            "loss": 3.5 - 0.1 * step,
            "lr": 1e-4,
            "tokens_per_s": 150.0,
            "ppl/id": 30.0 - step,
            "ppl/th": 25.0,
        }
        for step in range(1, 6)
    ]
    return {
        "name": "fixture-build",
        "recipe": {"name": "fixture-build", "languages": langs, "cpt": {"data": {"replay": {"en": 0.25}}}},
        "recipe_source": "embedded default",
        "overrides": ["cpt.train.steps=5"],
        "environment": {
            "seaforge": "0.1.0",
            "python": "3.11.9",
            "torch": "2.13.0",
            "transformers": "4.56.0",
            "platform": "Linux-x86_64",
            "cpu": "Fixture CPU",
            "cpu_cores": 2,
            "ram_gib": 24.0,
            "gpu": None,
            "git_commit": "abc1234",
        },
        "stages": [
            {"name": "data", "status": "ran", "seconds": 5.5},
            {"name": "cpt", "status": "cached", "seconds": 120.0},
            {"name": "dpo", "status": "not in recipe", "seconds": None},
        ],
        "model": {
            "base": "tiny:gemma3",
            "architecture": "gemma3_text",
            "parameters": 1000,
            "vocab_size": 500,
            "licence": {"license": "fixture-licence", "license_link": "https://example.org/licence"},
        },
        "data": {
            "summary": {
                "documents_read": 120,
                "dropped": {"too_short": 7, "exact_duplicate": 3},
                "languages": {
                    "id": {"counts": {"final_docs": 40, "final_chars": 20000}, "dropped": {"too_short": 4}},
                    "th": {"counts": {"final_docs": 35, "final_chars": 18000}, "dropped": {"too_short": 3}},
                },
            },
            "train": {"id": {"docs": 36, "chars": 18000}, "th": {"docs": 31, "chars": 16000}},
            "heldout": {"id": {"docs": 4, "chars": 2000}, "th": {"docs": 4, "chars": 2000}},
            "chat": {"train": 80, "heldout": 20},
        },
        "tokenizer": {
            "trim": {
                "vocab": {"original": 262144, "kept": 32000},
                "parameters": {"original": 268098176, "trimmed": 100000000},
                "held_out": {
                    "per_language": {"th": {"dropped_share": 0.05, "tokens_original": 200, "tokens_trimmed": 210}}
                },
            },
            "parity": {
                "base": {"en": {"tokens": 100, "parity": 1.0, "fertility": 1.3}, "th": {"tokens": 150, "parity": 1.5}},
                "trimmed": {"en": {"tokens": 101, "parity": 1.0}, "th": {"tokens": 158, "parity": 1.56}},
            },
            "parity_corpus": "fixture parallel sentences",
        },
        "cpt": {"metrics": metrics, "steps": 5, "tokens": 5120, "seconds": 40.0, "mode": "full"},
        "sft": {
            "metrics": [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5}],
            "steps": 2,
            "tokens": 1024,
            "seconds": 8.0,
        },
        "eval": {
            "heldout": {
                "models": ["base", "trimmed", "result"],
                "metric": "bits_per_byte",
                "per_language": {
                    "id": {
                        "base": {"bits_per_byte": 2.0, "ppl_token": 20.0},
                        "trimmed": {"bits_per_byte": 2.0},
                        "result": {"bits_per_byte": 1.5, "ppl_token": 12.0},
                    },
                    "th": {"base": {"bits_per_byte": 1.0}, "result": {"bits_per_byte": 1.1}},
                    "en": {"base": {"bits_per_byte": 1.0}, "result": {"bits_per_byte": 1.012}},
                },
                "texts": "fixture held-out paragraphs",
            },
            "tasks": {"base": _eval_run({"id": 10.0, "th": 20.0}), "result": _eval_run({"id": 25.0, "th": 18.0})},
            "task_names": ["sentiment"],
            "generations": [
                {"lang": "id", "prompt": "Say <script>alert(1)</script>", "base": "x" * 1000, "result": "ok"}
            ],
        },
        "guard": None,
        "export": {
            "model_dir": "OUT/model",
            "gguf": {
                "files": {
                    "m-q8_0.gguf": {"size_bytes": 300_000_000, "ok": True},
                    "m-q4_k_m.gguf": {"size_bytes": 2e8, "ok": False},
                }
            },
        },
        "codebase": {"text": {"files": 2, "lines": 30}, "core": {"files": 1, "lines": 5}},
    }


def _section(markdown: str, title: str) -> str:
    return markdown.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


# Charts are slow-ish to draw; the renderers only need a name -> bytes map.
FAKE_PNGS = {name: PNG_MAGIC + b"fixture" for name in ("loss", "cpt_heldout_ppl", "bits_per_byte", "tasks", "stages")}


def test_every_section_present_with_numbers():
    build = fixture_build()
    md = render_markdown(build, {name: f"report/{name}.png" for name in FAKE_PNGS})
    html = render_html(build, FAKE_PNGS)
    for title in SECTION_TITLES:
        assert f"## {title}\n" in md
        assert f"<h2>{title}</h2>" in html
    assert "fell in 1 of 2 adapted languages" in md
    assert "the replay language en changed by +1.2%" in md
    assert "| id | 2.000 | 2.000 | 1.500 | -25.0% |" in md  # bits/byte per model, then result vs base
    assert "262,144 -> 32,000" in md and "-62.7%" in md  # vocabulary and parameters
    assert "| th | 200 | 210 | +5.0% | 5.0% |" in md
    assert "10.0 ± 4.0" in md and "+15.0" in md  # eval: base score ± stderr and the change
    assert "| cpt | full | 5 | 5,120 | 40.0 | 128 | 3.400 | 3.000 |" in md
    assert "| m-q8_0.gguf | 300.0 | yes |" in md and "| m-q4_k_m.gguf | 200.0 | no |" in md
    assert "fixture held-out paragraphs" in md
    assert "![Time per stage](report/stages.png)" in md
    assert "Not available in this version." in _section(md, "Guard")
    assert "- **GPU**: none" in md
    assert "- **licence**: fixture-licence, https://example.org/licence" in md


def test_missing_sections_say_not_run():
    build = {"name": "empty", "guard": None}
    md = render_markdown(build, {})
    for title in SECTION_TITLES:
        body = _section(md, title).lower()
        if title == "Summary":
            assert "nothing was measured" in body
        elif title == "Guard":
            assert "not available in this version" in body
        else:
            assert "not run in this build" in body, title
    html = render_html(build, {})
    assert "<img" not in html and "Not run in this build." in html


def test_partial_build_with_nan_and_none():
    build = fixture_build()
    del build["sft"], build["eval"]["tasks"]
    build["tokenizer"]["trim"] = None
    build["eval"]["heldout"]["per_language"]["th"]["result"]["bits_per_byte"] = math.nan
    md = render_markdown(build, {})
    assert "| sft | not run in this build |" in md
    assert "Vocabulary trim: not run in this build." in md
    assert "not run in this build" in _section(md, "Eval tasks").lower()
    assert "| th | 1.000 | - | - | - |" in md
    assert "fell in 1 of 1 adapted languages" in md
    build["eval"]["tasks"] = {"base": {"aggregate": {"languages": {"id": {"score": math.nan, "stderr": None}}}}}
    build["cpt"]["metrics"] = [{"step": 1, "ppl/id": 9.0}, {"step": 2, "loss": None}]
    assert sorted(make_charts(build)) == ["bits_per_byte", "cpt_heldout_ppl", "stages"]


def test_html_self_contained_and_escaped():
    html = render_html(fixture_build(), FAKE_PNGS)
    assert not re.search(r"""(src|href)\s*=\s*['"]?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<link" not in html and "<script" not in html
    assert html.count("src='data:image/png;base64,") == len(FAKE_PNGS)
    assert "Say &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "x" * 300 not in html and "x" * 299 + "…" in html  # truncated to 300 characters
    md = render_markdown(fixture_build(), {})
    assert not re.search(r"(?<!\\)<script", md) and r"Say \<script>alert(1)\</script>" in md


def test_percent_change():
    assert percent_change(1.5, 2.0) == pytest.approx(-25.0)
    assert percent_change(1.012, 1.0) == pytest.approx(1.2)
    assert percent_change(2, 0) is None
    assert percent_change(None, 1.0) is None
    assert percent_change(1.0, math.nan) is None
    assert percent_change(True, 1.0) is None


def test_write_report(tmp_path):
    build = fixture_build()
    md_path, html_path = write_report(copy.deepcopy(build), tmp_path)
    assert (md_path, html_path) == (tmp_path / "report.md", tmp_path / "report.html")
    pngs = sorted(path.name for path in (tmp_path / "report").iterdir())
    assert pngs == sorted(f"{name}.png" for name in FAKE_PNGS)
    assert all((tmp_path / "report" / name).read_bytes().startswith(PNG_MAGIC) for name in pngs)
    md = md_path.read_text()
    assert all(f"(report/{name})" in md for name in pngs)
    assert html_path.read_text().count("data:image/png;base64,iVBOR") == len(pngs)
    # A build with nothing to chart: no PNGs, and the report still renders.
    write_report({"name": "bare"}, tmp_path / "bare")
    assert list((tmp_path / "bare" / "report").iterdir()) == []


def test_codebase_size(tmp_path):
    package = tmp_path / "pkg"
    (package / "text" / "inner").mkdir(parents=True)
    (package / "extra").mkdir()
    (package / "notes").mkdir()  # no __init__.py: not a subpackage
    (package / "__init__.py").write_text('"""doc"""\n\n\nX = 1\n')
    (package / "cli.py").write_text("a = 1\n   \nb = 2\n")
    (package / "text" / "__init__.py").write_text("")
    (package / "text" / "inner" / "deep.py").write_text("x = 1\ny = 2\nz = 3\n")
    (package / "text" / "inner" / "notes.txt").write_text("not python\n")
    (package / "extra" / "__init__.py").write_text("e = 1\n")
    (package / "notes" / "loose.py").write_text("n = 1\n")
    assert codebase_size(package) == {
        "text": {"files": 2, "lines": 3},
        "extra": {"files": 1, "lines": 1},
        "core": {"files": 2, "lines": 4},
    }
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("def test():\n\n    pass\n")
    assert "tests" not in codebase_size(package)  # not a source checkout
    (tmp_path / "pyproject.toml").write_text("")
    assert codebase_size(package)["tests"] == {"files": 1, "lines": 2}
