"""The seed's STAR model with brms's default priors: convergence and end-to-end time.

Model (``brmsjax demo``; brmsjax/data/star1.csv, 6,511 complete rows, 367 classes)::

    score ~ age*size + exp + female + black*tblack + black*propblack
            + (age + female + black | class)

brms 2.18 needs about 900 s for 4 chains x (1000 warmup + 1000 draws) on 2 cores. This script
times :func:`brmsjax.brm` end to end (design, priors, lowering, compiling, sampling, draws,
the summary) in this process and prints divergent transitions, mean leapfrog steps per
iteration, the largest Rhat and smallest bulk ESS over the population-level and
hyperparameters (``b_``, ``sd_``, ``cor_``, ``sigma``), the smallest bulk ESS per second and
the speed-up on brms's 900 s. ``--variant`` sets how the group term is sampled
(``GroupPlan.centred``): ``auto`` (the lowering's rule), ``noncentred`` (brms's ``z``),
``centred`` (all coordinates) or a number of leading centred coordinates. Run::

    python benchmarks/bench_star.py [--chains 4] [--iter 2000] [--variant auto] [--seed 1]

Measured numbers are in benchmarks/RESULTS.md (the variants table moved there from this
docstring).
"""

from __future__ import annotations

import argparse
import functools
import json
import time
import warnings
from typing import Any

import numpy as np

FORMULA = (
    "score ~ age*size + exp + female + black*tblack + black*propblack"
    " + (age + female + black | class)"
)
BRMS_SECONDS = 900.0
VARIANTS = {"auto": None, "noncentred": 0, "centred": 99}
HYPER = ("b_", "sd_", "cor_", "sigma")


def centred_value(variant: str) -> int | None:
    """The ``lower(centred=...)`` value of a ``--variant``."""
    return VARIANTS[variant] if variant in VARIANTS else int(variant)


def fit_star(
    chains: int,
    iter: int,
    *,
    variant: str,
    seed: int,
    cores: int | None = None,
    float32: bool = False,
) -> tuple[Any, float]:
    """Fit the model with ``brm``; the fit and its end-to-end seconds."""
    import brmsjax.backend.model.lower as lowering
    from brmsjax import brm
    from brmsjax.datasets import star

    data = star()
    original = lowering.lower
    centred = centred_value(variant)
    if centred is not None:
        lowering.lower = functools.partial(original, centred=centred)  # type: ignore[assignment]
    try:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = brm(
                FORMULA,
                data,
                chains=chains,
                iter=iter,
                seed=seed,
                cores=cores,
                float32=float32,
                progress=False,
                data_name="star1",
            )
            fit.summary()
        seconds = time.perf_counter() - t0
    finally:
        lowering.lower = original
    return fit, seconds


def diagnostics(fit: Any, seconds: float) -> dict[str, Any]:
    """Divergences, leapfrog steps, max Rhat and min bulk ESS over population + hyper."""
    from brmsjax.backend.infer.diagnostics import ess_bulk, rhat

    draws = fit.draws()
    cols = [c for c in draws.columns if c.startswith(HYPER)]
    chains = draws[".chain"].to_numpy()
    ids = np.unique(chains)
    x = np.stack([draws.loc[chains == c, cols].to_numpy() for c in ids])
    rh, ess = rhat(x), ess_bulk(x)
    stats = fit.sampler_stats
    worst = int(np.nanargmin(ess))
    return {
        "seconds": round(seconds, 1),
        "divergent": int(stats["divergent__"].sum()),
        "leapfrog_mean": round(float(stats["n_leapfrog__"].mean()), 1),
        "treedepth_max": int(stats["treedepth__"].max()),
        "max_rhat": round(float(np.nanmax(rh)), 4),
        "worst_rhat": cols[int(np.nanargmax(rh))],
        "min_bulk_ess": round(float(np.nanmin(ess)), 1),
        "worst_ess": cols[worst],
        "min_ess_per_s": round(float(np.nanmin(ess)) / seconds, 2),
        "speedup_vs_brms": round(BRMS_SECONDS / seconds, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--iter", type=int, default=2000)
    parser.add_argument(
        "--variant",
        default="auto",
        help="auto, noncentred, centred or a number of centred coordinates",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cores", type=int, default=None)
    parser.add_argument("--float32", action="store_true")
    parser.add_argument("--json", default=None, help="also write the result to this file")
    args = parser.parse_args(argv)
    fit, seconds = fit_star(
        args.chains,
        args.iter,
        variant=args.variant,
        seed=args.seed,
        cores=args.cores,
        float32=args.float32,
    )
    out = {
        "chains": args.chains,
        "iter": args.iter,
        "variant": args.variant,
        "seed": args.seed,
        **diagnostics(fit, seconds),
    }
    ok = out["divergent"] == 0 and out["max_rhat"] < 1.01 and out["min_bulk_ess"] > 400
    out["converged"] = bool(ok)
    for k, v in out.items():
        print(f"{k:>16}: {v}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
