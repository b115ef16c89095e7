"""Hand memory the process has freed back to the operating system.

Building a large model makes and frees many temporary arrays; glibc's allocator keeps the freed
pages for reuse, so the process's resident memory stays at the build's peak while the solver then
allocates its own working memory on top. :func:`release_freed_memory` asks the allocator to
return what it holds free (``malloc_trim``): on the app's largest page, about 90 MB of the
resident memory after the build (``BENCHMARKS.md``). Elsewhere (no glibc) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

__all__ = ["release_freed_memory"]


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def release_freed_memory() -> bool:
    """Return the heap's free pages to the operating system, where the C library can.

    Returns
    -------
    bool
        Whether the allocator released any memory (``False`` also where it can't be asked).
    """
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
