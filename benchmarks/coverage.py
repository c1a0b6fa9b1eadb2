"""Simulation check of issue 3: do brmsjax's 90% credible intervals cover the truth 90% of the time?

Data come from the seed's two-level model (students i in classes k) in brms form::

    score ~ age*size + exp + female + black*tblack + black*propblack
            + (age + female + black | class)

with known population-level coefficients (the gammas), class-level effects
``eta_k ~ MVN(0, Phi P Phi)`` on (Intercept, age, female, black) and residual sd sigma.
Student-level predictors (age, female, black) vary within a class; class-level predictors
(size, exp, tblack, propblack) are constant within it. age, size and exp are standardized and
propblack (a class's chance of a Black student) is centred at one half, so the fit is well
conditioned. Each replication is fitted with ``brmsjax.brm`` (brms's default
priors) and every interval of the truth's parameters is checked. The pooled count of covered
intervals is compared with a two-sided binomial band around 90%. Run:

    python benchmarks/coverage.py [--reps 20] [--classes 300] [--students 10] [--chains 4]
                                  [--iter 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

FORMULA = (
    "score ~ age*size + exp + female + black*tblack + black*propblack"
    " + (age + female + black | class)"
)
GROUP = "class"
VARYING = ("Intercept", "age", "female", "black")


@dataclass(frozen=True)
class Truth:
    """Known parameters of the simulated two-level model.

    Parameters
    ----------
    gamma
        Population-level coefficients of the uncentred model, by brms coefficient name
        (``"Intercept"``, ``"age"``, ``"age:size"``, ...).
    phi
        Standard deviations of the class effects, in the order of :data:`VARYING`.
    rho
        Correlation matrix P of the class effects (rows as :data:`VARYING`).
    sigma
        Residual standard deviation.
    """

    gamma: Mapping[str, float]
    phi: tuple[float, ...]
    rho: tuple[tuple[float, ...], ...]
    sigma: float

    def cov(self) -> np.ndarray:
        """The covariance matrix ``Phi P Phi`` of the class effects."""
        phi = np.diag(self.phi)
        return phi @ np.asarray(self.rho, dtype=np.float64) @ phi

    def values(self) -> dict[str, float]:
        """The true value of every checked parameter, by brms variable name.

        ``cor_`` entries follow brms's order: the upper triangle of P column by column,
        (1,2), (1,3), (2,3), (1,4), ...
        """
        out = {f"b_{name}": float(v) for name, v in self.gamma.items()}
        out.update({f"sd_{GROUP}__{c}": float(s) for c, s in zip(VARYING, self.phi, strict=True)})
        for j in range(1, len(VARYING)):
            for i in range(j):
                out[f"cor_{GROUP}__{VARYING[i]}__{VARYING[j]}"] = float(self.rho[i][j])
        out["sigma"] = float(self.sigma)
        return out


# Scores on a STAR-like scale (sigma = 12 points). The slope sds are large against the noise
# of a class's own slope estimate (sigma / sqrt(students * var(x)); 12 / sqrt(2.5) = 7.6 for
# female) so that 300 classes of 10 identify them: with sigma = 20 the female and black slopes
# are barely identified per class and NUTS mixes slowly in brms's non-centred parameterization
# (bulk ESS ~100 of 1000 draws, Rhat up to 1.06 with 2 chains).
SEED_TRUTH = Truth(
    gamma={
        "Intercept": 540.0,
        "age": -5.0,
        "size": -4.0,
        "exp": 2.0,
        "female": 10.0,
        "black": -24.0,
        "tblack": -8.0,
        "propblack": -26.0,
        "age:size": 1.5,
        "black:tblack": 14.0,
        "black:propblack": 4.0,
    },
    phi=(20.0, 8.0, 12.0, 14.0),
    rho=(
        (1.0, -0.3, 0.2, -0.4),
        (-0.3, 1.0, 0.1, 0.2),
        (0.2, 0.1, 1.0, -0.1),
        (-0.4, 0.2, -0.1, 1.0),
    ),
    sigma=12.0,
)


def simulate_etas(truth: Truth, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` class-effect vectors ``eta ~ MVN(0, Phi P Phi)``; shape ``(n, 4)``."""
    return rng.multivariate_normal(np.zeros(len(VARYING)), truth.cov(), size=n, method="cholesky")


def simulate(
    truth: Truth, n_classes: int, n_students: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """Simulate one data set from the seed's two-level model.

    Parameters
    ----------
    truth
        The model's parameters.
    n_classes, n_students
        Number of classes and students per class.
    rng
        Random generator.

    Returns
    -------
    tuple of pandas.DataFrame and numpy.ndarray
        The data (columns as ``star1.csv``: score, age, female, black, class, exp, tblack, size,
        propblack; class labels ``c001``, ...) and the class effects ``eta`` (class, VARYING).
    """
    cls = np.repeat(np.arange(n_classes), n_students)
    n = cls.size
    share = rng.uniform(0.1, 0.9, n_classes)
    klass = {
        "size": rng.normal(size=n_classes),
        "exp": rng.normal(size=n_classes),
        "tblack": rng.binomial(1, 0.35, n_classes).astype(np.float64),
        "propblack": share - 0.5,
    }
    width = len(str(n_classes))
    data = pd.DataFrame(
        {
            "age": rng.normal(size=n),
            "female": rng.binomial(1, 0.5, n).astype(np.float64),
            "black": rng.binomial(1, share[cls]).astype(np.float64),
            "class": [f"c{k + 1:0{width}d}" for k in cls],
            **{name: col[cls] for name, col in klass.items()},
        }
    )
    mu = np.zeros(n)
    for name, value in truth.gamma.items():
        parts = [] if name == "Intercept" else name.split(":")
        mu += value * np.prod([data[p].to_numpy() for p in parts], axis=0, initial=1.0)
    eta = simulate_etas(truth, n_classes, rng)
    z = np.column_stack([np.ones(n), *(data[c].to_numpy() for c in VARYING[1:])])
    mu += np.sum(z * eta[cls], axis=1)
    data.insert(0, "score", mu + truth.sigma * rng.normal(size=n))
    return data, eta


def covered(summary: pd.DataFrame, truth: Mapping[str, float]) -> pd.Series:
    """Whether each true value lies in its interval.

    ``summary`` is ``fit.posterior_summary(probs=(lo, hi))``: columns Estimate, Est.Error and
    the lower and upper quantiles, one row per variable.
    """
    names = list(truth)
    lower = summary.loc[names].iloc[:, 2].to_numpy()
    upper = summary.loc[names].iloc[:, 3].to_numpy()
    value = np.array([truth[n] for n in names])
    return pd.Series((lower <= value) & (value <= upper), index=names, name="covered")


def binomial_band(n: int, p: float = 0.9, level: float = 0.99) -> tuple[int, int]:
    """Central band ``[lo, hi]`` holding a Binomial(n, p) count with probability >= ``level``."""
    tail = (1.0 - level) / 2.0
    return int(stats.binom.ppf(tail, n, p)), int(stats.binom.ppf(1.0 - tail, n, p))


@dataclass(frozen=True)
class Replication:
    """The outcome of one simulated data set and its fit."""

    covered: pd.Series
    seconds: float
    max_rhat: float
    min_ess_bulk: float
    divergences: int
    warnings: tuple[str, ...]


def fit_replication(
    data: pd.DataFrame, truth: Truth, *, chains: int, iter: int, seed: int, prob: float = 0.9
) -> Replication:
    """Fit one data set with ``brmsjax.brm`` and check its ``prob`` intervals against the truth."""
    import brmsjax as bj
    from brmsjax.backend.infer.diagnostics import SamplerWarning, ess_bulk, rhat

    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SamplerWarning)
        fit = bj.brm(FORMULA, data, chains=chains, iter=iter, seed=seed, progress=False)
    seconds = time.perf_counter() - start
    values = truth.values()
    names = list(values)
    summary = fit.posterior_summary(probs=((1.0 - prob) / 2.0, (1.0 + prob) / 2.0))
    draws = fit.draws()[names].to_numpy(dtype=np.float64).reshape(fit.nchains, -1, len(names))
    stats_ = fit.sampler_stats
    div = 0 if stats_ is None else int(stats_["divergent__"].to_numpy().sum())
    return Replication(
        covered=covered(summary, values),
        seconds=seconds,
        max_rhat=float(np.nanmax(rhat(draws))),
        min_ess_bulk=float(np.nanmin(ess_bulk(draws))),
        divergences=div,
        warnings=tuple(str(w.message) for w in caught if issubclass(w.category, SamplerWarning)),
    )


def run_check(
    reps: int,
    n_classes: int,
    n_students: int,
    *,
    chains: int,
    iter: int,
    seed: int,
    prob: float = 0.9,
    truth: Truth = SEED_TRUTH,
    log: Callable[[int, Replication], None] | None = None,
) -> list[Replication]:
    """Simulate and fit ``reps`` replications; replication r uses data seed ``(seed, r)``."""
    out = []
    for r in range(reps):
        data, _ = simulate(truth, n_classes, n_students, np.random.default_rng([seed, r]))
        rep = fit_replication(data, truth, chains=chains, iter=iter, seed=seed + r, prob=prob)
        if log is not None:
            log(r, rep)
        out.append(rep)
    return out


def per_parameter(
    reps: Sequence[Replication], truth: Truth, prob: float = 0.9, level: float = 0.99
) -> pd.DataFrame:
    """Coverage per parameter: truth, covered count, rate and the binomial band."""
    hits = pd.concat([r.covered for r in reps], axis=1).sum(axis=1).astype(int)
    lo, hi = binomial_band(len(reps), prob, level)
    table = pd.DataFrame({"truth": pd.Series(truth.values()), "covered": hits})
    table["rate"] = table["covered"] / len(reps)
    table["in_band"] = (lo <= table["covered"]) & (table["covered"] <= hi)
    return table


def pooled(reps: Sequence[Replication]) -> tuple[int, int]:
    """Covered intervals and intervals checked, over all replications and parameters."""
    return sum(int(r.covered.sum()) for r in reps), sum(r.covered.size for r in reps)


def markdown(reps: Sequence[Replication], truth: Truth, args: argparse.Namespace) -> str:
    """Markdown rows for RESULTS.md: one summary row, then the per-parameter table."""
    hit, n = pooled(reps)
    lo, hi = binomial_band(n, args.prob, args.level)
    table = per_parameter(reps, truth, args.prob, args.level)
    plo, phi = binomial_band(len(reps), args.prob, args.level)
    secs = [r.seconds for r in reps]
    machine = f"{platform.node()} ({platform.processor() or 'cpu'}, {os.cpu_count()} cores)"
    rest = statistics.median(secs[1:]) if len(secs) > 1 else secs[0]
    lines = [
        "| date | machine | reps x classes x students | chains x iter | pooled coverage "
        f"({args.level:.0%} band) | params out of band | s/fit first, median | max Rhat "
        "| min bulk ESS | divergences |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {time.strftime('%Y-%m-%d')} | {machine} | {len(reps)} x {args.classes} x "
        f"{args.students} | {args.chains} x {args.iter} | {hit}/{n} = {hit / n:.3f} "
        f"([{lo}, {hi}] = [{lo / n:.3f}, {hi / n:.3f}]) | {int((~table['in_band']).sum())} "
        f"of {len(table)} (band [{plo}, {phi}] of {len(reps)}) | {secs[0]:.1f}, {rest:.1f} | "
        f"{max(r.max_rhat for r in reps):.3f} | {min(r.min_ess_bulk for r in reps):.0f} | "
        f"{sum(r.divergences for r in reps)} |",
        "",
        "| parameter | truth | covered | rate |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{name}` | {row.truth:g} | {row.covered}/{len(reps)} | {row.rate:.2f}"
        f"{'' if row.in_band else ' (out of band)'} |"
        for name, row in table.iterrows()
    ]
    return "\n".join(lines)


def main() -> None:
    """Run the check and print progress, then markdown rows for RESULTS.md."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--classes", type=int, default=300)
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--iter", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--prob", type=float, default=0.9, help="interval mass")
    parser.add_argument("--level", type=float, default=0.99, help="binomial band mass")
    args = parser.parse_args()

    def log(r: int, rep: Replication) -> None:
        print(
            f"rep {r + 1:2d}: {int(rep.covered.sum())}/{rep.covered.size} covered, "
            f"{rep.seconds:.1f} s, max Rhat {rep.max_rhat:.3f}, min bulk ESS "
            f"{rep.min_ess_bulk:.0f}, {rep.divergences} divergent",
            flush=True,
        )

    reps = run_check(
        args.reps,
        args.classes,
        args.students,
        chains=args.chains,
        iter=args.iter,
        seed=args.seed,
        prob=args.prob,
        log=log,
    )
    print()
    print(markdown(reps, SEED_TRUTH, args))


if __name__ == "__main__":
    main()
