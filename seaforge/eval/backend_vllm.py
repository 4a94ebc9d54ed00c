"""Offline vLLM backend (GPU). vLLM is imported only when this backend is chosen."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from seaforge.eval.backends import BackendError
from seaforge.eval.cache import GenRequest, LLRequest, model_fingerprint


class VLLMBackend:
    supports_loglikelihood = True

    def __init__(self, model: str, dtype: str = "auto", **engine_kwargs):
        try:
            from vllm import LLM
        except ImportError:
            raise BackendError(
                "the vllm backend needs vLLM (pip install vllm, on a GPU machine); "
                "use --backend hf or serve the model and use --backend openai"
            ) from None
        from seaforge.models.resolve import resolve_model

        path = resolve_model(model)
        self.llm = LLM(model=path, dtype=dtype, **engine_kwargs)
        self.tokenizer = self.llm.get_tokenizer()
        template = getattr(self.tokenizer, "chat_template", None) or None
        sha = hashlib.sha256(template.encode()).hexdigest() if isinstance(template, str) else None
        self.info = {
            "backend": "vllm",
            "model": model,
            "dtype": dtype,
            "chat_template": template,
            "chat_template_sha256": sha,
        }
        # What answers (weights, tokenizer, template), not the path: an overwritten checkpoint is new.
        self.fingerprint = f"vllm|{model_fingerprint(path)}|{dtype}|{sha}"
        self.info["fingerprint"] = hashlib.sha256(self.fingerprint.encode()).hexdigest()

    def generate(self, requests: Sequence[GenRequest]) -> list[str]:
        from vllm import SamplingParams

        prompts = []
        for request in requests:
            if request.messages:
                prompts.append(
                    self.tokenizer.apply_chat_template(request.chat(), tokenize=False, add_generation_prompt=True)
                )
            else:
                prompts.append(request.prompt or "")
        params = [
            SamplingParams(
                max_tokens=request.max_tokens,
                temperature=request.temperature,
                seed=request.seed,
                top_p=request.top_p if request.top_p is not None else 1.0,
                stop=list(request.stop) or None,
            )
            for request in requests
        ]
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        return [output.outputs[0].text for output in outputs]

    def loglikelihood(self, requests: Sequence[LLRequest]) -> list[float]:
        from vllm import SamplingParams
        from vllm.inputs import TokensPrompt

        prompts, continuation_lengths = [], []
        for request in requests:
            context = self.tokenizer(request.context)["input_ids"]
            continuation = self.tokenizer(request.continuation, add_special_tokens=False)["input_ids"]
            prompts.append(TokensPrompt(prompt_token_ids=context + continuation))
            continuation_lengths.append(len(continuation))
        params = SamplingParams(max_tokens=1, prompt_logprobs=0, temperature=0)
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        values = []
        for output, length in zip(outputs, continuation_lengths):
            ids = output.prompt_token_ids[-length:]
            entries = output.prompt_logprobs[-length:]
            values.append(float(sum(entry[token].logprob for entry, token in zip(entries, ids))))
        return values
