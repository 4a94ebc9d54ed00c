"""Puts tests/support on sys.path: the loopback server is a test helper, not part of the package.

pytest runs with --import-mode=importlib, which adds no test folder to sys.path by itself.
"""

import sys
from pathlib import Path

SUPPORT = str(Path(__file__).resolve().parents[1] / "support")
if SUPPORT not in sys.path:
    sys.path.insert(0, SUPPORT)
