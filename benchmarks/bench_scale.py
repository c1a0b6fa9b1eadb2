"""Scale: ``y ~ x + (1 + x | g)`` on simulated data, brmsjax against a hand-written NumPyro model.

Data are simulated from the model with known truth (``Intercept = 1``, ``b_x = 0.5``,
``sd_g = (0.5, 0.3)``, ``cor = 0.3``, ``sigma = 1`` for gaussian; bernoulli with a logit link),
``x ~ N(0, 1)``, levels drawn uniformly. Per case (family, rows, groups) it reports:

* **brmsjax**: ``brm()`` end to end (design, priors, lowering, compiling, sampling, draws) with
  brms's default priors, 4 chains x (1000 warmup + 1000 draws) unless told otherwise; the
  likelihood form and group parameterization the lowering chose; divergent transitions; the
  largest Rhat and smallest bulk ESS over the population-level and hyperparameters (``b_``,
  ``sd_``, ``cor_``, ``sigma``: the issue's convergence bar is Rhat < 1.01 and bulk ESS > 400);
  the share of draws that hit the maximum tree depth;
* **handwritten** (``--handwritten``): the straightforward NumPyro model of the same program
  (non-centred ``r = (diag(sd) L z)^T``, index gather, the same priors), NUTS with vectorized
  chains, the same settings, timed end to end the same way (compiling included).

Each result is printed as a JSON line (``RESULT {...}``) as soon as it exists and appended to
``--out``, so a run stopped at a time limit keeps what it finished; ``--table`` renders a markdown
table from such a file. Run::

    python benchmarks/bench_scale.py --family gaussian --rows 1000000 --groups 10000
    python benchmarks/bench_scale.py --table results.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

TRUTH = {"Intercept": 1.0, "x": 0.5, "sd0": 0.5, "sd1": 0.3, "cor": 0.3, "sigma": 1.0}
FORMULA = "y ~ x + (1 + x | g)"


def simulate(family: str, rows: int, groups: int, seed: int) -> pd.DataFrame:
    """Rows from ``y ~ x + (1 + x | g)`` with the truth in :data:`TRUTH`."""
    rng = np.random.default_rng(seed)
    t = TRUTH
    cov = np.array(
        [
            [t["sd0"] ** 2, t["cor"] * t["sd0"] * t["sd1"]],
            [t["cor"] * t["sd0"] * t["sd1"], t["sd1"] ** 2],
        ]
    )
    r = rng.multivariate_normal(np.zeros(2), cov, size=groups)
    g = rng.integers(0, groups, size=rows)
    x = rng.normal(size=rows)
    eta = t["Intercept"] + r[g, 0] + (t["x"] + r[g, 1]) * x
    if family == "gaussian":
        y = eta + t["sigma"] * rng.normal(size=rows)
    else:
        y = (rng.uniform(size=rows) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    width = len(str(groups))
    labels = np.array([f"g{i:0{width}d}" for i in range(groups)])
    return pd.DataFrame({"y": y, "x": x, "g": labels[g]})


def _convergence(fit: Any) -> dict[str, Any]:
    s = fit.summary()
    tables = [s.fixed, *s.random.values(), s.spec_pars]
    table = pd.concat([t for t in tables if len(t)])
    stats = fit.sampler_stats
    return {
        "max_rhat": float(table["Rhat"].max()),
        "min_bulk_ess": float(table["Bulk_ESS"].min()),
        "divergent": int(stats["divergent__"].sum()),
        "treedepth_hits": float((stats["treedepth__"] >= fit.info.max_treedepth).mean()),
        "mean_leapfrog": float(stats["n_leapfrog__"].mean()) if "n_leapfrog__" in stats else None,
        "estimates": {k: float(v) for k, v in table["Estimate"].items()},
    }


def run_brmsjax(frame: pd.DataFrame, family: str, args: argparse.Namespace) -> dict[str, Any]:
    """One ``brm()`` fit, timed end to end."""
    import brmsjax

    t0 = time.perf_counter()
    fit = brmsjax.brm(
        FORMULA,
        frame,
        family=family,
        chains=args.chains,
        iter=args.iter,
        seed=args.seed,
        float32=args.float32,
        progress=False,
    )
    seconds = time.perf_counter() - t0
    out = {
        "contender": "brmsjax",
        "seconds": seconds,
        **_convergence(fit),
        "forms": {k: str(v) for k, v in fit.model.forms.items()},
    }
    return out


def run_handwritten(frame: pd.DataFrame, family: str, args: argparse.Namespace) -> dict[str, Any]:
    """The straightforward NumPyro model of the same program, timed end to end."""
    import arviz as az
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS

    t0 = time.perf_counter()
    y = frame["y"].to_numpy(dtype=float)
    x = frame["x"].to_numpy(dtype=float)
    levels, g = np.unique(frame["g"].to_numpy(), return_inverse=True)
    n_levels = len(levels)
    mean_x = x.mean()
    if family == "gaussian":
        loc = float(np.round(np.median(y), 1))
        mad = 1.4826 * np.median(np.abs(y - np.median(y)))
        scale = max(2.5, float(np.round(mad, 1)))
    else:
        loc, scale = 0.0, 2.5

    def half_t() -> dist.Distribution:
        return dist.TruncatedDistribution(dist.StudentT(3.0, 0.0, scale), low=0.0)

    def model(xc: Any, x: Any, g: Any, y: Any) -> None:
        b = numpyro.sample("b", dist.ImproperUniform(dist.constraints.real, (), (1,)))
        icpt = numpyro.sample("Intercept", dist.StudentT(3.0, loc, scale))
        sd = numpyro.sample("sd", half_t().expand([2]).to_event(1))
        chol = numpyro.sample("L", dist.LKJCholesky(2, 1.0))
        z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([2, n_levels]).to_event(2))
        r = ((sd[:, None] * chol) @ z).T
        eta = icpt + xc * b[0] + r[g, 0] + r[g, 1] * x
        if family == "gaussian":
            sigma = numpyro.sample("sigma", half_t())
            numpyro.sample("Y", dist.Normal(eta, sigma), obs=y)
        else:
            numpyro.sample("Y", dist.BernoulliLogits(eta), obs=y)

    dtype = np.float32 if args.float32 else np.float64
    with jax.enable_x64(not args.float32):
        data = tuple(
            jnp.asarray(a)
            for a in (
                (x - mean_x).astype(dtype),
                x.astype(dtype),
                g.astype(np.int32),
                y.astype(dtype),
            )
        )
        warmup = args.iter // 2
        mcmc = MCMC(
            NUTS(model),
            num_warmup=warmup,
            num_samples=args.iter - warmup,
            num_chains=args.chains,
            chain_method="vectorized",
            progress_bar=False,
        )
        mcmc.run(jax.random.key(args.seed), *data, extra_fields=("num_steps", "diverging"))
        samples = jax.device_get(mcmc.get_samples(group_by_chain=True))
        extra = jax.device_get(mcmc.get_extra_fields(group_by_chain=True))
    seconds = time.perf_counter() - t0
    b = np.asarray(samples["b"])[..., 0]
    hyper = {
        "b_Intercept": np.asarray(samples["Intercept"]) - b * mean_x,
        "b_x": b,
        "sd_0": np.asarray(samples["sd"])[..., 0],
        "sd_1": np.asarray(samples["sd"])[..., 1],
        "cor": np.asarray(samples["L"])[..., 1, 0],
    }
    if family == "gaussian":
        hyper["sigma"] = np.asarray(samples["sigma"])
    rhat = max(float(az.rhat(v)) for v in hyper.values())
    ess = min(float(az.ess(v, method="bulk")) for v in hyper.values())
    steps = np.asarray(extra["num_steps"])
    return {
        "contender": "handwritten",
        "seconds": seconds,
        "max_rhat": rhat,
        "min_bulk_ess": ess,
        "divergent": int(np.asarray(extra["diverging"]).sum()),
        "treedepth_hits": float((steps >= 1023).mean()),
        "mean_leapfrog": float(steps.mean()),
        "estimates": {k: float(v.mean()) for k, v in hyper.items()},
    }


def _device() -> str:
    import jax

    d = jax.devices()[0]
    return f"{d.platform}:{getattr(d, 'device_kind', '')} x{jax.device_count()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--family", nargs="+", default=["gaussian"], choices=["gaussian", "bernoulli"]
    )
    parser.add_argument("--rows", nargs="+", type=int, default=[10_000])
    parser.add_argument("--groups", nargs="+", type=int, default=[100])
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--iter", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--float32", action="store_true")
    parser.add_argument(
        "--handwritten", action="store_true", help="also fit the hand-written NumPyro model"
    )
    parser.add_argument("--only-handwritten", action="store_true")
    parser.add_argument(
        "--metric",
        choices=["laplace", "identity"],
        default="laplace",
        help="brmsjax's first inverse mass matrix: the curvature at the mode "
        "(the default) or the identity (as before, for comparison)",
    )
    parser.add_argument("--out", type=Path, default=None, help="append JSON lines here")
    parser.add_argument(
        "--table",
        type=Path,
        default=None,
        help="print a markdown table of a JSON-lines file and exit",
    )
    args = parser.parse_args(argv)
    if args.table is not None:
        print(
            table(
                [json.loads(line) for line in args.table.read_text().splitlines() if line.strip()]
            )
        )
        return 0
    import brmsjax  # noqa: F401  (host devices before JAX starts)

    if args.metric == "identity":
        from brmsjax.backend.infer import nuts as inference

        inference.laplace_inverse_mass = lambda *_, **__: None  # type: ignore[assignment]

    device = _device()
    for family in args.family:
        for rows in args.rows:
            for groups in args.groups:
                frame = simulate(family, rows, groups, args.seed)
                runners = [] if args.only_handwritten else [run_brmsjax]
                if args.handwritten or args.only_handwritten:
                    runners.append(run_handwritten)
                for runner in runners:
                    res = runner(frame, family, args)
                    res.update(
                        family=family,
                        rows=rows,
                        groups=groups,
                        chains=args.chains,
                        metric=args.metric,
                        iter=args.iter,
                        float32=args.float32,
                        device=device,
                        host=platform.node(),
                        date=dt.date.today().isoformat(),
                    )
                    line = json.dumps(res)
                    print("RESULT", line, flush=True)
                    if args.out is not None:
                        with args.out.open("a") as fh:
                            fh.write(line + "\n")
    return 0


def table(results: list[dict[str, Any]]) -> str:
    """A markdown table of results (one row per fit)."""
    head = (
        "| date | device | family | rows | groups | contender | chains x iter | dtype | "
        "seconds | divergent | max Rhat | min bulk ESS | max-depth share | leapfrog/iter "
        "| form |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        backend = r.get("backend", {})
        form = ", ".join(f"{k}={v}" for k, v in backend.items()) if backend else ""
        if "forms" in r:
            form = r["forms"]["likelihood"]
        lf = r.get("mean_leapfrog")
        lines.append(
            f"| {r['date']} | {r['device']} | {r['family']} | {r['rows']:,} | {r['groups']:,} | "
            f"{r['contender']} | {r['chains']} x {r['iter']} | "
            f"{'float32' if r['float32'] else 'float64'} | {r['seconds']:.1f} | "
            f"{r['divergent']} | {r['max_rhat']:.3f} | {r['min_bulk_ess']:.0f} | "
            f"{r['treedepth_hits']:.2f} | {'' if lf is None else f'{lf:.0f}'} | {form} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
