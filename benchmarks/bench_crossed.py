"""Gaussian models with several group-level IDs: the crossed marginal form against the old one.

Models (brms's default priors, 4 chains x (1000 warmup + 1000 draws) by default):

* ``penicillin``: lme4's Penicillin, ``diameter ~ 1 + (1 | plate) + (1 | sample)`` (144 rows,
  24 x 6 crossed levels; tests/fixtures/crossed/penicillin.csv);
* ``star_nested``: the seed's STAR data with classes nested in schools,
  ``score ~ age + female + black + (1 | school/class)`` (6,511 rows);
* ``insteval``: lme4's InstEval, ``y ~ service + (1 | s) + (1 | d) + (1 | dept)`` (73,421
  rows, 2,972 x 1,128 x 14 crossed levels; tests/fixtures/crossed/insteval.csv.gz).

Each model is fitted end to end with :func:`brmsjax.brm` (design, priors, lowering,
compiling, sampling, draws, the summary) in the crossed marginal form (``new``:
:mod:`brmsjax.backend.model.crossed`, asked for) and with
the marginal forms switched off (``old``: ``lower(marginalize=False)``, brms's sampled group
effects), side by side in one process, so the ratio holds on a shared machine. Printed per
fit: seconds, the form, divergent transitions, mean leapfrog steps, the largest Rhat and
smallest bulk ESS over the population-level and hyperparameters, and the largest
``|mean_new - mean_old| / sd_old`` over them; for InstEval also the largest distance of
``b_`` and ``sigma`` from lme4's REML estimates in posterior sd. Run::

    python benchmarks/bench_crossed.py [--models penicillin star_nested] [--forms new old]
        [--chains 4] [--iter 2000] [--warmup 1000] [--json out.json]

Results are in benchmarks/RESULTS.md ("Crossed and nested gaussian group terms").
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "crossed"
HYPER = ("b_", "sd_", "cor_", "sigma")
MODELS = {
    "penicillin": "diameter ~ 1 + (1 | plate) + (1 | sample)",
    "star_nested": "score ~ age + female + black + (1 | school/class)",
    "insteval": "y ~ service + (1 | s) + (1 | d) + (1 | dept)",
}


def model_data(name: str) -> pd.DataFrame:
    """The data of a benchmark model."""
    if name == "penicillin":
        return pd.read_csv(FIXTURES / "penicillin.csv")
    if name == "insteval":
        kinds = {"s": str, "d": str, "dept": str, "service": str}
        return pd.read_csv(FIXTURES / "insteval.csv.gz", dtype=kinds)
    from brmsjax.datasets import star

    return star()


def fit(
    name: str, form: str, chains: int, iter: int, seed: int, *, warmup: int | None = None
) -> tuple[Any, float, dict[str, str]]:
    """Fit a model in a form (``new``, ``old`` or ``auto``); the fit, its wall seconds and
    ``form`` (the likelihood form), ``cpu_seconds`` (all threads) and ``load_average`` (1, 5
    and 15 minutes, at the end)."""
    import brmsjax.backend.model.lower as lowering
    from brmsjax import brm

    data = model_data(name)
    original = lowering.lower
    chosen: dict[str, str] = {}

    def spy(*args: Any, **kwargs: Any) -> Any:
        if form == "old":
            kwargs["marginalize"] = False
        elif form == "new":  # asked for: "auto" keeps small models and InstEval in the plain form
            kwargs["likelihood"] = "marginal"
        out = original(*args, **kwargs)
        chosen["form"] = out.forms["likelihood"]
        return out

    lowering.lower = functools.wraps(original)(spy)  # type: ignore[assignment]
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = brm(
                MODELS[name],
                data,
                chains=chains,
                iter=iter,
                warmup=iter // 2 if warmup is None else warmup,
                seed=seed,
                progress=False,
            )
            out.summary()
        seconds = time.perf_counter() - t0
        chosen["cpu_seconds"] = str(round(time.process_time() - c0, 1))
    finally:
        lowering.lower = original
    chosen["load_average"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
    return out, seconds, chosen


def summary(fit: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Means and sds of the population-level and hyperparameters, and the diagnostics."""
    from brmsjax.backend.infer.diagnostics import ess_bulk, rhat

    draws = fit.draws()
    cols = [c for c in draws.columns if c.startswith(HYPER)]
    chains = draws[".chain"].to_numpy()
    x = np.stack([draws.loc[chains == c, cols].to_numpy() for c in np.unique(chains)])
    rh, ess = rhat(x), ess_bulk(x)
    stats = fit.sampler_stats
    table = pd.DataFrame({"mean": draws[cols].mean(), "sd": draws[cols].std()})
    return table, {
        "divergent": int(stats["divergent__"].sum()),
        "leapfrog_mean": round(float(stats["n_leapfrog__"].mean()), 1),
        "max_rhat": round(float(np.nanmax(rh)), 4),
        "min_bulk_ess": round(float(np.nanmin(ess)), 1),
    }


def lme4_distance(table: pd.DataFrame) -> float:
    """Largest ``|posterior mean - lme4 estimate| / posterior sd`` over InstEval's ``b_`` and
    ``sigma`` (lme4's REML fit, tests/fixtures/crossed/lme4_refs.json)."""
    ref = json.loads((FIXTURES / "lme4_refs.json").read_text())["insteval"]
    est = {
        "b_Intercept": ref["fixef"]["(Intercept)"],
        "b_service1": ref["fixef"]["service1"],
        "sigma": ref["sd"]["Residual"],
    }
    return max(abs(table.loc[k, "mean"] - v) / table.loc[k, "sd"] for k, v in est.items())


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument(
        "--forms", nargs="+", default=["new", "old"], choices=["new", "old", "auto"]
    )
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--iter", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=None, help="default: iter // 2")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", default=None, help="also write the rows to this file")
    args = parser.parse_args(argv)
    rows = []
    for name in args.models:
        tables = {}
        for form in args.forms:
            out, seconds, chosen = fit(
                name, form, args.chains, args.iter, args.seed, warmup=args.warmup
            )
            tables[form], diag = summary(out)
            row = {"model": name, "form": form, "likelihood": chosen["form"]}
            row.update(
                seconds=round(seconds, 1), **{k: v for k, v in chosen.items() if k != "form"}
            )
            row.update(diag)
            if name == "insteval":
                row["lme4_max_sd"] = round(float(lme4_distance(tables[form])), 3)
            rows.append(row)
            print(json.dumps(row), flush=True)
        if len(set(tables) & {"new", "auto"}) and "old" in tables:
            new, old = tables["auto" if "auto" in tables else "new"], tables["old"]
            dmean = float(np.max(np.abs(new["mean"] - old["mean"]) / old["sd"]))
            sd_ratio = new["sd"] / old["sd"]
            times = {r["form"]: r["seconds"] for r in rows if r["model"] == name}
            cmp = {
                "model": name,
                "old_over_new": round(times["old"] / times.get("auto", times.get("new", 1)), 2),
                "max_dmean_sd": round(dmean, 3),
                "sd_ratio_range": [round(float(v), 3) for v in (sd_ratio.min(), sd_ratio.max())],
            }
            rows.append(cmp)
            print(json.dumps(cmp), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
