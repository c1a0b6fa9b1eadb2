"""The prior values' ``prepare`` program, compiled and run beside the sampler's tracing.

:meth:`~brmsjax.backend.model.lower.ModelProgram.prepare` adds the constants of the prior
densities (log-gamma functions of Student's t priors' degrees of freedom, truncation terms) to
the prior values, once per fit. Its program is small but compiles in about 0.2 s of CPU
(sleepstudy's: 1,900 operations for 14 log-gamma functions), and the other programs of a fit
need only the shapes of its output to be traced: :func:`prepared_later` traces it, hands those
shapes back at once and compiles and runs it on a thread of its own while ``start`` and
``advance`` are traced (Python, which holds the interpreter) on the caller's thread. On a
machine with two cores that takes its compile off the fit's critical path
(benchmarks/RESULTS.md, "Compile and import time", third session).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jax

from brmsjax.backend.cache import RUN_ONCE_OPTIONS, compiled, lookup
from brmsjax.backend.infer.devices import ChainLayout
from brmsjax.backend.infer.sharding import replicate
from brmsjax.backend.model.lower import LoweredModel

__all__ = ["prepared_later"]

PyTree = Any


def prepared_later(
    lowered: LoweredModel, prior_args: PyTree, layout: ChainLayout, float32: bool
) -> tuple[PyTree, Callable[[], PyTree]]:
    """The prepared prior values' shapes (or values) now, and a getter of their values.

    Where the program was compiled before (a refit) or the rows are sharded (the values are
    then replicated over the rows' mesh), it runs here and both are the values. Otherwise the
    first is a tree of :class:`jax.ShapeDtypeStruct` to trace the other programs with, and the
    getter waits for the values (it raises what ``prepare`` raised).
    """
    key = ("prepare", lowered.structure, float32)
    options = RUN_ONCE_OPTIONS if layout.platform == "cpu" else None
    jitted = jax.jit(lowered.program.prepare)

    def run() -> PyTree:
        with jax.enable_x64(not float32):  # a thread-local setting
            return compiled(key, lambda: jitted, (prior_args,), options)(prior_args)

    if layout.rows or lookup(key, (prior_args,)) is not None:
        values = replicate(run(), layout)
        return values, lambda: values
    shapes = jitted.trace(prior_args).out_info  # ``compiled`` lowers this trace
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(run)
    pool.shutdown(wait=False)
    return shapes, future.result
