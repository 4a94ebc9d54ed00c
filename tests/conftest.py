import os
import tempfile

# Any stray hub call must fail fast instead of hanging on a closed network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# A wide console: rich would otherwise wrap long temp paths in CLI output at 80 columns.
os.environ["COLUMNS"] = "200"
# Tiny models that `tiny:<arch>` saves go to a fresh folder, not the user's cache.
os.environ["SEAFORGE_CACHE"] = tempfile.mkdtemp(prefix="seaforge-test-cache-")
