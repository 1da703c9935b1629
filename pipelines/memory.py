"""Hand freed memory back to the operating system between the heavy steps of a run.

glibc's malloc keeps freed small blocks in its arenas: after staging a 20,000-page batch the
main process measured 575-594 MB, of which malloc_trim(0) returned about 230 MB, with no Python
object left over. Without it that retained memory sits under the snapshot step's DuckDB budget
and grows the peak of a large run.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc


@functools.cache
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        return None


def release_memory() -> None:
    """Collect garbage, empty Arrow's pool of unused memory, and trim malloc's free memory."""
    gc.collect()
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
