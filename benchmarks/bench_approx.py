"""Approximate inference on big data (issue 7, item 5): meanfield and laplace against NUTS.

Simulates ``y ~ x1 + x2 + x3 + (1 | g)`` (gaussian, g with 1,000 levels; ``--family
bernoulli`` for a logit model), fits meanfield and laplace (mini-batched) to all rows, and NUTS
(chains=2, iter=1000) to a random subsample. Each fit runs in its own process, so its peak
RSS is its own. For each population-level effect it prints ``|mean_approx - mean_NUTS| /
sd_NUTS`` with the approximation fitted to the same subsample as NUTS (the acceptance check:
at most 0.1) and to all rows (which also holds the subsample's own sampling error, of the
order of 1 sd). Run:

    python benchmarks/bench_approx.py --rows 1000000 [--subsample 100000] [--family gaussian]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

FORMULA = "y ~ x1 + x2 + x3 + (1 | g)"
COEFS = ("Intercept", "x1", "x2", "x3")
TRUTH = np.array([0.3, -0.2, 0.1])  # the simulated slopes


def make_data(n: int, family: str, seed: int = 1) -> pd.DataFrame:
    """``n`` rows of the benchmark model with 1,000 groups."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    g = rng.integers(0, 1000, n)
    eta = 0.5 + x @ TRUTH + rng.normal(0, 0.5, 1000)[g]
    if family == "bernoulli":
        y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(np.float64)
    else:
        y = eta + rng.normal(size=n)
    return pd.DataFrame({"y": y, "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2], "g": g})


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def child(task: str, rows: int, family: str, subsample: int) -> dict:
    """Run one fit (or only the design build) and return its numbers."""
    import brmsjax as bj
    from brmsjax.api import design_for
    from brmsjax.backend.families.registry import get_family

    data = make_data(rows, family)
    if task.endswith("_sub") or task == "nuts":
        idx = np.random.default_rng(2).choice(rows, subsample, replace=False)
        data = data.iloc[np.sort(idx)].reset_index(drop=True)
    rss0 = _rss_gib()
    t0 = time.perf_counter()
    if task == "design":
        design_for(FORMULA, data, get_family(family))
        return {"seconds": time.perf_counter() - t0, "rss_gib": _rss_gib(), "rss_data": rss0}
    algorithm = task.removesuffix("_sub")
    kw = {"chains": 2, "iter": 1000} if task == "nuts" else {"algorithm": algorithm}
    fit = bj.brm(FORMULA, data, family=family, seed=1, progress=False, **kw)
    fe = fit.fixef()
    return {
        "seconds": time.perf_counter() - t0,
        "rss_gib": _rss_gib(),
        "rss_data": rss0,
        "mean": fe["Estimate"].tolist(),
        "sd": fe["Est.Error"].tolist(),
    }


def main() -> None:
    """Run every fit in a subprocess and print a results table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--subsample", type=int, default=100_000)
    parser.add_argument("--family", default="gaussian", choices=("gaussian", "bernoulli"))
    parser.add_argument(
        "--tasks", default="design,meanfield,laplace,nuts,meanfield_sub,laplace_sub"
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.rows, args.family, args.subsample)))
        return
    results = {}
    for task in args.tasks.split(","):
        cmd = [
            sys.executable,
            __file__,
            "--child",
            task,
            "--rows",
            str(args.rows),
            "--subsample",
            str(args.subsample),
            "--family",
            args.family,
        ]
        out = subprocess.run(cmd, check=False, capture_output=True, text=True, env=os.environ)
        if out.returncode:
            print(f"{task}: failed\n{out.stderr[-2000:]}")
            continue
        results[task] = json.loads(out.stdout.strip().splitlines()[-1])
        r = results[task]
        print(
            f"{task:>14}: {r['seconds']:7.1f} s, peak RSS {r['rss_gib']:.2f} GiB "
            f"(data alone {r['rss_data']:.2f} GiB)",
            flush=True,
        )
    nuts = results.get("nuts")
    if nuts is None:
        return
    m, s = np.array(nuts["mean"]), np.array(nuts["sd"])
    print(f"NUTS on {args.subsample:,} rows: mean {np.round(m, 4)}, sd {np.round(s, 4)}")
    for task, r in results.items():
        if "mean" in r and task != "nuts":
            z = np.abs(np.array(r["mean"]) - m) / s
            sd_ratio = np.array(r["sd"]) / s
            print(
                f"{task:>14}: |mean - mean_NUTS| / sd_NUTS = {np.round(z, 3)} "
                f"(max {z.max():.3f}); sd / sd_NUTS = {np.round(sd_ratio, 3)}"
            )
            truth = np.abs(np.array(r["mean"][1:]) - TRUTH) / np.array(r["sd"][1:])
            print(f"{'':>14}  slopes: |mean - truth| / sd = {np.round(truth, 2)}")


if __name__ == "__main__":
    main()
