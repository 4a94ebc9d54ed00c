"""Worker processes die with the run that forked them.

datatrove's local executor forks a multiprocess ``Manager`` and a ``Pool`` of workers. When the
``seaforge data run`` process alone is killed (SIGKILL, the OOM killer, a closed terminal's
process going away), those children lived on: workers kept writing into the output while a rerun
started on it, and the Manager process stayed forever. While a local stage runs, every process
forked from this one asks Linux (``prctl(PR_SET_PDEATHSIG, SIGKILL)``) to be killed when its
parent dies. Elsewhere this is a no-op.

PDEATHSIG fires when the parent *thread* that forked the child exits, not only the process: the
executor forks from the thread that calls ``run()`` (Pool workers and the Manager are started
there), which outlives them.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Iterator

from datatrove.executor import LocalPipelineExecutor

PR_SET_PDEATHSIG = 1
_state = {"active": 0, "registered": False, "forking_pid": 0}
_prctl = None


def _load_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl
    except (OSError, AttributeError):
        return None


def _before_fork() -> None:
    _state["forking_pid"] = os.getpid()


def _after_fork_in_child() -> None:
    if not _state["active"] or _prctl is None:
        return
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != _state["forking_pid"]:
        os._exit(1)  # the parent died between fork() and prctl(): no signal will come


@contextlib.contextmanager
def children_die_with_parent() -> Iterator[None]:
    """While inside, processes forked from here get SIGKILL when this process dies."""
    global _prctl
    if not _state["registered"]:
        _prctl = _load_prctl()
        if _prctl is not None:
            os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
        _state["registered"] = True  # once: at-fork hooks cannot be removed
    _state["active"] += 1
    try:
        yield
    finally:
        _state["active"] -= 1


class LocalExecutor(LocalPipelineExecutor):
    """datatrove's local executor, whose forked processes (Manager, Pool workers) die with this one."""

    def run(self):
        with children_die_with_parent():
            return super().run()
