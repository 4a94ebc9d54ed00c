"""SFT: assistant-only loss, multi-turn, packing, thinking templates, and a short run per architecture."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seaforge.config import load_config
from seaforge.train.batches import IGNORE
from seaforge.train.config import ConfigError, SFTConfig
from seaforge.train.sft import run_sft
from seaforge.train.sft_data import load_chat_rows, pack_examples, tokenize_chat

CHATS = [
    [
        {"role": "system", "content": "Kamu asisten yang ramah."},
        {"role": "user", "content": "Apa ibu kota Jawa Barat?"},
        {"role": "assistant", "content": "Ibu kota Jawa Barat adalah Bandung."},
    ],
    [
        {"role": "user", "content": "Xin chào, bạn khỏe không?"},
        {"role": "assistant", "content": "Tôi khỏe, cảm ơn bạn."},
        {"role": "user", "content": "Hôm nay trời thế nào?"},
        {"role": "assistant", "content": "Hôm nay trời nắng đẹp."},
    ],
    [
        {"role": "user", "content": "Salamat po! Ano ang paborito mong pagkain?"},
        {"role": "assistant", "content": "Gusto ko ang adobo at sinigang."},
    ],
]

THINKING_TEMPLATE = (
    "{%- for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{%- endfor %}"
    "{%- if add_generation_prompt %}<|im_start|>assistant\n"
    "{%- if enable_thinking is defined and not enable_thinking %}<think></think>{%- endif %}{%- endif %}"
)


def write_chats(path, chats=CHATS, extra_lines=()):
    lines = [json.dumps({"messages": c}, ensure_ascii=False) for c in chats] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_tokens_outside_assistant_turns_carry_no_loss(tokenizer):
    ids, labels = tokenize_chat(tokenizer, CHATS[1])
    trained = tokenizer.decode([t for t, lab in zip(ids, labels) if lab != IGNORE])
    untrained = tokenizer.decode([t for t, lab in zip(ids, labels) if lab == IGNORE])
    for reply in ("Tôi khỏe, cảm ơn bạn.", "Hôm nay trời nắng đẹp."):  # both turns of a multi-turn chat
        assert reply in trained
    for prompt in ("Xin chào, bạn khỏe không?", "Hôm nay trời thế nào?", "user", "assistant"):
        assert prompt not in trained and prompt in untrained
    assert trained.count("<|im_end|>") == 2  # the model learns to end its turn


def test_labels_equal_tokens_where_trained(tokenizer):
    ids, labels = tokenize_chat(tokenizer, CHATS[0])
    assert len(ids) == len(labels)
    assert all(lab in (IGNORE, t) for t, lab in zip(ids, labels))


def test_packing_keeps_examples_whole_and_pads_with_ignored_labels():
    examples = [([1, 2, 3], [IGNORE, 2, 3]), ([4, 5], [IGNORE, 5]), ([6, 7, 8, 9], [IGNORE, IGNORE, 8, 9])]
    ids, labels = pack_examples(examples, seq_len=6, pad_id=0, packing=True)
    assert ids.tolist() == [[1, 2, 3, 4, 5, 0], [6, 7, 8, 9, 0, 0]]
    assert labels.tolist() == [[IGNORE, 2, 3, IGNORE, 5, IGNORE], [IGNORE, IGNORE, 8, 9, IGNORE, IGNORE]]
    ids, _ = pack_examples(examples, seq_len=6, pad_id=0, packing=False)
    assert len(ids) == 3


def test_thinking_flag_reaches_the_template_and_the_prompt_stays_unlabelled(tokenizer):
    chat = CHATS[0]
    on_ids, _ = tokenize_chat(tokenizer, chat, THINKING_TEMPLATE, enable_thinking=True)
    off_ids, off_labels = tokenize_chat(tokenizer, chat, THINKING_TEMPLATE, enable_thinking=False)
    assert on_ids == off_ids  # a finished conversation renders the same; only the generation prompt differs
    rendered = tokenizer.apply_chat_template(
        chat[:2], chat_template=THINKING_TEMPLATE, tokenize=False, add_generation_prompt=True, enable_thinking=False
    )
    assert rendered.endswith("<think></think>")
    assert "Bandung" in tokenizer.decode([t for t, lab in zip(off_ids, off_labels) if lab != IGNORE])


def test_bad_and_overlong_records_are_counted_not_fatal(tmp_path, tokenizer, capsys):
    long_chat = [{"role": "user", "content": "panjang " * 200}, {"role": "assistant", "content": "ya"}]
    path = write_chats(
        tmp_path / "chat.jsonl",
        CHATS + [long_chat],
        extra_lines=[
            "{not json",
            json.dumps({"text": "no messages"}),
            json.dumps({"messages": [{"role": "user", "content": "no reply"}]}),
        ],
    )
    rows = load_chat_rows(path, tokenizer, seq_len=128)
    assert rows.skipped == {"too_long": 1, "bad_record": 2, "unrenderable": 1}
    assert rows.input_ids.shape[1] == 128
    err = capsys.readouterr().err
    assert "chat.jsonl:5" in err and "chat.jsonl:6" in err


def sft_config(model, data, out, *extra):
    base = [
        f"model.path={model}",
        f"data.path={data}",
        f"output_dir={out}",
        "data.seq_len=128",
        "train.steps=4",
        "train.micro_batch_size=2",
        "train.lr=1e-2",
        "train.log_every=1",
        "train.warmup_steps=0",
    ]
    return load_config(SFTConfig, None, base + list(extra))


@pytest.mark.parametrize("arch", ["llama", "qwen3", "gemma3_text", "apertus"])
def test_sft_run_learns_the_replies(tmp_path, tokenizer, make_model, arch):
    model_dir = make_model(tmp_path / "m", arch, tokenizer)
    data = write_chats(tmp_path / "chat.jsonl")
    hist = run_sft(sft_config(model_dir, data, tmp_path / "out", "data.packing=false", "train.steps=6"))
    assert hist[-1]["loss"] < hist[0]["loss"]
    assert (tmp_path / "out" / "final" / "tokenizer_config.json").is_file()


def test_sft_without_chat_template_fails_before_training(tmp_path, tokenizer, make_model):
    model_dir = make_model(tmp_path / "m", "llama", tokenizer)
    (model_dir / "chat_template.jinja").unlink()
    conf = json.loads((model_dir / "tokenizer_config.json").read_text())
    conf.pop("chat_template", None)
    (model_dir / "tokenizer_config.json").write_text(json.dumps(conf))
    data = write_chats(tmp_path / "chat.jsonl")
    with pytest.raises(ConfigError, match="field 'chat.template'"):
        run_sft(sft_config(model_dir, data, tmp_path / "out"))
    assert not (tmp_path / "out").exists()
    # the same run works once a template is given in the config
    hist = run_sft(
        sft_config(
            model_dir, data, tmp_path / "out2", "train.steps=1", f"chat.template={json.dumps(THINKING_TEMPLATE)}"
        )
    )
    assert len(hist) == 1
    assert np.isfinite(hist[0]["loss"])
