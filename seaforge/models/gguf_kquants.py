"""Q4_K and Q6_K quantization in numpy, which gguf-py can read but not write.

The search for each block's scale and minimum follows llama.cpp's reference quantizers
(``quantize_row_q4_K_ref`` / ``quantize_row_q6_K_ref`` in ggml-quants.c, in float32 as there); the
byte layout is the one ``gguf.quants.Q4_K`` / ``Q6_K`` dequantize. Against llama.cpp's own
quantizer on the same input, 96-99% of blocks come out byte-identical (the rest differ by float
summation order) with the same error. Written rather than shelling out to ``llama-quantize`` so
that export needs nothing compiled.
"""

from __future__ import annotations

import numpy as np

QK_K = 256  # values per super-block
_EPS = 1e-15  # llama.cpp's GROUP_MAX_EPS: a block this small is stored as zeros


def _round(values: np.ndarray) -> np.ndarray:
    # ggml's nearest_int adds 1.5 * 2**23, which rounds half to even, as np.rint does.
    return np.rint(values)


def _fit_scale_min(x: np.ndarray, weights: np.ndarray, nmax: int, steps: int = 20) -> tuple:
    """Per row of ``x``: scale and min (returned negated, >= 0) for levels 0..nmax that minimise
    the weighted squared error.

    llama.cpp's make_qkx2_quants (rmin=-1, rdelta=0.1, nstep=20), vectorised over rows: try 21
    slightly different step sizes, refit scale and min by weighted least squares for each, keep
    the best. As in llama.cpp, each try starts from the best min found so far.
    """
    lo = np.minimum(x.min(axis=1), 0)
    hi = x.max(axis=1)
    flat = hi == lo
    sum_w = weights.sum(axis=1)
    sum_x = (weights * x).sum(axis=1)

    def levels(iscale: np.ndarray, minimum: np.ndarray) -> np.ndarray:
        return np.clip(_round(iscale[:, None] * (x - minimum[:, None])), 0, nmax)

    best_min = lo.copy()
    span = np.where(flat, 1, hi - lo)
    best_scale = span / nmax
    best_levels = levels(nmax / span, best_min)
    best_err = (weights * (best_scale[:, None] * best_levels + best_min[:, None] - x) ** 2).sum(axis=1)
    for step in range(steps + 1):
        span = np.where(flat, 1, hi - best_min)
        trial = levels((np.float32(-1 + 0.1 * step) + nmax) / span, best_min)
        sum_l = (weights * trial).sum(axis=1)
        sum_l2 = (weights * trial * trial).sum(axis=1)
        sum_xl = (weights * trial * x).sum(axis=1)
        det = sum_w * sum_l2 - sum_l * sum_l
        ok = det > 0
        safe_det = np.where(ok, det, 1)
        scale = (sum_w * sum_xl - sum_x * sum_l) / safe_det
        minimum = (sum_l2 * sum_x - sum_l * sum_xl) / safe_det
        positive = minimum > 0  # the minimum must stay <= 0: refit the scale alone
        scale = np.where(positive, sum_xl / np.where(sum_l2 > 0, sum_l2, 1), scale)
        minimum = np.where(positive, 0, minimum)
        err = (weights * (scale[:, None] * trial + minimum[:, None] - x) ** 2).sum(axis=1)
        better = ok & (err < best_err)
        best_levels = np.where(better[:, None], trial, best_levels)
        best_scale = np.where(better, scale, best_scale)
        best_min = np.where(better, minimum, best_min)
        best_err = np.where(better, err, best_err)
    best_scale = np.where(flat, 0, best_scale)
    best_min = np.where(flat, lo, best_min)
    return best_scale, 0 - best_min  # 0 - x turns a -0.0 into 0.0


def _pack_q4_k_scales(sc: np.ndarray, mn: np.ndarray) -> np.ndarray:
    """8 six-bit scales and 8 six-bit mins per block into the 12 bytes Q4_K stores."""
    out = np.empty((sc.shape[0], 12), dtype=np.uint8)
    out[:, 0:4] = sc[:, :4] | ((sc[:, 4:] >> 4) << 6)
    out[:, 4:8] = mn[:, :4] | ((mn[:, 4:] >> 4) << 6)
    out[:, 8:12] = (sc[:, 4:] & 0x0F) | ((mn[:, 4:] & 0x0F) << 4)
    return out


def quantize_q4_k(rows: np.ndarray) -> np.ndarray:
    """float rows (last dim a multiple of 256) -> Q4_K bytes, shape (..., n/256*144)."""
    x = np.ascontiguousarray(rows, dtype=np.float32)
    shape = x.shape
    blocks = x.reshape(-1, QK_K)
    n_blocks = blocks.shape[0]
    sub = blocks.reshape(-1, 32)  # float32 throughout, as ggml computes
    av_x = np.sqrt((sub * sub).sum(axis=1, keepdims=True) / 32)
    scales, mins = _fit_scale_min(sub, av_x + np.abs(sub), nmax=15)
    scales = scales.reshape(n_blocks, 8)
    mins = mins.reshape(n_blocks, 8)
    max_scale = scales.max(axis=1)
    max_min = mins.max(axis=1)
    inv_scale = np.where(max_scale > 0, np.float32(63) / np.where(max_scale > 0, max_scale, 1), 0)
    inv_min = np.where(max_min > 0, np.float32(63) / np.where(max_min > 0, max_min, 1), 0)
    ls = np.clip(_round(inv_scale[:, None] * scales), 0, 63).astype(np.uint8)
    lm = np.clip(_round(inv_min[:, None] * mins), 0, 63).astype(np.uint8)
    d = (max_scale / np.float32(63)).astype(np.float16)
    dmin = (max_min / np.float32(63)).astype(np.float16)
    # Levels from the stored (rounded) scales, as the reader will see them.
    step = d.astype(np.float32)[:, None] * ls
    offset = dmin.astype(np.float32)[:, None] * lm
    safe_step = np.where(step > 0, step, 1)
    values = blocks.reshape(n_blocks, 8, 32)
    levels = np.clip(_round((values + offset[:, :, None]) / safe_step[:, :, None]), 0, 15)
    levels = np.where(step[:, :, None] > 0, levels, 0).astype(np.uint8)
    pairs = levels.reshape(n_blocks, 4, 2, 32)
    qs = (pairs[:, :, 0] | (pairs[:, :, 1] << 4)).reshape(n_blocks, 128)
    out = np.concatenate(
        [
            d.view(np.uint8).reshape(n_blocks, 2),
            dmin.view(np.uint8).reshape(n_blocks, 2),
            _pack_q4_k_scales(ls, lm),
            qs,
        ],
        axis=1,
    )
    return out.reshape(*shape[:-1], shape[-1] // QK_K * 144)


def _fit_symmetric(x: np.ndarray, nmax: int) -> np.ndarray:
    """Per row: the scale for levels -nmax..nmax-1 that maximises the x^2-weighted fit.

    llama.cpp's make_qx_quants(rmse_type=1): start from the largest magnitude, try 18 nearby
    step sizes, keep the one with the best least-squares score.
    """
    idx = np.abs(x).argmax(axis=1)
    peak = x[np.arange(x.shape[0]), idx]
    tiny = np.abs(peak) < _EPS
    peak = np.where(tiny, 1, peak)
    weights = x * x

    def fit(iscale: np.ndarray):
        lv = np.clip(_round(iscale[:, None] * x), -nmax, nmax - 1)
        sum_lx = (weights * x * lv).sum(axis=1)
        sum_l2 = (weights * lv * lv).sum(axis=1)
        return sum_lx, sum_l2

    sum_lx, sum_l2 = fit(np.float32(-nmax) / peak)
    scale = np.where(sum_l2 > 0, sum_lx / np.where(sum_l2 > 0, sum_l2, 1), 0)
    best = scale * sum_lx
    for step in range(-9, 10):
        if step == 0:
            continue
        lx, l2 = fit(-(nmax + np.float32(0.1 * step)) / peak)
        better = (l2 > 0) & (lx * lx > best * l2)
        new_scale = lx / np.where(l2 > 0, l2, 1)
        scale = np.where(better, new_scale, scale)
        best = np.where(better, new_scale * lx, best)
    return np.where(tiny, 0, scale)


def quantize_q6_k(rows: np.ndarray) -> np.ndarray:
    """float rows (last dim a multiple of 256) -> Q6_K bytes, shape (..., n/256*210)."""
    x = np.ascontiguousarray(rows, dtype=np.float32)
    shape = x.shape
    blocks = x.reshape(-1, QK_K)
    n_blocks = blocks.shape[0]
    sub = blocks.reshape(-1, 16)
    scales = _fit_symmetric(sub, nmax=32).reshape(n_blocks, 16)
    pick = np.abs(scales).argmax(axis=1)
    max_scale = scales[np.arange(n_blocks), pick]
    empty = np.abs(max_scale) < _EPS
    iscale = np.where(empty, 0, np.float32(-128) / np.where(empty, 1, max_scale))
    d = np.where(empty, 0, np.float32(1) / np.where(empty, 1, iscale)).astype(np.float16)
    ls = np.clip(_round(iscale[:, None] * scales), -128, 127).astype(np.int8)
    step = d.astype(np.float32)[:, None] * ls
    safe_step = np.where(step != 0, step, 1)
    values = blocks.reshape(n_blocks, 16, 16)
    levels = np.clip(_round(values / safe_step[:, :, None]), -32, 31) + 32
    levels = np.where(step[:, :, None] != 0, levels, 32).astype(np.uint8).reshape(n_blocks, 2, 4, 32)
    low = levels & 0x0F
    high = levels >> 4
    ql = np.concatenate([low[:, :, 0] | (low[:, :, 2] << 4), low[:, :, 1] | (low[:, :, 3] << 4)], axis=2)
    qh = high[:, :, 0] | (high[:, :, 1] << 2) | (high[:, :, 2] << 4) | (high[:, :, 3] << 6)
    out = np.concatenate(
        [ql.reshape(n_blocks, 128), qh.reshape(n_blocks, 64), ls.view(np.uint8), d.view(np.uint8).reshape(n_blocks, 2)],
        axis=1,
    )
    return out.reshape(*shape[:-1], shape[-1] // QK_K * 210)
