"""Give the heap's free memory back to the system after a burst of connections.

Many short-lived connections (a flood of sockets that never associate, say) leave the C heap
fragmented: their buffers are freed, but glibc returns only the free space at the top of the
heap, so the process keeps its peak size. ``malloc_trim(0)`` releases every free page.
The server calls it once its connections waiting to associate are gone (at most once per
:data:`TRIM_DELAY`); a no-op where glibc is not the C library.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable

#: Seconds after the last connection of a burst ended before the heap is trimmed (a trim
#: walks the whole heap: once per burst, not once per connection).
TRIM_DELAY = 1.0


def _find_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_trim = _find_trim()


def release_free_memory() -> bool:
    """Collect the garbage cycles (a connection's objects refer to each other) and return the
    heap's free pages to the system; whether the C library can."""
    if _trim is None:
        return False
    gc.collect()
    _trim(0)
    return True


__all__ = ["TRIM_DELAY", "release_free_memory"]
