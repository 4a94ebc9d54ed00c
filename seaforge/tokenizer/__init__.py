"""Tokenizer lab: measure (report), train and extend tokenizers for Southeast Asian languages."""
