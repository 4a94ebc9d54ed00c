"""Corpus engine: read, filter, dedup, decontaminate, mix, tokenise and pack SEA pretraining data."""
