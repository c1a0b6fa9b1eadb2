"""One process of a multi-process row-sharded run, started by the tests in this folder.

``python -m tests.distributed.worker TASK PROCESS_ID NUM_PROCESSES PORT OUT`` connects to the
other processes (:func:`brmsjax.backend.infer.distributed.initialize`, coordinator
``localhost:PORT``), runs ``TASK`` and writes its result as JSON to ``OUT``:

* ``density``: the row-sharded potential (minus the log density on the unconstrained scale)
  and its gradient of each model of :data:`MODELS` at the fixed points of :func:`points`;
* ``fit``: a short ``brm(..., shard_rows=True)`` fit of :data:`FIT_FORMULA`.

The tests import the same functions to compute the single-process values.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np
import pandas as pd

#: Each model: formula, family, rows (odd counts: the last device gets a padded row).
MODELS = {
    "gaussian (1 + x | g)": ("y ~ x + (1 + x | g)", "gaussian", 101),
    "poisson offset (1 | g)": ("yc ~ x + offset(o) + (1 | g)", "poisson", 99),
}
FIT_FORMULA = "y ~ x + (1 | g)"
FIT_ARGS: dict[str, Any] = {"chains": 2, "iter": 80, "warmup": 30, "seed": 3, "progress": False}
FIT_NAMES = ("b_Intercept", "b_x", "sd_g__Intercept", "sigma", "lp__")


def frame(n: int, seed: int = 1) -> pd.DataFrame:
    """Simulated data: a covariate, 7 groups, an offset, gaussian and count responses."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    g = rng.integers(0, 7, n)
    eff = rng.normal(0, 0.5, 7)[g]
    return pd.DataFrame(
        {
            "x": x,
            "g": [f"g{k}" for k in g],
            "y": 1 + 0.5 * x + eff + rng.normal(size=n),
            "yc": rng.poisson(np.exp(0.5 + 0.3 * x + eff)),
            "o": rng.normal(0, 0.1, n),
        }
    )


def lowered_model(case: str) -> Any:
    """The model of ``case``, lowered with its group effects sampled (as ``shard_rows``)."""
    from brmsjax.api import design_for
    from brmsjax.backend.families.registry import get_family
    from brmsjax.backend.model.lower import lower
    from brmsjax.backend.priors.resolve import resolve_priors

    formula, family, n = MODELS[case]
    fam = get_family(family)
    design = design_for(formula, frame(n), fam)
    return lower(design, fam, resolve_priors(design, fam, None), marginalize=False)


def points(dim: int) -> np.ndarray:
    """Two fixed points on the unconstrained scale."""
    return np.random.default_rng(7).uniform(-1.5, 1.5, (2, dim))


def density(shard: int) -> dict[str, Any]:
    """Potential and gradient of each model at :func:`points`: rows split over ``shard``
    devices (0: the unsharded program in one process)."""
    import jax

    from brmsjax.backend.infer.sharding import replicate, row_layout, shard_data

    out: dict[str, Any] = {}
    with jax.enable_x64(True):
        for case in MODELS:
            lowered = lowered_model(case)
            data, prior_args = lowered.model_args
            program = lowered.program
            if shard:
                layout = row_layout(1, shard)
                sharded, data = shard_data(lowered, lowered.data, layout)
                program, prior_args = sharded.program, replicate(prior_args, layout)
            fn = jax.jit(jax.value_and_grad(program.potential))
            values, grads = [], []
            for u in points(program.dim):
                value, grad = fn(u, data, prior_args)
                values.append(float(value))
                grads.append(np.asarray(grad).tolist())
            out[case] = {"values": values, "grads": grads}
    return out


def fit(shard_rows: bool | int) -> dict[str, Any]:
    """Draws, tree sizes and post-processed values (LOO's elpd, mean fitted values, fixed
    effects) of a short fit of :data:`FIT_FORMULA` with ``shard_rows``."""
    from brmsjax import brm

    result = brm(FIT_FORMULA, frame(101), shard_rows=shard_rows, **FIT_ARGS)
    draws = result.draws()
    return {
        "draws": {k: np.asarray(draws[k]).tolist() for k in FIT_NAMES},
        "n_leapfrog": result.sampler_stats["n_leapfrog__"].to_numpy().tolist(),
        # post-processing runs in each process on its own devices
        "elpd_loo": result.loo().elpd,
        "epred": np.asarray(result.posterior_epred()).mean(axis=0).tolist(),
        "fixef": result.fixef()["Estimate"].tolist(),
    }


def refusal() -> str:
    """The message of ``shard_rows=1`` in a multi-process run (one device of two)."""
    from brmsjax.backend.infer.sharding import row_count
    from brmsjax.formula.errors import ModelError

    try:
        row_count(1)
    except ModelError as err:
        return str(err)
    return "no error"


def main(argv: list[str]) -> None:
    """Connect to the other processes, run the task, write its JSON."""
    task, process_id, num_processes, port, out = argv
    import brmsjax  # noqa: F401  (host devices are set before JAX starts)
    from brmsjax.backend.infer.distributed import initialize

    initialize(f"localhost:{port}", int(num_processes), int(process_id))
    import jax

    result = density(True) if task == "density" else fit(True)
    if task == "density":
        result["row_count_error"] = refusal()
    result["process"] = jax.process_index()
    result["device_count"] = jax.device_count()
    with open(out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(sys.argv[1:])
