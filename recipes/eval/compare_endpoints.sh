#!/usr/bin/env bash
# Compare candidate models served behind OpenAI-compatible endpoints on the SEA suite, then
# build one leaderboard. Edit the list; each line is "label base_url model".
# Needs: the endpoints up, $OPENAI_API_KEY if they require one, and (for mtbench) a judge.
set -euo pipefail
OUT=${OUT:-runs}
DATA=${DATA:-hf}                 # SEA-HELM's hub datasets; "samples" for a smoke test
JUDGE_URL=${JUDGE_URL:-}         # e.g. http://judge:8000/v1
JUDGE_MODEL=${JUDGE_MODEL:-}
CANDIDATES=(
  "model-a http://127.0.0.1:8001/v1 served-name-of-model-a"
  "model-b http://127.0.0.1:8002/v1 served-name-of-model-b"
)
judge_args=()
if [[ -n "$JUDGE_URL" ]]; then judge_args=(--judge-model "$JUDGE_MODEL" --judge-base-url "$JUDGE_URL"); fi
dirs=()
for line in "${CANDIDATES[@]}"; do
  read -r label url model <<<"$line"
  seaforge eval run --backend openai --base-url "$url" --model "$model" --label "$label" \
    --tasks seahelm --data "$DATA" --seeds 0,1,2 --concurrency 16 "${judge_args[@]}" \
    --out "$OUT/$label"           # rerunning resumes from $OUT/$label/cache.sqlite
  dirs+=("$OUT/$label")
done
seaforge eval report "${dirs[@]}" --out "$OUT/leaderboard"
seaforge eval compare "${dirs[0]}" "${dirs[1]}"
