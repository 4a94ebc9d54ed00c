#!/usr/bin/env bash
# The offline demo: the whole SEA suite on a tiny random model and the bundled sample items.
# About 2.5 minutes on a busy 2-core machine; no network, no weights.
set -euo pipefail
OUT=${OUT:-/tmp/seaforge-eval-demo}
seaforge eval run --model tiny:llama --tasks seahelm --limit 2 --max-tokens 16 \
  --choice-scoring loglikelihood --out "$OUT/run"
seaforge eval report "$OUT/run" --out "$OUT/leaderboard"
