"""The worker side of bench_bambi.py: one fit (brmsjax or bambi) per process, its ESS and Rhat."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

_BRMS_HYPER = ("b_", "sd_", "cor_", "sigma")
_BRMS_SKIP = {"lp__", "lprior", ".chain", ".iteration", ".draw"}


# -- shared: ESS and Rhat --------------------------------------------------------------------


def convergence(draws: dict[str, np.ndarray], hyper: set[str]) -> dict[str, Any]:
    """Min bulk ESS over all ``(chains, draws)`` arrays and over ``hyper``; max Rhat of ``hyper``.

    Parameters
    ----------
    draws
        One ``(chains, draws)`` array per scalar parameter.
    hyper
        The names in ``draws`` that are population-level effects or hyperparameters.

    Returns
    -------
    dict
        ``min_bulk_ess``, ``min_bulk_ess_var``, ``min_bulk_ess_hyper``,
        ``min_bulk_ess_hyper_var``, ``max_rhat_hyper``, ``max_rhat_hyper_var`` and
        ``n_params``.
    """
    import arviz as az

    ess = {k: float(az.ess(np.asarray(v, dtype=float), method="bulk")) for k, v in draws.items()}
    rhat = {k: float(az.rhat(np.asarray(draws[k], dtype=float))) for k in hyper}
    worst = min(ess, key=ess.__getitem__)
    worst_hyper = min(hyper, key=ess.__getitem__)
    worst_rhat = max(rhat, key=rhat.__getitem__)
    return {
        "min_bulk_ess": ess[worst],
        "min_bulk_ess_var": worst,
        "min_bulk_ess_hyper": ess[worst_hyper],
        "min_bulk_ess_hyper_var": worst_hyper,
        "max_rhat_hyper": rhat[worst_rhat],
        "max_rhat_hyper_var": worst_rhat,
        "n_params": len(draws),
    }


def _versions(packages: tuple[str, ...]) -> dict[str, str]:
    import importlib.metadata as md

    out = {}
    for p in packages:
        try:
            out[p] = md.version(p)
        except md.PackageNotFoundError:
            continue
    return out


# -- worker side: one fresh process, one fit ---------------------------------------------------


def fit_brmsjax(
    formula: str,
    csv: Path,
    *,
    chains: int,
    warmup: int,
    draws: int,
    seed: int,
    show_priors: bool = False,
) -> dict[str, Any]:
    """Fit ``formula`` to ``csv`` with ``brmsjax.brm`` (brms's default priors).

    Parameters
    ----------
    formula
        A brms formula.
    csv
        The data, read with pandas as ``brmsjax.datasets.load`` reads the bundled files.
    chains, warmup, draws, seed
        Sampler settings; ``iter = warmup + draws`` as in brms.
    show_priors
        Print ``brmsjax.get_prior`` of the model to stderr.

    Returns
    -------
    dict
        ``fit_s`` (``brm()`` end to end), the draws as ``(chains, draws)`` arrays under
        ``_draws``, the hyper names under ``_hyper``, ``divergent`` and ``mean_leapfrog``.
    """
    import pandas as pd

    import brmsjax as bj

    frame = pd.read_csv(csv, keep_default_na=True, na_values=["NA"])
    t0 = time.perf_counter()
    fit = bj.brm(
        formula, frame, chains=chains, iter=warmup + draws, warmup=warmup, seed=seed, progress=False
    )
    fit_s = time.perf_counter() - t0
    if show_priors:
        print(bj.get_prior(formula, frame).to_string(), file=sys.stderr)
    table = fit.draws()
    chain = table[".chain"].to_numpy()
    ids = np.unique(chain)
    out = {
        str(c): np.stack([table.loc[chain == i, c].to_numpy() for i in ids])
        for c in table.columns
        if c not in _BRMS_SKIP
    }
    stats = fit.sampler_stats
    return {
        "fit_s": fit_s,
        "_draws": out,
        "_hyper": {k for k in out if k.startswith(_BRMS_HYPER)},
        "divergent": int(stats["divergent__"].sum()),
        "mean_leapfrog": float(stats["n_leapfrog__"].mean()),
    }


def fit_bambi(
    formula: str,
    csv: Path,
    *,
    chains: int,
    warmup: int,
    draws: int,
    seed: int,
    show_priors: bool = False,
) -> dict[str, Any]:
    """Fit ``formula`` to ``csv`` with bambi's defaults and ``inference_method="numpyro"``.

    Parameters
    ----------
    formula
        A model formula (bambi reads lme4/brms-style group terms).
    csv
        The data, read with pandas.
    chains, warmup, draws, seed
        Sampler settings (bambi's ``tune`` is the warmup).
    show_priors
        Print bambi's model (with its priors) to stderr.

    Returns
    -------
    dict
        As :func:`fit_brmsjax`.
    """
    import bambi as bmb
    import pandas as pd

    frame = pd.read_csv(csv, keep_default_na=True, na_values=["NA"])
    t0 = time.perf_counter()
    model = bmb.Model(formula, frame)
    idata = model.fit(
        draws=draws,
        tune=warmup,
        chains=chains,
        inference_method="numpyro",
        target_accept=0.8,
        random_seed=seed,
        progressbar=False,
    )
    fit_s = time.perf_counter() - t0
    if show_priors:
        print(model, file=sys.stderr)
    out: dict[str, np.ndarray] = {}
    hyper: set[str] = set()
    for name, var in idata.posterior.data_vars.items():
        if any(str(d).endswith("__obs__") for d in var.dims):
            continue
        flat = var.values.reshape(chains, draws, -1)
        group_effect = "|" in str(name) and not str(name).endswith("_sigma")
        for i in range(flat.shape[2]):
            key = f"{name}[{i}]" if flat.shape[2] > 1 else str(name)
            out[key] = flat[..., i]
            if not group_effect:
                hyper.add(key)
    stats = idata.sample_stats
    steps = stats.get("n_steps")
    return {
        "fit_s": fit_s,
        "_draws": out,
        "_hyper": hyper,
        "divergent": int(stats["diverging"].values.sum()),
        "mean_leapfrog": float(steps.mean()) if steps is not None else float("nan"),
    }


FITTERS: dict[str, Callable[..., dict[str, Any]]] = {"brmsjax": fit_brmsjax, "bambi": fit_bambi}
VERSIONS = {
    "brmsjax": ("brmsjax", "jax", "numpyro"),
    "bambi": ("bambi", "pymc", "pytensor", "jax", "numpyro"),
}


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """One fit in this process; its times, convergence and versions."""
    spawned = time.time() if args.spawned is None else args.spawned
    started = time.time()
    res = FITTERS[args.worker](
        args.formula,
        args.csv,
        chains=args.chains,
        warmup=args.warmup,
        draws=args.draws,
        seed=args.seed,
        show_priors=args.show_priors,
    )
    process_s = time.time() - spawned
    import jax

    draws, hyper = res.pop("_draws"), res.pop("_hyper")
    return {
        "contender": args.worker,
        "formula": args.formula,
        "process_s": process_s,
        "startup_s": started - spawned,
        **res,
        **convergence(draws, hyper),
        "chains": args.chains,
        "warmup": args.warmup,
        "draws": args.draws,
        "seed": args.seed,
        "devices": jax.local_device_count(),
        "versions": _versions(VERSIONS[args.worker]),
    }
