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
    return {"chat_template": template, "chat_template_sha256": hashlib.sha256(template.encode()).hexdigest()}


class HFBackend:
    supports_loglikelihood = True

    def __init__(self, model, tokenizer, name: str, batch_size: int = 16):
        self.model, self.tokenizer, self.batch_size = model, tokenizer, batch_size
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        vocab = tokenizer.get_vocab()
        self.stop_ids = sorted({tokenizer.eos_token_id, *(vocab[t] for t in END_OF_TURN if t in vocab)} - {None})
        self.info = {"backend": "hf", "model": name, "dtype": str(model.dtype), **_template_info(tokenizer)}
        self.fingerprint = f"hf|{name}|{model.dtype}|{self.info['chat_template_sha256']}"
        self.max_length = int(getattr(model.config, "max_position_embeddings", 2048) or 2048)

    @classmethod
    def load(cls, model: str, batch_size: int = 16, dtype: str = "auto", device: str | None = None):
        """Load any model argument `seaforge.models.resolve.resolve_model` takes (tiny:<arch>,
        registered names, .gguf files, local folders, hub ids)."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from seaforge.models.resolve import resolve_model

        path = resolve_model(model)  # a ModelNotFound (UserError) names what is unknown
        torch_dtype = "auto" if dtype == "auto" else getattr(torch, dtype)
        try:
            tokenizer = AutoTokenizer.from_pretrained(path)
            language_model = AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype)
        except (OSError, ValueError) as err:
            raise BackendError(f"cannot load model {model!r} from {path}: {err}") from None
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        return cls(language_model.to(device).eval(), tokenizer, model, batch_size)

    # --- context length -------------------------------------------------------------------

    def prompt_tokens(self, request: GenRequest | LLRequest) -> int:
        """Tokens the request's prompt takes (context + continuation for log-likelihood)."""
        if isinstance(request, LLRequest):
            return len(self._context_ids(request.context)) + len(self._continuation_ids(request.continuation))
        text, templated = self._text(request)
        return len(self.tokenizer(text, add_special_tokens=not templated)["input_ids"])

    def fits(self, request: GenRequest | LLRequest) -> bool:
        """Whether the prompt, plus the tokens to generate, fits the model's context."""
        budget = self.max_length if isinstance(request, LLRequest) else self.max_length - request.max_tokens
        return self.prompt_tokens(request) <= budget

    # --- generation -----------------------------------------------------------------------

    def _text(self, request: GenRequest) -> tuple[str, bool]:
        if request.messages:
            if not getattr(self.tokenizer, "chat_template", None):
                raise BackendError(f"{self.info['model']} has no chat template; run with --mode base")
            text = self.tokenizer.apply_chat_template(request.chat(), tokenize=False, add_generation_prompt=True)
            return text, True
        return request.prompt or "", False

    def generate(self, requests: Sequence[GenRequest]) -> list[str]:
        outputs: list[str | None] = [None] * len(requests)
        groups: dict[tuple, list[int]] = defaultdict(list)
        for index, request in enumerate(requests):  # one generate() call per decoding setting
            groups[(request.max_tokens, request.temperature, request.seed)].append(index)
        for (max_tokens, temperature, seed), indices in groups.items():
            texts = [self._text(requests[index]) for index in indices]
            order = sorted(range(len(indices)), key=lambda pos: -len(texts[pos][0]))  # less padding
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                results = self._generate_batch([texts[pos] for pos in chunk], max_tokens, temperature, seed)
                for pos, text in zip(chunk, results):
                    outputs[indices[pos]] = text
        return [output or "" for output in outputs]

    def _generate_batch(
        self, texts: list[tuple[str, bool]], max_tokens: int, temperature: float, seed: int | None
    ) -> list[str]:
        import torch

        encoded = self.encode_prompts(texts, max_tokens)
        encoded = {key: value.to(self.model.device) for key, value in encoded.items()}
        kwargs = dict(
            max_new_tokens=max_tokens,
            pad_token_id=self.tokenizer.pad_token_id,
            eos_token_id=self.stop_ids,
            do_sample=temperature > 0,
        )
        if temperature > 0:
            torch.manual_seed(seed or 0)
            kwargs["temperature"] = temperature
        else:
            kwargs.update(temperature=None, top_p=None, top_k=None)
        with torch.no_grad():
            generated = self.model.generate(**encoded, **kwargs)
        new_tokens = generated[:, encoded["input_ids"].shape[1] :]
        return self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)

    def encode_prompts(self, texts: list[tuple[str, bool]], max_tokens: int) -> dict:
        """Left-padded input ids; a prompt longer than the context loses its start, never its end
        (the question and the answer cue). The evaluator drops few-shot examples before that."""
        tokenizer = self.tokenizer
        tokenizer.padding_side = "left"
        tokenizer.truncation_side = "left"
        # A chat template already writes any bos token; raw prompts get the tokenizer's default.
        return dict(
            tokenizer(
                [text for text, _ in texts],
                return_tensors="pt",
                padding=True,
                add_special_tokens=not texts[0][1],
                truncation=True,
                max_length=max(8, self.max_length - max_tokens),
            )
        )

    # --- log-likelihood -------------------------------------------------------------------

    def loglikelihood(self, requests: Sequence[LLRequest]) -> list[float]:
        pairs = []
        for request in requests:
            context = self._context_ids(request.context)
            continuation = self._continuation_ids(request.continuation)
            ids = (context + continuation)[-self.max_length :]  # too long: the context loses its start
            # A continuation longer than the whole context window keeps its last tokens only.
            pairs.append((ids, min(len(continuation), len(ids) - 1)))
        values = [0.0] * len(pairs)
        order = sorted(range(len(pairs)), key=lambda index: -len(pairs[index][0]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            for index, value in zip(chunk, self._ll_batch([pairs[index] for index in chunk])):
                values[index] = value
        return values

    def _context_ids(self, context: str) -> list[int]:
        tokenizer = self.tokenizer
        ids = tokenizer(context, add_special_tokens=True)["input_ids"] if context else []
        if not ids:  # the first token needs something to be predicted from
            ids = [tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id]
        return ids

    def _continuation_ids(self, continuation: str) -> list[int]:
        ids = self.tokenizer(continuation, add_special_tokens=False)["input_ids"]
        if not ids:
            raise BackendError(f"empty continuation after tokenisation: {continuation!r}")
        return ids

    def _ll_batch(self, pairs: list[tuple[list[int], int]]) -> list[float]:
        import torch

        width = max(len(ids) for ids, _ in pairs)
        # Left padding puts every continuation at the end of its row, so logits are needed for the
        # last `keep` positions only: with a 262K vocabulary (Gemma 3) logits for every position
        # of a batch would take gigabytes.
        keep = max(n_cont for _, n_cont in pairs) + 1
        input_ids = torch.full((len(pairs), width), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(pairs), width), dtype=torch.long)
        for row, (ids, _) in enumerate(pairs):
            input_ids[row, width - len(ids) :] = torch.tensor(ids)
            mask[row, width - len(ids) :] = 1
        position_ids = (mask.cumsum(-1) - 1).clamp(min=0)  # positions count from each row's first token
        inputs = {
            "input_ids": input_ids.to(self.model.device),
            "attention_mask": mask.to(self.model.device),
            "position_ids": position_ids.to(self.model.device),
        }
        with torch.no_grad():
            try:
                logits = self.model(**inputs, logits_to_keep=keep).logits
            except TypeError:  # a model class without `logits_to_keep`
                logits = self.model(**inputs).logits
        logprobs = torch.log_softmax(logits[:, -keep:].float(), dim=-1).cpu()
        values = []
        for row, (ids, n_cont) in enumerate(pairs):
            # The token at kept position j is predicted by the logits at j - 1.
            positions = torch.arange(keep - n_cont - 1, keep - 1)
            targets = torch.tensor(ids[len(ids) - n_cont :])
            values.append(float(logprobs[row, positions, targets].sum()))
        return values
