"""Simulated-truth recovery for every brmsjax family: do 90% intervals cover the truth?

For each family, data come from ``y ~ x + (1 | g)`` (400 rows, 20 groups, ``x ~ normal(0, 1)``,
group intercepts ``normal(0, sd_g__Intercept)``) with known parameters, drawn with the family's
own ``rng`` (brms's parameterizations: negbinomial's shape, Beta's phi, skew_normal's mean,
zero-inflation zi, hurdle hu, ``P(y <= k) = F(thres_k - mu)`` for cumulative, the mean
parameterizations of Gamma and weibull). The categorical family uses ``y ~ x`` with three
categories; multinomial, dirichlet and logistic_normal ``cbind(y1, y2, y3) ~ x`` (with
``trials(n)``; logistic_normal's sds ``sigmay2``, ``sigmay3`` and correlation
``lncor__y2__y3`` of the log ratios are checked too); wiener ``y | dec(d) ~ x + (1 | g)``. Each
data set is fitted with ``brmsjax.brm`` under brms's default priors, and the 90% central
intervals of the population-level coefficients, the scalar family parameters and
``sd_g__Intercept`` are checked against the truth. The pooled count of covered intervals is
compared with a two-sided binomial band around 90%. Run:

    python benchmarks/family_recovery.py [--reps 2] [--chains 2] [--iter 1000] [--seed 2026]
                                         [--families gaussian,poisson]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

GROUP = "g"
SD = f"sd_{GROUP}__Intercept"
CATEGORIES = ("a", "b", "c")
#: Families whose response is a matrix of categories (``cbind(y1, y2, y3)``), and its columns.
MATRIX_FAMILIES = ("multinomial", "dirichlet", "logistic_normal")
MATRIX_COLUMNS = ("y1", "y2", "y3")


@dataclass(frozen=True)
class Case:
    """One family's simulation: its constructor, formula and true parameters.

    Parameters
    ----------
    family
        Name of the brmsjax family constructor (``"zero_inflated_poisson"``).
    truth
        True value of every checked parameter by brms variable name (``b_Intercept``, ``b_x``,
        ``sd_g__Intercept``, ``shape``, ...; ``b_Intercept[k]`` for cumulative thresholds,
        ``b_mu<cat>_<coef>`` for categorical).
    trials
        Range ``(lo, hi)`` of the number of trials (drawn uniformly, inclusive) for
        binomial-type families, else None.
    """

    family: str
    truth: Mapping[str, float]
    trials: tuple[int, int] | None = None

    @property
    def formula(self) -> str:
        """The brms formula of the fit."""
        lhs = "y | trials(n)" if self.trials is not None else "y"
        if self.family == "wiener":  # response times of the decisions d (1 upper, 0 lower)
            lhs = "y | dec(d)"
        if self.family in MATRIX_FAMILIES:  # one column per category: y1, y2, y3
            lhs = lhs.replace("y", f"cbind({', '.join(MATRIX_COLUMNS)})", 1)
        cats = self.family == "categorical" or self.family in MATRIX_FAMILIES
        rhs = "x" if cats else f"x + (1 | {GROUP})"
        return f"{lhs} ~ {rhs}"

    def make_family(self) -> Any:
        """A fresh family object with brms's default links."""
        import brmsjax as bj

        constructor: Callable[[], Any] = getattr(bj, self.family)
        return constructor()


def _lin(
    b0: float, b1: float, sd: float, hu: float | None = None, **dpars: float
) -> dict[str, float]:
    out = {"b_Intercept": b0, "b_x": b1, SD: sd, **dpars}
    if hu is not None:
        out["hu"] = hu
    return out


# True values sit well inside the mass of brms's default priors (student_t(3, ., 2.5) on
# intercepts and sds, gamma(2, 0.1) on nu, normal(0, 4) on alpha, gamma(0.01, 0.01) on
# shape and phi, beta(1, 1) on zi and hu) and are identified by 400 rows: nu = 6 rather than
# heavier or lighter tails, alpha = 3 for a visible skew.
CASES: tuple[Case, ...] = (
    Case("gaussian", _lin(1.0, 0.5, 0.5, sigma=1.0)),
    Case("student", _lin(1.0, 0.5, 0.5, sigma=1.0, nu=6.0)),
    Case("skew_normal", _lin(1.0, 0.5, 0.5, sigma=1.0, alpha=3.0)),
    Case("bernoulli", _lin(0.3, 0.8, 0.6)),
    Case("binomial", _lin(-0.5, 0.6, 0.5), trials=(5, 15)),
    Case("beta_binomial", _lin(-0.5, 0.6, 0.5, phi=5.0), trials=(5, 15)),
    Case("poisson", _lin(1.0, 0.4, 0.4)),
    Case("negbinomial", _lin(1.0, 0.4, 0.4, shape=3.0)),
    Case("geometric", _lin(1.0, 0.4, 0.4)),
    Case("Gamma", _lin(1.0, 0.4, 0.4, shape=4.0)),
    Case("lognormal", _lin(1.0, 0.4, 0.4, sigma=0.6)),
    Case("exponential", _lin(0.5, 0.4, 0.4)),
    Case("weibull", _lin(1.0, 0.4, 0.4, shape=2.0)),
    Case("Beta", _lin(0.3, 0.5, 0.4, phi=10.0)),
    Case(
        "cumulative",
        {"b_Intercept[1]": -1.0, "b_Intercept[2]": 0.0, "b_Intercept[3]": 1.2, "b_x": 0.7, SD: 0.5},
    ),
    Case(
        "categorical",
        {"b_mub_Intercept": 0.5, "b_muc_Intercept": -0.3, "b_mub_x": -0.6, "b_muc_x": 0.8},
    ),
    Case("zero_inflated_poisson", _lin(1.0, 0.4, 0.4, zi=0.3)),
    Case("zero_inflated_negbinomial", _lin(1.0, 0.4, 0.4, shape=3.0, zi=0.25)),
    Case("zero_inflated_binomial", _lin(-0.5, 0.6, 0.5, zi=0.2), trials=(5, 15)),
    Case("hurdle_poisson", _lin(1.0, 0.4, 0.4, hu=0.3)),
    Case("hurdle_negbinomial", _lin(1.0, 0.4, 0.4, shape=3.0, hu=0.3)),
    Case("hurdle_lognormal", _lin(1.0, 0.4, 0.4, sigma=0.6, hu=0.25)),
    Case("hurdle_gamma", _lin(1.0, 0.4, 0.4, shape=3.0, hu=0.25)),
    # brms 2.18's further families (ndt: below min(y), prior uniform(0, min_Y); quantile, zi,
    # zoi, coi: beta(1, 1))
    Case("shifted_lognormal", _lin(1.0, 0.4, 0.4, sigma=0.6, ndt=0.5)),
    Case("asym_laplace", _lin(1.0, 0.5, 0.5, sigma=1.0, quantile=0.3)),
    Case("zero_inflated_beta", _lin(0.3, 0.5, 0.4, phi=10.0, zi=0.2)),
    Case("zero_one_inflated_beta", _lin(0.3, 0.5, 0.4, phi=10.0, zoi=0.2, coi=0.4)),
    # xi: brms's tmp_xi (normal(0, 2.5)) scaled into the bounds the data set
    Case("gen_extreme_value", _lin(1.0, 0.5, 0.5, sigma=1.0, xi=0.2)),
    # the sequential and adjacent-category ordinal families (3 thresholds, as cumulative)
    *(
        Case(
            fam,
            {
                "b_Intercept[1]": -1.0,
                "b_Intercept[2]": 0.0,
                "b_Intercept[3]": 1.2,
                "b_x": 0.7,
                SD: 0.5,
            },
        )
        for fam in ("sratio", "cratio", "acat")
    ),
    Case("exgaussian", _lin(1.0, 0.5, 0.5, sigma=1.0, beta=1.5)),
    # drift mu; bs gamma(1, 1), ndt below min(y) (uniform(0, min_Y)), bias beta(1, 1)
    Case("wiener", _lin(0.5, 0.6, 0.4, bs=1.3, ndt=0.3, bias=0.45)),
    # tan_half link: mu = 2 atan(eta) stays within (-pi, pi)
    Case("von_mises", _lin(0.3, 0.4, 0.3, kappa=4.0)),
    Case("frechet", _lin(1.0, 0.4, 0.4, nu=4.0)),
    # link 1/mu^2: eta = 1 + 0.1 x + r stays positive (mu about 1)
    Case("inverse_gaussian", _lin(1.0, 0.1, 0.1, shape=5.0)),
    Case("zero_inflated_beta_binomial", _lin(-0.5, 0.6, 0.5, phi=5.0, zi=0.2), trials=(5, 15)),
    # cbind(y1, y2, y3) responses: counts out of trials(n), proportions with precision phi
    Case(
        "multinomial",
        {"b_muy2_Intercept": 0.5, "b_muy3_Intercept": -0.3, "b_muy2_x": -0.6, "b_muy3_x": 0.8},
        trials=(5, 15),
    ),
    Case(
        "dirichlet",
        {
            "b_muy2_Intercept": 0.5,
            "b_muy3_Intercept": -0.3,
            "b_muy2_x": -0.6,
            "b_muy3_x": 0.8,
            "phi": 10.0,
        },
    ),
    Case(
        "logistic_normal",
        {
            "b_muy2_Intercept": 0.5,
            "b_muy3_Intercept": -0.3,
            "b_muy2_x": -0.6,
            "b_muy3_x": 0.8,
            "sigmay2": 0.8,
            "sigmay3": 1.2,
            "lncor__y2__y3": 0.4,
        },
    ),
)


def simulate(case: Case, n_groups: int, n_per_group: int, seed: int) -> pd.DataFrame:
    """Simulate one data set for ``case`` with the family's ``rng``.

    Parameters
    ----------
    case
        The family and its truth.
    n_groups, n_per_group
        Number of groups and rows per group.
    seed
        Seed of both the numpy generator (covariates, group effects, trials) and the JAX key
        of the response draws.

    Returns
    -------
    pandas.DataFrame
        Columns ``y``, ``x``, ``g`` (labels ``g01``, ...) and ``n`` (trials) where the family
        needs them (multinomial and dirichlet: ``y1``, ``y2``, ``y3`` instead of ``y``, counts
        or proportions). A categorical response is a pandas Categorical with levels
        :data:`CATEGORIES`; a cumulative response holds codes ``1..K``.
    """
    import jax
    import jax.numpy as jnp

    family = case.make_family()
    truth = case.truth
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(n_groups), n_per_group)
    n = group.size
    x = rng.normal(size=n)
    width = len(str(n_groups))
    data = pd.DataFrame({"x": x, GROUP: [f"g{k + 1:0{width}d}" for k in group]})
    dpars: dict[str, Any] = {}
    addition: dict[str, Any] = {}
    if family.kind == "categorical":
        labels = MATRIX_COLUMNS if case.family in MATRIX_FAMILIES else CATEGORIES
        eta = np.column_stack(
            [np.zeros(n)]
            + [truth[f"b_mu{c}_Intercept"] + truth[f"b_mu{c}_x"] * x for c in labels[1:]]
        )
        if case.family == "logistic_normal":  # sigmay2, sigmay3 and their Llncor
            family = family.with_categories(MATRIX_COLUMNS)
            r = truth["lncor__y2__y3"]
            dpars["Llncor"] = jnp.asarray(np.linalg.cholesky(np.array([[1.0, r], [r, 1.0]])))
        dpars.update({d: jnp.asarray(truth[d]) for d in family.dpars if d in truth})
    else:
        effect = rng.normal(0.0, truth[SD], n_groups)[group]
        eta = truth.get("b_Intercept", 0.0) + truth["b_x"] * x + effect
        if family.kind == "ordinal":
            k = sum(name.startswith("b_Intercept[") for name in truth)
            dpars["thres"] = jnp.asarray([truth[f"b_Intercept[{i + 1}]"] for i in range(k)])
        dpars.update({d: jnp.asarray(truth[d]) for d in family.dpars if d in truth})
    if case.trials is not None:
        trials = rng.integers(case.trials[0], case.trials[1] + 1, n).astype(np.float64)
        addition["trials"] = jnp.asarray(trials)
        data["n"] = trials.astype(np.int64)
    key = jax.random.key(int(rng.integers(2**31)))
    y = np.asarray(family.rng(key, jnp.asarray(eta), dpars, addition), dtype=np.float64)
    if family.name == "wiener":  # the times and their decisions, drawn together
        from brmsjax.backend.families.diffusion.wiener_rng import wiener_draws

        args = (dpars["bs"], dpars["ndt"], dpars["bias"], jnp.asarray(eta))
        times, decisions = (np.asarray(a, dtype=np.float64) for a in wiener_draws(key, *args))
        y, data["d"] = times, decisions.astype(np.int64)
    if case.family in MATRIX_FAMILIES:  # columns y1, y2, y3 first
        y = y.astype(np.int64) if family.name == "multinomial" else y
        for k, column in reversed(list(enumerate(MATRIX_COLUMNS))):
            data.insert(0, column, y[:, k])
    elif family.kind == "categorical":
        codes = pd.Categorical.from_codes(y.astype(np.int64) - 1, pd.Index(CATEGORIES))
        data.insert(0, "y", pd.Series(codes, index=data.index))
    elif family.discrete:
        data.insert(0, "y", y.astype(np.int64))
    else:
        data.insert(0, "y", y)
    return data


def covered(summary: pd.DataFrame, truth: Mapping[str, float]) -> pd.DataFrame:
    """The truth, its interval and whether it is covered, one row per checked parameter.

    ``summary`` is ``fit.posterior_summary(probs=(lo, hi))``: columns Estimate, Est.Error and
    the lower and upper quantiles, one row per variable.
    """
    names = list(truth)
    rows = summary.loc[names]
    out = pd.DataFrame(
        {
            "truth": [float(truth[n]) for n in names],
            "lower": rows.iloc[:, 2].to_numpy(dtype=np.float64),
            "upper": rows.iloc[:, 3].to_numpy(dtype=np.float64),
        },
        index=names,
    )
    out["covered"] = (out["lower"] <= out["truth"]) & (out["truth"] <= out["upper"])
    return out


def binomial_band(n: int, p: float = 0.9, level: float = 0.99) -> tuple[int, int]:
    """Central band ``[lo, hi]`` holding a Binomial(n, p) count with probability >= ``level``."""
    tail = (1.0 - level) / 2.0
    return int(stats.binom.ppf(tail, n, p)), int(stats.binom.ppf(1.0 - tail, n, p))


@dataclass(frozen=True)
class Recovery:
    """The outcome of one family's simulated data set and its fit."""

    family: str
    rep: int
    intervals: pd.DataFrame
    seconds: float
    max_rhat: float
    min_ess_bulk: float
    divergences: int
    warnings: tuple[str, ...] = field(default=())

    @property
    def hits(self) -> int:
        """Covered intervals."""
        return int(self.intervals["covered"].sum())

    @property
    def misses(self) -> list[str]:
        """Parameters whose interval misses the truth."""
        return [str(n) for n in self.intervals.index[~self.intervals["covered"]]]


def fit_case(
    case: Case,
    data: pd.DataFrame,
    *,
    rep: int,
    chains: int,
    iter: int,
    seed: int,
    prob: float = 0.9,
) -> Recovery:
    """Fit ``data`` with ``brmsjax.brm`` and check ``case``'s ``prob`` intervals."""
    import brmsjax as bj
    from brmsjax.backend.infer.diagnostics import SamplerWarning, ess_bulk, rhat

    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SamplerWarning)
        fit = bj.brm(
            case.formula,
            data,
            family=case.make_family(),
            chains=chains,
            iter=iter,
            seed=seed,
            progress=False,
        )
    seconds = time.perf_counter() - start
    names = list(case.truth)
    summary = fit.posterior_summary(probs=((1.0 - prob) / 2.0, (1.0 + prob) / 2.0))
    draws = fit.draws()[names].to_numpy(dtype=np.float64).reshape(fit.nchains, -1, len(names))
    stats_ = fit.sampler_stats
    div = 0 if stats_ is None else int(stats_["divergent__"].to_numpy().sum())
    return Recovery(
        family=case.family,
        rep=rep,
        intervals=covered(summary, case.truth),
        seconds=seconds,
        max_rhat=float(np.nanmax(rhat(draws))),
        min_ess_bulk=float(np.nanmin(ess_bulk(draws))),
        divergences=div,
        warnings=tuple(str(w.message) for w in caught if issubclass(w.category, SamplerWarning)),
    )


def run_check(
    cases: Sequence[Case] = CASES,
    *,
    reps: int = 2,
    n_groups: int = 20,
    n_per_group: int = 20,
    chains: int = 2,
    iter: int = 1000,
    seed: int = 2026,
    prob: float = 0.9,
    log: Callable[[Recovery], None] | None = None,
) -> list[Recovery]:
    """Simulate and fit every case ``reps`` times.

    Replication r of the i-th case uses data seed ``seed + 1000 r + i`` and the same seed for
    the sampler.
    """
    out = []
    for r in range(reps):
        for i, case in enumerate(cases):
            s = seed + 1000 * r + i
            data = simulate(case, n_groups, n_per_group, s)
            rec = fit_case(case, data, rep=r, chains=chains, iter=iter, seed=s, prob=prob)
            if log is not None:
                log(rec)
            out.append(rec)
    return out


def pooled(recs: Sequence[Recovery]) -> tuple[int, int]:
    """Covered intervals and intervals checked, over all fits and parameters."""
    return sum(r.hits for r in recs), sum(len(r.intervals) for r in recs)


def log_line(rec: Recovery) -> str:
    """One progress line for a fit."""
    miss = ", ".join(rec.misses) or "-"
    return (
        f"{rec.family:>26s} rep {rec.rep + 1}: {rec.hits}/{len(rec.intervals)} covered "
        f"(missed: {miss}), {rec.seconds:.1f} s, max Rhat {rec.max_rhat:.3f}, min bulk "
        f"ESS {rec.min_ess_bulk:.0f}, {rec.divergences} divergent, "
        f"{len(rec.warnings)} sampler warnings"
    )


def markdown(
    recs: Sequence[Recovery], *, chains: int, iter: int, prob: float = 0.9, level: float = 0.99
) -> str:
    """Markdown rows for RESULTS.md: one summary row, then one row per family."""
    hit, n = pooled(recs)
    lo, hi = binomial_band(n, prob, level)
    reps = len({r.rep for r in recs})
    families = list(dict.fromkeys(r.family for r in recs))
    machine = f"{platform.node()} ({platform.processor() or 'cpu'}, {os.cpu_count()} cores)"
    lines = [
        "| date | machine | families x reps | rows x groups | chains x iter | pooled coverage "
        f"({level:.0%} band) | total s | max Rhat | min bulk ESS | divergences |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {time.strftime('%Y-%m-%d')} | {machine} | {len(families)} x {reps} | 400 x 20 | "
        f"{chains} x {iter} | {hit}/{n} = {hit / n:.3f} ([{lo}, {hi}] = [{lo / n:.3f}, "
        f"{hi / n:.3f}]) | {sum(r.seconds for r in recs):.0f} | "
        f"{max(r.max_rhat for r in recs):.3f} | {min(r.min_ess_bulk for r in recs):.0f} | "
        f"{sum(r.divergences for r in recs)} |",
        "",
        "| family | truth | covered | missed | s per fit | max Rhat | min bulk ESS | divergences |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in families:
        mine = [r for r in recs if r.family == name]
        truth = ", ".join(f"{k} = {v:g}" for k, v in mine[0].intervals["truth"].items())
        missed = (
            "; ".join(f"{', '.join(r.misses)} (rep {r.rep + 1})" for r in mine if r.misses) or "-"
        )
        secs = ", ".join(f"{r.seconds:.0f}" for r in mine)
        lines.append(
            f"| {name} | {truth} | {sum(r.hits for r in mine)}/"
            f"{sum(len(r.intervals) for r in mine)} | {missed} | {secs} | "
            f"{max(r.max_rhat for r in mine):.3f} | {min(r.min_ess_bulk for r in mine):.0f} | "
            f"{sum(r.divergences for r in mine)} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the check and print progress, then markdown rows for RESULTS.md."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--iter", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--families", default="", help="comma-separated subset (default all)")
    parser.add_argument("--prob", type=float, default=0.9, help="interval mass")
    parser.add_argument("--level", type=float, default=0.99, help="binomial band mass")
    args = parser.parse_args()
    wanted = {f.strip() for f in args.families.split(",") if f.strip()}
    cases = [c for c in CASES if not wanted or c.family in wanted]
    recs = run_check(
        cases,
        reps=args.reps,
        chains=args.chains,
        iter=args.iter,
        seed=args.seed,
        prob=args.prob,
        log=lambda rec: print(log_line(rec), flush=True),
    )
    print()
    print(markdown(recs, chains=args.chains, iter=args.iter, prob=args.prob, level=args.level))


if __name__ == "__main__":
    main()
