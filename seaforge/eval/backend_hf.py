"""Local transformers backend: batched generation and batched log-likelihood scoring."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence

from seaforge.eval.backends import BackendError
from seaforge.eval.cache import GenRequest, LLRequest

# End-of-turn markers of common chat templates: generation must stop there, not only at eos.
END_OF_TURN = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>", "<|endoftext|>")


def _template_info(tokenizer) -> dict:
    template = getattr(tokenizer, "chat_template", None)
    if not template:
        return {"chat_template": None, "chat_template_sha256": None}
    if isinstance(template, dict):
        template = template.get("default") or next(iter(template.values()))
    return {"chat_template": template,
            "chat_template_sha256": hashlib.sha256(template.encode()).hexdigest()}


class HFBackend:
    supports_loglikelihood = True

    def __init__(self, model, tokenizer, name: str, batch_size: int = 16):
        self.model, self.tokenizer, self.batch_size = model, tokenizer, batch_size
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        vocab = tokenizer.get_vocab()
        self.stop_ids = sorted({tokenizer.eos_token_id, *(vocab[t] for t in END_OF_TURN if t in vocab)}
                               - {None})
        self.info = {"backend": "hf", "model": name, "dtype": str(model.dtype),
                     **_template_info(tokenizer)}
        self.fingerprint = f"hf|{name}|{model.dtype}|{self.info['chat_template_sha256']}"
        self.max_length = int(getattr(model.config, "max_position_embeddings", 2048) or 2048)

    @classmethod
    def load(cls, model: str, batch_size: int = 16, dtype: str = "auto", device: str | None = None):
        """Load a hub id or local path; `tiny:<arch>` is a tiny random model built offline."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from seaforge.testing import TINY_PREFIX, resolve_model

        if model == TINY_PREFIX:
            model = TINY_PREFIX + "llama"
        torch_dtype = "auto" if dtype == "auto" else getattr(torch, dtype)
        try:
            path = resolve_model(model)
            tok = AutoTokenizer.from_pretrained(path)
            lm = AutoModelForCausalLM.from_pretrained(path, torch_dtype=torch_dtype)
        except (OSError, ValueError) as err:
            raise BackendError(f"cannot load model {model!r}: {err}") from None
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        return cls(lm.to(device).eval(), tok, model, batch_size)

    # --- generation -----------------------------------------------------------------------

    def _text(self, request: GenRequest) -> tuple[str, bool]:
        if request.messages:
            if not getattr(self.tokenizer, "chat_template", None):
                raise BackendError(f"{self.info['model']} has no chat template; run with --mode base")
            text = self.tokenizer.apply_chat_template(request.chat(), tokenize=False,
                                                      add_generation_prompt=True)
            return text, True
        return request.prompt or "", False

    def generate(self, requests: Sequence[GenRequest]) -> list[str]:
        out: list[str | None] = [None] * len(requests)
        groups: dict[tuple, list[int]] = defaultdict(list)
        for i, r in enumerate(requests):  # one generate() call per decoding setting
            groups[(r.max_tokens, r.temperature, r.seed)].append(i)
        for (max_tokens, temperature, seed), idxs in groups.items():
            texts = [self._text(requests[i]) for i in idxs]
            order = sorted(range(len(idxs)), key=lambda j: -len(texts[j][0]))  # less padding
            for start in range(0, len(order), self.batch_size):
                chunk = order[start:start + self.batch_size]
                results = self._generate_batch([texts[j] for j in chunk], max_tokens, temperature, seed)
                for j, text in zip(chunk, results):
                    out[idxs[j]] = text
        return [o or "" for o in out]

    def _generate_batch(self, texts: list[tuple[str, bool]], max_tokens: int, temperature: float,
                        seed: int | None) -> list[str]:
        import torch

        tok = self.tokenizer
        tok.padding_side = "left"
        # A chat template already writes any bos token; raw prompts get the tokenizer's default.
        enc = tok([t for t, _ in texts], return_tensors="pt", padding=True,
                  add_special_tokens=not texts[0][1], truncation=True,
                  max_length=max(8, self.max_length - max_tokens))
        enc = {k: v.to(self.model.device) for k, v in enc.items()}
        kwargs = dict(max_new_tokens=max_tokens, pad_token_id=tok.pad_token_id,
                      eos_token_id=self.stop_ids, do_sample=temperature > 0)
        if temperature > 0:
            torch.manual_seed(seed or 0)
            kwargs["temperature"] = temperature
        else:
            kwargs.update(temperature=None, top_p=None, top_k=None)
        with torch.no_grad():
            gen = self.model.generate(**enc, **kwargs)
        new = gen[:, enc["input_ids"].shape[1]:]
        return tok.batch_decode(new, skip_special_tokens=True)

    # --- log-likelihood -------------------------------------------------------------------

    def loglikelihood(self, requests: Sequence[LLRequest]) -> list[float]:
        tok = self.tokenizer
        pairs = []
        for r in requests:
            ctx = tok(r.context, add_special_tokens=True)["input_ids"] if r.context else []
            if not ctx:  # the first token needs something to be predicted from
                ctx = [tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id]
            cont = tok(r.continuation, add_special_tokens=False)["input_ids"]
            if not cont:
                raise BackendError(f"empty continuation after tokenisation: {r.continuation!r}")
            ids = (ctx + cont)[-self.max_length:]
            pairs.append((ids, len(cont)))
        out = [0.0] * len(pairs)
        order = sorted(range(len(pairs)), key=lambda i: -len(pairs[i][0]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start:start + self.batch_size]
            for i, value in zip(chunk, self._ll_batch([pairs[i] for i in chunk])):
                out[i] = value
        return out

    def _ll_batch(self, pairs: list[tuple[list[int], int]]) -> list[float]:
        import torch

        width = max(len(ids) for ids, _ in pairs)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.full((len(pairs), width), pad, dtype=torch.long)
        mask = torch.zeros((len(pairs), width), dtype=torch.long)
        for row, (ids, _) in enumerate(pairs):
            input_ids[row, :len(ids)] = torch.tensor(ids)
            mask[row, :len(ids)] = 1
        with torch.no_grad():
            logits = self.model(input_ids=input_ids.to(self.model.device),
                                attention_mask=mask.to(self.model.device)).logits.float()
        logprobs = torch.log_softmax(logits, dim=-1).cpu()
        values = []
        for row, (ids, n_cont) in enumerate(pairs):
            positions = torch.arange(len(ids) - n_cont - 1, len(ids) - 1)
            targets = torch.tensor(ids[len(ids) - n_cont:])
            values.append(float(logprobs[row, positions, targets].sum()))
        return values
