"""Offline vLLM backend (GPU). vLLM is imported only when this backend is chosen."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from seaforge.eval.backends import BackendError
from seaforge.eval.cache import GenRequest, LLRequest


class VLLMBackend:
    supports_loglikelihood = True

    def __init__(self, model: str, dtype: str = "auto", **engine_kwargs):
        try:
            from vllm import LLM
        except ImportError:
            raise BackendError("the vllm backend needs vLLM (pip install vllm, on a GPU machine); "
                               "use --backend hf or serve the model and use --backend openai") from None
        self.llm = LLM(model=model, dtype=dtype, **engine_kwargs)
        self.tokenizer = self.llm.get_tokenizer()
        template = getattr(self.tokenizer, "chat_template", None) or None
        sha = hashlib.sha256(template.encode()).hexdigest() if isinstance(template, str) else None
        self.info = {"backend": "vllm", "model": model, "dtype": dtype, "chat_template": template,
                     "chat_template_sha256": sha}
        self.fingerprint = f"vllm|{model}|{dtype}|{sha}"

    def generate(self, requests: Sequence[GenRequest]) -> list[str]:
        from vllm import SamplingParams

        prompts = []
        for r in requests:
            if r.messages:
                prompts.append(self.tokenizer.apply_chat_template(r.chat(), tokenize=False,
                                                                  add_generation_prompt=True))
            else:
                prompts.append(r.prompt or "")
        params = [SamplingParams(max_tokens=r.max_tokens, temperature=r.temperature, seed=r.seed)
                  for r in requests]
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        return [o.outputs[0].text for o in outputs]

    def loglikelihood(self, requests: Sequence[LLRequest]) -> list[float]:
        from vllm import SamplingParams
        from vllm.inputs import TokensPrompt

        prompts, n_cont = [], []
        for r in requests:
            ctx = self.tokenizer(r.context)["input_ids"]
            cont = self.tokenizer(r.continuation, add_special_tokens=False)["input_ids"]
            prompts.append(TokensPrompt(prompt_token_ids=ctx + cont))
            n_cont.append(len(cont))
        params = SamplingParams(max_tokens=1, prompt_logprobs=0, temperature=0)
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        values = []
        for out, n in zip(outputs, n_cont):
            ids = out.prompt_token_ids[-n:]
            entries = out.prompt_logprobs[-n:]
            values.append(float(sum(e[t].logprob for e, t in zip(entries, ids))))
        return values
