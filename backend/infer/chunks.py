"""Sampling iterations in short chunks, so that Ctrl-C stops a run within a fraction of a second.

A compiled ``advance`` call runs uninterruptibly: Python sees a SIGINT only when the call
returns, and a ``KeyboardInterrupt`` raised while the call is in flight leaves XLA computing in
the background (the next fit then shares the cores with it). :func:`run_chunks` therefore runs
the iterations in chunks of about :data:`CHUNK_SECONDS` each, waits for each chunk to finish,
and, while it runs, defers SIGINT to the end of the current chunk (:class:`DeferredInterrupt`):
an interrupt then stops the run at a chunk boundary with nothing in flight, and
:class:`SamplingInterrupted` says how far sampling got. A second Ctrl-C interrupts at once.
Chunking changes nothing in the draws: every chunk is the same program, run on ``[lo, hi)``.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import jax

__all__ = ["CHUNK_SECONDS", "DeferredInterrupt", "SamplingInterrupted", "run_chunks"]

#: Target wall time of one chunk: the longest a Ctrl-C waits for the run to stop, unless a
#: single iteration takes longer. The per-chunk overhead (dispatch and wait) is well under a
#: millisecond, so this costs no measurable speed.
CHUNK_SECONDS = 0.25


class SamplingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped sampling; no draws are kept.

    A :class:`KeyboardInterrupt`, so that code that stops on Ctrl-C stops on it too.

    Attributes
    ----------
    done, total
        Iterations per chain finished before the interrupt, and those asked for.
    """

    def __init__(self, done: int, total: int):
        self.done = done
        self.total = total
        super().__init__(f"brm(): interrupted by the user after {done} of {total} iterations.")

    def __str__(self) -> str:
        return str(self.args[0])


class DeferredInterrupt:
    """While active, a SIGINT sets :attr:`pending` instead of raising; a second one raises.

    Only the main thread can handle signals, and a handler that someone else installed is left
    alone: then this does nothing and Ctrl-C raises :class:`KeyboardInterrupt` as usual.
    """

    def __init__(self) -> None:
        self.pending = False
        self._previous: Any = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        del signum, frame
        if self.pending:
            raise KeyboardInterrupt
        self.pending = True

    def __enter__(self) -> DeferredInterrupt:
        if (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


def _next_size(size: int, seconds: float) -> int:
    """The next chunk's iterations: about :data:`CHUNK_SECONDS` at the last chunk's pace,
    growing at most twofold (iterations get dearer as warmup lengthens the trees)."""
    if seconds <= 0:
        return 2 * size
    return max(1, min(2 * size, int(size * CHUNK_SECONDS / seconds)))


def run_chunks(
    step: Callable[[int, int], Any], total: int, *, bar: Any = None, first: int = 1
) -> Any:
    """Run iterations ``[0, total)`` as ``step(lo, hi)`` calls and return the last result.

    Parameters
    ----------
    step
        Dispatches iterations ``[lo, hi)`` and returns their (asynchronous) result, which is
        waited for before the next chunk.
    total
        Iterations per chain.
    bar
        A tqdm progress bar, updated after each chunk, or None.
    first
        Iterations of the first chunk (later chunks are sized by the time the last one took).

    Raises
    ------
    SamplingInterrupted
        Ctrl-C during the run; raised once the current chunk has finished, so that no
        computation is left running.
    """
    out = None
    lo, size = 0, max(1, first)
    with DeferredInterrupt() as interrupt:
        while lo < total:
            hi = min(lo + size, total)
            t0 = time.perf_counter()
            try:
                out = jax.block_until_ready(step(lo, hi))
            except KeyboardInterrupt:
                # A second Ctrl-C, or one not deferred: the chunk may still be running.
                raise SamplingInterrupted(lo, total) from None
            if bar is not None:
                bar.update(hi - lo)
            lo, size = hi, _next_size(hi - lo, time.perf_counter() - t0)
            if interrupt.pending:
                raise SamplingInterrupted(lo, total)
    return out
