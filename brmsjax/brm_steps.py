"""Steps of ``brm()`` between lowering and the fit object that are not NUTS itself.

:func:`approximate_draws` runs brms's ``algorithm = "meanfield" | "fullrank" | "pathfinder" |
"laplace"`` approximations and reports their settings as brms does; :func:`with_prior_draws`
adds brms's ``prior_*`` draws of ``sample_prior = "yes"`` (:mod:`brmsjax.backend.priors.draws`).

:func:`frozen_heap` runs ``brm()`` with the objects alive when it starts (the imported modules
of JAX, NumPyro, pandas and SciPy, some 175,000) frozen out of the cyclic garbage collector:
each full collection during a fit traversed them all, 0.35-0.45 s of Penicillin's cold fit
holding the interpreter beside the tracing; they are unfrozen when ``brm()`` returns.
Importing this module (``from brmsjax import brm`` does) registers :func:`gc.freeze` to run at
interpreter exit. Finalizing the interpreter runs full cyclic garbage collections over every
object still alive (JAX's, pandas', NumPyro's and the fit's: a quarter of a million of them),
which took 0.6-0.9 s of a cold fit's process; frozen objects are left out of those
collections, and the process's memory goes back to the system anyway. Python does not promise
to finalize objects that are alive at exit, so no guarantee is lost (benchmarks/RESULTS.md,
2026-12-08 eighth session).
"""

from __future__ import annotations

import atexit
import functools
import gc
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd

from brmsjax.backend.families.registry import Family
from brmsjax.backend.priors.draws import prior_draws
from brmsjax.formula.design.ir import Design

__all__ = ["approximate_draws", "frozen_heap", "with_prior_draws"]

atexit.register(gc.freeze)

F = TypeVar("F", bound=Callable[..., Any])


def frozen_heap(fn: F) -> F:
    """``fn`` run with the objects alive at its call frozen out of cyclic garbage collection.

    They are unfrozen when it returns or raises, so garbage among them is collected later as
    before. Where the process has frozen objects already (the user's own :func:`gc.freeze`),
    nothing is frozen or unfrozen.
    """

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if gc.get_freeze_count():
            return fn(*args, **kwargs)
        gc.freeze()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.unfreeze()

    return cast(F, call)


def with_prior_draws(
    draws: pd.DataFrame, priors: Any, design: Design, fam: Family, seed: int | None
) -> pd.DataFrame:
    """brms's ``sample_prior = "yes"``: the ``prior_*`` draws beside the posterior ones."""
    rng = np.random.default_rng(None if seed is None else [int(seed), 0x505249])
    extra = prior_draws(priors, design, fam, len(draws), rng)
    return pd.concat([draws, pd.DataFrame(extra, index=draws.index)], axis=1)


def approximate_draws(
    lowered: Any, algorithm: str, **options: Any
) -> tuple[Any, Any, dict[str, Any]]:
    """Draws of an approximation, no sampler statistics, and the settings brms reports.

    brms stores variational draws as one chain with ``iter`` = the number of draws, no warmup
    and no thinning (rstan's ``vb``).
    """
    from brmsjax.backend.infer.approx import approximate, sampler_name
    from brmsjax.backend.infer.draws import to_draws
    from brmsjax.backend.infer.nuts import SampleResult

    result = approximate(lowered, algorithm=algorithm, **options)
    draws, _ = to_draws(cast(SampleResult, result), lowered)  # an ApproxResult fits to_draws
    n = result.draws_per_chain
    settings = {
        "chains": 1,
        "iter": n,
        "warmup": 0,
        "thin": 1,
        "algorithm": sampler_name(algorithm),
    }
    return draws, None, settings
