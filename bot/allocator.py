"""One glibc malloc arena for the bot's process, unless MALLOC_ARENA_MAX says otherwise.

glibc gives a thread that allocates while another holds the main arena an arena of its own
(up to eight per core), and each arena keeps the pages it has touched: the bot's two
SQLite connections' threads and the worker that draws the digest chart each held one,
about 4 MiB of the peak in bench.footprint (docs/performance.md). Only SQLite's own work
runs beside the main thread (Python code waits for the GIL), so sharing one arena can
contend there; measured, the answer path was no slower. Set MALLOC_ARENA_MAX to choose
another number.
"""

from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8  # glibc's malloc.h


def limit_malloc_arenas(count: int = 1) -> bool:
    """Cap glibc's arenas at `count`; False where MALLOC_ARENA_MAX is set or there is no
    glibc (macOS, musl). Call before the process starts its threads."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_ARENA_MAX, count))
