"""Held-out language modelling quality per language, comparable across tokenizers.

A trimmed vocabulary splits some words into more tokens, so per-token perplexity of a trimmed
model and of its base count different things. Bits per UTF-8 byte (total negative log-likelihood
over the text's bytes) does not depend on the tokenizer, so base and result are compared on it;
per-token perplexity is kept beside it for readers used to that figure.
"""

from __future__ import annotations

import math

CHUNK = 512  # tokens scored per forward pass; longer texts are scored in consecutive chunks


def text_nll(model, tokenizer, texts: list[str], batch_size: int = 4) -> tuple[float, int]:
    """(total negative log-likelihood in nats, tokens scored) of ``texts``, each starting after BOS."""
    import torch

    bos = tokenizer.bos_token_id
    chunks = []
    for text in texts:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        prefix = [bos] if bos is not None else []
        ids = prefix + ids
        for start in range(0, max(len(ids) - 1, 1), CHUNK):
            chunks.append(ids[start : start + CHUNK + 1])
    chunks.sort(key=len)  # similar lengths together: less padding
    total, count = 0.0, 0
    device = next(model.parameters()).device
    with torch.no_grad():
        for first in range(0, len(chunks), batch_size):
            batch = chunks[first : first + batch_size]
            width = max(len(chunk) for chunk in batch)
            ids = torch.zeros((len(batch), width), dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, chunk in enumerate(batch):
                ids[row, : len(chunk)] = torch.tensor(chunk)
                mask[row, : len(chunk)] = 1
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float()
            logprobs = torch.log_softmax(logits[:, :-1], dim=-1)
            targets = ids[:, 1:].to(device)
            picked = logprobs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
            valid = mask[:, 1:].to(device).bool()
            total -= float(picked[valid].sum())
            count += int(valid.sum())
    return total, count


def heldout_quality(model, tokenizer, texts_by_lang: dict[str, list[str]], batch_size: int = 4) -> dict:
    """Per language: bits per byte, per-token perplexity, tokens and bytes of the held-out texts."""
    result = {}
    for lang, texts in texts_by_lang.items():
        nll, tokens = text_nll(model, tokenizer, texts, batch_size)
        size = sum(len(text.encode("utf-8")) for text in texts)
        result[lang] = {
            "bits_per_byte": nll / math.log(2) / size if size else None,
            "ppl_token": math.exp(nll / tokens) if tokens else None,
            "tokens": tokens,
            "bytes": size,
        }
    return result
