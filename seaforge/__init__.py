"""seaforge: adapt open-weights LLMs to Southeast Asian languages."""

__version__ = "0.1.0"
