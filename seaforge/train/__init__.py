"""Adaptation training: continued pretraining, SFT, DPO, LoRA and checkpoint merging.

Stages: `cpt` (continued pretraining on packed shards), `sft` (chat data), `dpo` (preference
pairs, via TRL); `lora` folds adapters back; `merge` combines checkpoints (via mergekit).
"""
