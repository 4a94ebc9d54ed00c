"""Grow a model's embeddings for an extended tokenizer, initialising each new row from its pieces.

A new token's input row is the mean of the input rows of the base tokens its bytes decompose
into, and its output row (when untied) the mean of their output rows. The model then reads a
new token roughly as it read the pieces, instead of as random noise, which is what makes
continued pretraining after an extension converge quickly (Gee et al. 2022, "Fast Vocabulary
Transfer"; Hewitt 2021 shows that averaging keeps the initial distribution close to the base
model's). Old rows are never touched, so text made only of old tokens gives the same logits.
"""

from __future__ import annotations

import json

import torch

from seaforge.tokenizer.extend import backend_json, full_vocab


def decompose_new_tokens(base_tokenizer, new_tokenizer) -> dict[int, list[int]]:
    """For every id the new tokenizer adds, the base ids its string splits into under base BPE."""
    from tokenizers import Tokenizer

    base_json = backend_json(base_tokenizer)
    base_vocab = full_vocab(base_json)
    base_model = Tokenizer.from_str(json.dumps(base_json)).model
    pieces: dict[int, list[int]] = {}
    for token, idx in full_vocab(backend_json(new_tokenizer)).items():
        if token in base_vocab:
            if base_vocab[token] != idx:
                raise ValueError(f"token {token!r} moved from id {base_vocab[token]} to {idx}")
            continue
        pieces[idx] = [t.id for t in base_model.tokenize(token)]
        if not pieces[idx]:
            raise ValueError(f"new token {token!r} (id {idx}) has no base decomposition")
    return pieces


@torch.no_grad()
def resize_and_init(model, base_tokenizer, new_tokenizer, pad_to_multiple_of: int = 64) -> dict:
    """Resize input embeddings and output head to the new vocabulary and mean-initialise new rows.

    Works for tied and untied heads. Rows that already exist (including the padding rows some
    models carry beyond the tokenizer, e.g. Qwen's 151,936) are kept unless they are new ids.
    Returns counts for the report.
    """
    pieces = decompose_new_tokens(base_tokenizer, new_tokenizer)
    old_rows = model.get_input_embeddings().weight.shape[0]
    needed = max(len(new_tokenizer), old_rows)
    rows = -(-needed // pad_to_multiple_of) * pad_to_multiple_of if needed > old_rows else old_rows
    if rows != old_rows:
        model.resize_token_embeddings(rows, mean_resizing=False)
    inp = model.get_input_embeddings().weight
    out_layer = model.get_output_embeddings()
    tied = out_layer is None or out_layer.weight.data_ptr() == inp.data_ptr()
    for idx, ids in pieces.items():
        inp[idx] = inp[ids].mean(dim=0)
        if not tied:
            out_layer.weight[idx] = out_layer.weight[ids].mean(dim=0)
    return {"old_rows": old_rows, "rows": rows, "new_tokens": len(pieces), "tied": tied}
