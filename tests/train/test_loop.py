"""The shared loop: gradient accumulation gives the same update as one big batch, masks included."""

from __future__ import annotations

import torch

from seaforge.testing import tiny_causal_lm
from seaforge.train.batches import IGNORE
from seaforge.train.config import TrainOptions
from seaforge.train.loop import build_optimizer, build_scheduler, make_accelerator, train_step


def _step(tokenizer, micro):
    opts = TrainOptions(steps=2, lr=1e-2, schedule="constant")
    model = tiny_causal_lm("llama", tokenizer, seed=0).train()
    accelerator = make_accelerator(False, opts)
    opt = build_optimizer(model, opts)
    model, opt, sched = accelerator.prepare(model, opt, build_scheduler(opt, opts))
    grads, step = {}, opt.step

    def capture_then_step(*args, **kwargs):  # the gradient the optimizer is about to apply
        grads.update({n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None})
        return step(*args, **kwargs)

    opt.step = capture_then_step
    loss, targets = train_step(accelerator, model, opt, sched, micro, max_grad_norm=1.0)
    return loss, targets, grads


def test_accumulated_micro_batches_match_one_batch_with_uneven_masks(tokenizer):
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(5, len(tokenizer), (4, 24), generator=g)
    labels = ids.clone()
    labels[0, :20] = IGNORE  # rows with very different numbers of target tokens, as in SFT
    labels[2, :5] = IGNORE
    whole = [{"input_ids": ids, "labels": labels}]
    split = [{"input_ids": ids[:2], "labels": labels[:2]}, {"input_ids": ids[2:], "labels": labels[2:]}]
    loss_a, n_a, grads_a = _step(tokenizer, whole)
    loss_b, n_b, grads_b = _step(tokenizer, split)
    assert n_a == n_b == int((labels[:, 1:] != IGNORE).sum())
    assert abs(loss_a - loss_b) < 1e-5
    assert grads_a.keys() == grads_b.keys() and grads_a
    assert all(torch.allclose(grads_a[k], grads_b[k], rtol=1e-4, atol=1e-7) for k in grads_a)
