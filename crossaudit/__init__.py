"""crossaudit: a graph-based cross-audit engine for tax administration."""
from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from typing import Iterator

__version__ = "0.1.0"


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the system tells it)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block, as it was after: for work that makes hundreds
    of thousands of long-lived objects and no cycles (generating a region, normalising a
    resolution's values), where the collector's passes only cost time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
