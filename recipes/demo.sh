#!/usr/bin/env bash
# The whole seaforge flow on the bundled defaults, offline, on a laptop: `make demo` runs this.
# Every stage resumes: rerun after a kill and finished work is skipped.
set -euo pipefail
SF=${SF:-seaforge}

echo "== 1. text layer on our sample sentences: normalize, identify, segment, redact"
$SF text demo

echo "== 2. curate a generated multilingual web corpus into packed token shards"
$SF data run recipes/data/demo.yaml
$SF data report runs/data-demo

echo "== 3. continued pretraining of a tiny model on those shards, with English replay"
$SF train cpt recipes/train/cpt-demo.yaml

echo "== 4. SEA-HELM style evaluation of the result on our sample items"
$SF eval run --model runs/demo-cpt/final --label demo-cpt \
  --tasks sentiment,nli,causal,minimal_pairs,translation_en_xx --limit 4 --max-tokens 16 \
  --choice-scoring loglikelihood --out runs/demo-eval
$SF eval report runs/demo-eval --out runs/demo-leaderboard

echo "done: runs/data-demo/report.html, runs/demo-cpt/metrics.jsonl, runs/demo-leaderboard/leaderboard.html"
