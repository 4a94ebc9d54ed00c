"""Check a written GGUF against its source: tensors, tokenizer, and (with llama.cpp) the model.

Tolerances (relative RMS error ||gguf - source|| / ||source|| per tensor): F32 exact, F16 equal to
the source rounded to float16, Q8_0 1.5%, Q6_K 4%, Q5_0 8%, Q4_K 12%. What the formats give:
Gaussian weights 0.5%, 1.8%, 4.3%, 7.2%; SmolLM2 135M at most 0.65%, 1.8%, 5.2%, 2.0%. The bounds
leave room for heavier-tailed weights and sit far below what a wrong layout gives (~140%, or 100%
for zeros).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import gguf
import numpy as np

Q = gguf.GGMLQuantizationType
REL_TOLERANCE = {Q.F32: 0.0, Q.F16: 0.0, Q.Q8_0: 0.015, Q.Q6_K: 0.04, Q.Q5_0: 0.08, Q.Q4_K: 0.12}
# llama.cpp against transformers: mean |difference| of the per-token log-probability (nats) of
# the source's greedy continuations (24 tokens). Measured: f16 0.002; q8_0 0.046 (Gemma 3 270M),
# 0.070 (SmolLM2 135M); q4_k_m 0.054 (Gemma), 0.35 (SmolLM2; llama.cpp's own Q4_K_M: 0.36).
# A wrong tensor layout moves log-probs by whole nats. The max is reported beside the mean.
LOGPROB_TOLERANCE = {"f16": 0.02, "q8_0": 0.15, "q4_k_m": 0.6}

# llama.cpp's worker threads spin while they wait: more threads than free cores slows it down.
LLAMA_THREADS = max(1, min(4, (os.cpu_count() or 2) // 2))

# Our own sentences: each script the models must carry, and the code-switched mixes people type.
CHECK_SENTENCES = {
    "th": "พรุ่งนี้เช้าฉันจะไปซื้อผลไม้ที่ตลาดใกล้บ้าน",
    "my": "ကျွန်တော် မနက်ဖြန် ရန်ကုန်ကို ရထားနဲ့ သွားမယ်။",
    "km": "ខ្ញុំចង់ទៅលេងភ្នំពេញនៅចុងសប្តាហ៍នេះ។",
    "lo": "ມື້ອື່ນຂ້ອຍຈະໄປຕະຫຼາດກັບແມ່.",
    "ta": "நாளை காலை நான் சந்தைக்குப் போகிறேன்.",
    "vi": "Hôm nay trời mưa nên tôi ở nhà đọc sách.",
    "id": "Besok pagi saya mau ke pasar beli sayur.",
    "th-en": "เดี๋ยวส่ง email ให้นะ meeting เลื่อนเป็นบ่ายสามโมง",
    "ms-en": "Eh bro, the lecture cancel already lah, jom makan dulu.",
    "tl-en": "Sige, I'll send the report mamaya pagkatapos ng lunch.",
    "code": "def total(xs):\n    return sum(x * 2 for x in xs)  # 합계 ✓ 100%",
}
PROMPTS = ["Ibu kota Indonesia adalah", "กรุงเทพมหานครเป็น"]


@dataclass
class TensorCheck:
    name: str
    qtype: str
    rel_error: float
    max_abs_error: float
    ok: bool


@dataclass
class FileCheck:
    file: str
    size_bytes: int
    tensors: list[TensorCheck] = field(default_factory=list)
    tokenizer: dict = field(default_factory=dict)
    llama_cpp: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tensors) and self.tokenizer.get("ok", False) and self.llama_cpp.get("ok", True)

    def worst_by_type(self) -> dict[str, float]:
        worst: dict[str, float] = {}
        for check in self.tensors:
            worst[check.qtype] = max(worst.get(check.qtype, 0.0), check.rel_error)
        return worst

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "size_bytes": self.size_bytes,
            "ok": self.ok,
            "tensors": {
                "count": len(self.tensors),
                "failed": [t.__dict__ for t in self.tensors if not t.ok],
                "worst_rel_error_by_type": self.worst_by_type(),
                "tolerance_by_type": {q.name: tol for q, tol in REL_TOLERANCE.items()},
            },
            "tokenizer": self.tokenizer,
            "llama_cpp": self.llama_cpp,
        }


def dequantized(tensor) -> np.ndarray:
    """A GGUFReader tensor as float32 in the writer's (numpy) shape."""
    from gguf.quants import dequantize

    data = dequantize(tensor.data, tensor.tensor_type)
    return np.asarray(data, dtype=np.float32).reshape([int(n) for n in reversed(tensor.shape)])


def check_tensors(reader: gguf.GGUFReader, source: dict[str, np.ndarray]) -> list[TensorCheck]:
    checks = []
    stored = {t.name: t for t in reader.tensors}
    for name in sorted(set(source) | set(stored)):
        if name not in stored or name not in source:
            checks.append(TensorCheck(name, "missing", float("inf"), float("inf"), False))
            continue
        tensor = stored[name]
        want = source[name]
        got = dequantized(tensor)
        if got.shape != want.shape:
            checks.append(TensorCheck(name, tensor.tensor_type.name, float("inf"), float("inf"), False))
            continue
        if tensor.tensor_type == Q.F16:
            want_exact = want.astype(np.float16).astype(np.float32)
        else:
            want_exact = want
        diff = got - want_exact
        norm = float(np.linalg.norm(want))
        rel = float(np.linalg.norm(got - want)) / norm if norm else float(np.linalg.norm(got))
        max_abs = float(np.abs(diff).max()) if diff.size else 0.0
        tolerance = REL_TOLERANCE.get(tensor.tensor_type)
        ok = tolerance is not None and (max_abs == 0.0 if tolerance == 0.0 else rel <= tolerance)
        checks.append(TensorCheck(name, tensor.tensor_type.name, rel, max_abs, ok))
    return checks


def tokenizer_fields(reader: gguf.GGUFReader) -> dict:
    """Every tokenizer.* key and its value, to show that all files carry the same tokenizer."""
    out = {}
    for key, entry in reader.fields.items():
        if key.startswith("tokenizer."):
            value = entry.contents()
            out[key] = value
    return out


def check_tokenizer(folder: Path, gguf_file: Path, source_tokenizer) -> dict:
    """Build a tokenizer from the GGUF (transformers' conversion) and compare ids on our sentences."""
    from transformers import AutoTokenizer

    rebuilt = AutoTokenizer.from_pretrained(str(gguf_file.parent), gguf_file=gguf_file.name)
    mismatches = {}
    for lang, text in CHECK_SENTENCES.items():
        want = source_tokenizer(text)["input_ids"]
        got = rebuilt(text)["input_ids"]
        if want != got:
            mismatches[lang] = {"source": want, "gguf": got}
    source_template = getattr(source_tokenizer, "chat_template", None)
    template_ok = (rebuilt.chat_template or None) == (source_template or None) or isinstance(source_template, dict)
    return {
        "ok": not mismatches and template_ok,
        "sentences": len(CHECK_SENTENCES),
        "mismatches": mismatches,
        "chat_template_same": template_ok,
        "checked_with": "transformers GGUF tokenizer conversion",
    }


def llama_cpp_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def source_reference(folder: Path, source_tokenizer, new_tokens: int = 12) -> list[dict]:
    """The source model's greedy continuation of each prompt and its per-token log-probs, once
    per export (every file is compared with the same reference)."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32)
    model.eval()
    reference = []
    for prompt in PROMPTS:
        ids = source_tokenizer(prompt)["input_ids"]
        with torch.no_grad():
            generated = model.generate(
                torch.tensor([ids]),
                max_new_tokens=new_tokens,
                do_sample=False,
                pad_token_id=source_tokenizer.pad_token_id,
            )[0].tolist()
            logits = model(torch.tensor([generated])).logits[0].float().numpy()
        positions = np.arange(len(ids) - 1, len(generated) - 1)
        targets = np.asarray(generated[len(ids) :], dtype=np.int64)
        logprobs = _log_softmax(logits[positions])[np.arange(len(targets)), targets]
        reference.append({"prompt": prompt, "ids": ids, "generated": generated, "logprobs": logprobs})
    return reference


def check_with_llama_cpp(gguf_file: Path, reference: list[dict], source_tokenizer, tolerance: float) -> dict:
    """llama.cpp on the GGUF against transformers on the source: tokenizer ids, per-token
    log-probs of the source's greedy continuation (teacher-forced, so one early difference does
    not change what is compared after it), and llama.cpp's own greedy continuation."""
    from llama_cpp import Llama

    llm = Llama(model_path=str(gguf_file), n_ctx=512, logits_all=True, verbose=False, n_threads=LLAMA_THREADS, seed=0)
    token_mismatches = {}
    for lang, text in CHECK_SENTENCES.items():
        want = source_tokenizer(text)["input_ids"]
        add_bos = bool(want) and want[0] == source_tokenizer.bos_token_id
        got = [int(token) for token in llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=False)]
        if got != want:
            token_mismatches[lang] = {"source": want, "llama_cpp": got}
    diffs: list[float] = []
    greedy_same, prompts = 0, []
    for ref in reference:
        ids, generated = ref["ids"], ref["generated"]
        targets = generated[len(ids) :]
        llm.reset()
        llm.eval(generated)
        logits = np.asarray(llm.scores[: len(generated)], dtype=np.float32)
        positions = np.arange(len(ids) - 1, len(generated) - 1)
        logprobs = _log_softmax(logits[positions])[np.arange(len(targets)), targets]
        gaps = np.abs(ref["logprobs"] - logprobs)
        diffs.extend(gaps.tolist())
        continuation: list[int] = []
        for token in llm.generate(ids, temp=0.0, top_k=1, reset=True):
            if len(continuation) >= len(targets):
                break
            continuation.append(int(token))
        greedy_same += continuation == targets
        prompts.append(
            {
                "prompt": ref["prompt"],
                "source": source_tokenizer.decode(targets),
                "llama_cpp": source_tokenizer.decode(continuation),
                "same": continuation == targets,
                "max_abs_logprob_diff": float(gaps.max()) if len(gaps) else 0.0,
            }
        )
    llm.close()
    mean = float(np.mean(diffs)) if diffs else 0.0
    return {
        "ok": not token_mismatches and mean <= tolerance,
        "tokenizer_mismatches": token_mismatches,
        "mean_abs_logprob_diff": mean,
        "max_abs_logprob_diff": max(diffs, default=0.0),
        "logprob_tolerance": tolerance,
        "greedy_same": f"{greedy_same}/{len(reference)}",
        "prompts": prompts,
    }
