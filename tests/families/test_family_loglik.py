"""Every family's log likelihood against scipy.stats, with brms 2.18's parameterizations.

Each case draws a response from the scipy distribution that brms's Stan code implies for the
family (``make_stancode`` output quoted in the backend modules) and compares the pointwise log
likelihood, including censoring, truncation, ``se()`` and ``rate()``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import jax
import numpy as np
import pytest
from scipy import special, stats

from brmsjax.backend.families import registry as fam
from brmsjax.backend.families.base import Family
from brmsjax.backend.families.likelihood import pointwise_log_lik
from brmsjax.formula.errors import ModelError

N = 12
RNG = np.random.default_rng(20261126)
SE = RNG.uniform(0.2, 1.0, N)
NT = RNG.integers(5, 30, N)
TRIALS = NT.astype(float)
DENOM = RNG.uniform(0.5, 3.0, N)
INV = {
    "identity": lambda x: x,
    "log": np.exp,
    "inverse": lambda x: 1 / x,
    "sqrt": np.square,
    "logit": special.expit,
    "probit": stats.norm.cdf,
    "cloglog": lambda x: -np.expm1(-np.exp(x)),
    "cauchit": stats.cauchy.cdf,
    "softplus": lambda x: np.logaddexp(x, 0.0),
    "probit_approx": lambda x: special.expit(0.07056 * x**3 + 1.5976 * x),
}


@pytest.fixture(autouse=True)
def _x64() -> Iterator[None]:
    with jax.enable_x64(True):
        yield


@dataclass(frozen=True)
class Case:
    """A family, its linear predictor's centre, dpars, addition terms and scipy reference.

    ``dist(mu, dpars, addition)`` returns the frozen scipy distribution of every row.
    """

    family: Family
    center: float
    dpars: dict[str, Any]
    dist: Callable[[np.ndarray, dict[str, Any], dict[str, Any]], Any]
    addition: dict[str, np.ndarray] = field(default_factory=dict)
    spread: float = 0.3


def _sn(mu: np.ndarray, d: dict[str, Any], a: dict[str, Any]) -> Any:
    delta = d["alpha"] / np.sqrt(1 + d["alpha"] ** 2)
    sigma = np.sqrt(d["sigma"] ** 2 + a.get("se", 0.0) ** 2)
    omega = sigma / np.sqrt(1 - 2 / np.pi * delta**2)
    return stats.skewnorm(d["alpha"], mu - omega * delta * np.sqrt(2 / np.pi), omega)


def _nb(mu: np.ndarray, phi: Any) -> Any:
    return stats.nbinom(phi, phi / (mu + phi))


CASES: dict[str, Case] = {
    "gaussian": Case(
        fam.gaussian(), 1.0, {"sigma": 1.3}, lambda m, d, a: stats.norm(m, d["sigma"])
    ),
    "gaussian-log": Case(
        fam.gaussian("log"), 0.5, {"sigma": 0.7}, lambda m, d, a: stats.norm(m, d["sigma"])
    ),
    "gaussian-se": Case(
        fam.gaussian(),
        0.0,
        {"sigma": 0.8},
        lambda m, d, a: stats.norm(m, np.sqrt(0.64 + a["se"] ** 2)),
        {"se": SE},
    ),
    "gaussian-se-only": Case(
        fam.gaussian(), 0.0, {"sigma": 0.0}, lambda m, d, a: stats.norm(m, a["se"]), {"se": SE}
    ),
    "student": Case(
        fam.student(),
        2.0,
        {"sigma": 1.5, "nu": 4.5},
        lambda m, d, a: stats.t(d["nu"], m, d["sigma"]),
    ),
    "student-se": Case(
        fam.student(),
        0.0,
        {"sigma": 0.5, "nu": 3.0},
        lambda m, d, a: stats.t(3.0, m, np.sqrt(0.25 + a["se"] ** 2)),
        {"se": SE},
    ),
    "skew_normal": Case(fam.skew_normal(), 1.0, {"sigma": 1.2, "alpha": 3.0}, _sn),
    "skew_normal-neg": Case(fam.skew_normal(), -1.0, {"sigma": 0.6, "alpha": -1.5}, _sn),
    "skew_normal-se": Case(fam.skew_normal(), 0.0, {"sigma": 0.6, "alpha": 2.0}, _sn, {"se": SE}),
    "bernoulli-logit": Case(fam.bernoulli(), 0.2, {}, lambda m, d, a: stats.bernoulli(m), {}, 1.5),
    "bernoulli-probit": Case(fam.bernoulli("probit"), 0.0, {}, lambda m, d, a: stats.bernoulli(m)),
    "bernoulli-cloglog": Case(
        fam.bernoulli("cloglog"), -0.3, {}, lambda m, d, a: stats.bernoulli(m)
    ),
    "bernoulli-cauchit": Case(
        fam.bernoulli("cauchit"), 0.3, {}, lambda m, d, a: stats.bernoulli(m)
    ),
    "binomial-logit": Case(
        fam.binomial(), -0.5, {}, lambda m, d, a: stats.binom(NT, m), {"trials": TRIALS}, 1.0
    ),
    "binomial-probit": Case(
        fam.binomial("probit"), 0.3, {}, lambda m, d, a: stats.binom(NT, m), {"trials": TRIALS}
    ),
    "beta_binomial": Case(
        fam.beta_binomial(),
        0.4,
        {"phi": 6.0},
        lambda m, d, a: stats.betabinom(NT, m * 6.0, (1 - m) * 6.0),
        {"trials": TRIALS},
    ),
    "poisson-log": Case(fam.poisson(), 1.5, {}, lambda m, d, a: stats.poisson(m), {}, 0.8),
    "poisson-sqrt": Case(fam.poisson("sqrt"), 2.0, {}, lambda m, d, a: stats.poisson(m)),
    "poisson-identity": Case(fam.poisson("identity"), 4.0, {}, lambda m, d, a: stats.poisson(m)),
    "poisson-rate": Case(
        fam.poisson(), 1.0, {}, lambda m, d, a: stats.poisson(m * a["denom"]), {"denom": DENOM}
    ),
    "negbinomial": Case(fam.negbinomial(), 2.0, {"shape": 2.5}, lambda m, d, a: _nb(m, d["shape"])),
    "negbinomial-rate": Case(
        fam.negbinomial(),
        1.0,
        {"shape": 1.7},
        lambda m, d, a: _nb(m * a["denom"], 1.7 * a["denom"]),
        {"denom": DENOM},
    ),
    "negbinomial-identity": Case(
        fam.negbinomial("identity"), 5.0, {"shape": 3.0}, lambda m, d, a: _nb(m, 3.0)
    ),
    "geometric": Case(fam.geometric(), 1.0, {}, lambda m, d, a: _nb(m, 1.0)),
    "geometric-rate": Case(
        fam.geometric(), 0.5, {}, lambda m, d, a: _nb(m * a["denom"], a["denom"]), {"denom": DENOM}
    ),
    "gamma": Case(
        fam.Gamma(), 1.0, {"shape": 3.0}, lambda m, d, a: stats.gamma(3.0, scale=m / 3.0)
    ),
    "gamma-inverse": Case(
        fam.Gamma("inverse"),
        0.5,
        {"shape": 1.5},
        lambda m, d, a: stats.gamma(1.5, scale=m / 1.5),
        {},
        0.1,
    ),
    "lognormal": Case(
        fam.lognormal(), 0.5, {"sigma": 0.6}, lambda m, d, a: stats.lognorm(0.6, scale=np.exp(m))
    ),
    "exponential": Case(fam.exponential(), 0.7, {}, lambda m, d, a: stats.expon(scale=m)),
    "weibull": Case(
        fam.weibull(),
        1.0,
        {"shape": 2.2},
        lambda m, d, a: stats.weibull_min(2.2, scale=m / special.gamma(1 + 1 / 2.2)),
    ),
    "beta": Case(fam.Beta(), 0.3, {"phi": 8.0}, lambda m, d, a: stats.beta(m * 8.0, (1 - m) * 8.0)),
    "beta-probit": Case(
        fam.Beta("probit"), -0.2, {"phi": 3.0}, lambda m, d, a: stats.beta(m * 3.0, (1 - m) * 3.0)
    ),
}


def _draw(case: Case) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    eta = case.center + case.spread * RNG.standard_normal(N)
    mu = INV[case.family.link](eta)
    dist = case.dist(mu, case.dpars, case.addition)
    y = np.asarray(dist.rvs(random_state=RNG), dtype=float)
    return eta, mu, y


def _logp(dist: Any, y: np.ndarray) -> np.ndarray:
    return dist.logpmf(y) if hasattr(dist, "logpmf") else dist.logpdf(y)


@pytest.mark.parametrize("name", sorted(CASES))
def test_log_lik_matches_scipy(name: str) -> None:
    # Two draws of eta at once, (2, N), as the prediction methods pass them.
    case = CASES[name]
    eta, mu, y = _draw(case)
    etas = np.stack([eta, eta + 0.05])
    got = np.asarray(pointwise_log_lik(case.family, y, etas, case.dpars, case.addition))
    assert got.shape == (2, N)
    for row, e in zip(got, etas, strict=True):
        want = _logp(case.dist(INV[case.family.link](e), case.dpars, case.addition), y)
        np.testing.assert_allclose(row, want, rtol=1e-8, atol=1e-8)


CENSORABLE = [
    "gaussian",
    "gaussian-se",
    "student",
    "skew_normal",
    "skew_normal-neg",
    "binomial-logit",
    "poisson-log",
    "poisson-rate",
    "negbinomial",
    "negbinomial-rate",
    "geometric",
    "gamma",
    "lognormal",
    "exponential",
    "weibull",
    "beta",
]


@pytest.mark.parametrize("name", CENSORABLE)
def test_censoring_matches_scipy(name: str) -> None:
    case = CASES[name]
    eta, mu, y = _draw(case)
    dist = case.dist(mu, case.dpars, case.addition)
    cens = np.resize(np.array([0, 1, -1, 2]), N)
    step = 1.0 if case.family.discrete else 0.5 * float(np.std(y) + 0.1)
    rcens = np.where(cens == 2, y + step * (1 + np.arange(N) % 3), 0.0)
    if name.startswith("beta"):
        rcens = np.where(cens == 2, (y + 1.0) / 2.0, 0.0)
    addition = {**case.addition, "cens": cens, "rcens": rcens}
    got = np.asarray(pointwise_log_lik(case.family, y, eta, case.dpars, addition))
    interval = np.log(np.where(cens == 2, dist.cdf(rcens) - dist.cdf(y), 1.0))
    want = np.select(
        [cens == 0, cens == 1, cens == -1],
        [_logp(dist, y), dist.logsf(y), dist.logcdf(y)],
        interval,
    )
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)


TRUNCATABLE = [
    "gaussian",
    "student",
    "poisson-log",
    "negbinomial",
    "gamma",
    "lognormal",
    "weibull",
    "binomial-logit",
    "exponential",
]


@pytest.mark.parametrize("bounds", ["lb", "ub", "both"])
@pytest.mark.parametrize("name", TRUNCATABLE)
def test_truncation_matches_scipy(name: str, bounds: str) -> None:
    case = CASES[name]
    eta, mu, y = _draw(case)
    dist = case.dist(mu, case.dpars, case.addition)
    shift = 1.0 if case.family.discrete else 0.0
    lb = np.floor(y) - 1.0 if bounds != "ub" else np.full(N, -np.inf)
    ub = np.ceil(y) + 2.0 if bounds != "lb" else np.full(N, np.inf)
    if case.family.discrete:
        lb = np.maximum(lb, 0.0)
    addition = {**case.addition, "lb": lb, "ub": ub}
    got = np.asarray(pointwise_log_lik(case.family, y, eta, case.dpars, addition))
    mass = dist.cdf(ub) - dist.cdf(lb - shift)
    np.testing.assert_allclose(got, _logp(dist, y) - np.log(mass), rtol=1e-7, atol=1e-9)


def test_poisson_truncated_at_zero_uses_lccdf_of_minus_one() -> None:
    # brms: poisson_lpmf(Y | mu) - poisson_lccdf(lb - 1 | mu) with lb = 0 subtracts nothing.
    y, eta = np.array([0.0, 2.0, 5.0]), np.array([0.1, 0.7, 1.4])
    addition = {"lb": np.zeros(3), "ub": np.full(3, np.inf)}
    got = pointwise_log_lik(fam.poisson(), y, eta, {}, addition)
    np.testing.assert_allclose(np.asarray(got), stats.poisson(np.exp(eta)).logpmf(y), rtol=1e-12)
    grad = jax.jit(jax.grad(lambda e: pointwise_log_lik(fam.poisson(), y, e, {}, addition).sum()))(
        eta
    )
    np.testing.assert_allclose(np.asarray(grad), y - np.exp(eta), rtol=1e-10)


def _zi(base: Any, zi: float, y: np.ndarray) -> np.ndarray:
    zero = np.log(zi + (1 - zi) * base.pmf(0))
    return np.where(y == 0, zero, np.log1p(-zi) + base.logpmf(y))


def _hurdle(base: Any, hu: float, y: np.ndarray, count: bool) -> np.ndarray:
    safe = np.where(y == 0, 1.0, y)
    pos = np.log1p(-hu) + _logp(base, safe) - (np.log1p(-base.pmf(0)) if count else 0.0)
    return np.where(y == 0, np.log(hu), pos)


Y_COUNT = np.array([0, 0, 1, 2, 5, 0, 3, 9, 0, 1, 4, 7], dtype=float)
Y_POS = np.where(Y_COUNT == 0, 0.0, Y_COUNT / 3.0)
ETA_INF = np.linspace(-0.5, 1.0, N)
MU = np.exp(ETA_INF)
P = special.expit(ETA_INF)

INFLATED = {
    "zero_inflated_poisson": (
        fam.zero_inflated_poisson(),
        {"zi": 0.3},
        {},
        Y_COUNT,
        _zi(stats.poisson(MU), 0.3, Y_COUNT),
    ),
    "zero_inflated_negbinomial": (
        fam.zero_inflated_negbinomial(),
        {"zi": 0.2, "shape": 2.0},
        {},
        Y_COUNT,
        _zi(_nb(MU, 2.0), 0.2, Y_COUNT),
    ),
    "zero_inflated_binomial": (
        fam.zero_inflated_binomial(),
        {"zi": 0.4},
        {"trials": TRIALS},
        np.minimum(Y_COUNT, TRIALS),
        _zi(stats.binom(NT, P), 0.4, np.minimum(Y_COUNT, TRIALS)),
    ),
    "hurdle_poisson": (
        fam.hurdle_poisson(),
        {"hu": 0.35},
        {},
        Y_COUNT,
        _hurdle(stats.poisson(MU), 0.35, Y_COUNT, True),
    ),
    "hurdle_negbinomial": (
        fam.hurdle_negbinomial(),
        {"hu": 0.25, "shape": 1.5},
        {},
        Y_COUNT,
        _hurdle(_nb(MU, 1.5), 0.25, Y_COUNT, True),
    ),
    "hurdle_gamma": (
        fam.hurdle_gamma(),
        {"hu": 0.3, "shape": 2.0},
        {},
        Y_POS,
        _hurdle(stats.gamma(2.0, scale=MU / 2.0), 0.3, Y_POS, False),
    ),
    "hurdle_lognormal": (
        fam.hurdle_lognormal(),
        {"hu": 0.3, "sigma": 0.8},
        {},
        Y_POS,
        _hurdle(stats.lognorm(0.8, scale=np.exp(ETA_INF)), 0.3, Y_POS, False),
    ),
}


@pytest.mark.parametrize("name", sorted(INFLATED))
def test_inflated_log_lik(name: str) -> None:
    family, dpars, addition, y, want = INFLATED[name]
    got = pointwise_log_lik(family, y, ETA_INF, dpars, addition)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-9)


@pytest.mark.parametrize(
    ("family", "dpars", "want"),
    [
        (fam.zero_inflated_poisson(), {"zi": 0.3}, np.log(0.7) + stats.poisson(MU).logsf(Y_COUNT)),
        (
            fam.hurdle_poisson(),
            {"hu": 0.35},
            np.log(0.65) + stats.poisson(MU).logsf(Y_COUNT) - np.log1p(-np.exp(-MU)),
        ),
    ],
)
def test_inflated_right_censoring(
    family: Family, dpars: dict[str, float], want: np.ndarray
) -> None:
    # brms: zero_inflated_poisson_lccdf = bernoulli_lpmf(0 | zi) + poisson_lccdf(y | lambda)
    addition = {"cens": np.ones(N)}
    got = pointwise_log_lik(family, Y_COUNT, ETA_INF, dpars, addition)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-9)


def test_hurdle_truncated_at_one_removes_the_hurdle() -> None:
    # brms: hurdle_poisson_lpmf(Y | ...) - hurdle_poisson_lccdf(lb - 1 | ...), lb = 1.
    y = Y_COUNT + 1.0
    addition = {"lb": np.ones(N), "ub": np.full(N, np.inf)}
    got = pointwise_log_lik(fam.hurdle_poisson(), y, ETA_INF, {"hu": 0.35}, addition)
    want = stats.poisson(MU).logpmf(y) - np.log1p(-np.exp(-MU))
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-9)


_ORD_SF = {
    "logit": lambda x: special.expit(-x),
    "probit": stats.norm.sf,
    "cauchit": stats.cauchy.sf,
    "probit_approx": lambda x: special.expit(-(0.07056 * x**3 + 1.5976 * x)),
    "cloglog": lambda x: np.exp(-np.exp(x)),
}


def _cumulative(
    link: str, y: np.ndarray, eta: np.ndarray, thres: np.ndarray, disc: np.ndarray
) -> np.ndarray:
    # Category probabilities from F = 1 - S, differencing whichever side is accurate.
    x = disc[..., None] * (thres - eta[..., None])
    sf = _ORD_SF[link](x)
    cdf = INV[link](x)
    middle = np.where(cdf[..., 1:] > 0.5, sf[..., :-1] - sf[..., 1:], cdf[..., 1:] - cdf[..., :-1])
    probs = np.concatenate([cdf[..., :1], middle, sf[..., -1:]], axis=-1)
    idx = np.broadcast_to(y.astype(int) - 1, probs.shape[:-1])
    return np.log(np.take_along_axis(probs, idx[..., None], -1)[..., 0])


@pytest.mark.parametrize("link", ["logit", "probit", "probit_approx", "cloglog", "cauchit"])
def test_cumulative_log_lik(link: str) -> None:
    rng = np.random.default_rng(31)
    y = np.array([1, 2, 3, 4, 4, 1, 2], dtype=float)
    eta = rng.normal(0.0, 1.0, (3, 7))
    thres = np.sort(rng.normal(0.0, 1.5, (3, 1, 3)), axis=-1)
    disc = rng.uniform(0.5, 2.0, (3, 7))
    family = fam.cumulative(link)
    got = pointwise_log_lik(family, y, eta, {"thres": thres, "disc": disc}, {})
    np.testing.assert_allclose(np.asarray(got), _cumulative(link, y, eta, thres, disc), rtol=1e-7)
    one = family.log_lik_eta(y, eta[0], {"thres": thres[0, 0]}, {})
    np.testing.assert_allclose(
        np.asarray(one), _cumulative(link, y, eta[0], thres[0, 0], np.ones(7)), rtol=1e-7
    )


def test_categorical_log_lik() -> None:
    y = np.array([1, 3, 2, 3], dtype=float)
    eta = np.concatenate([np.zeros((2, 4, 1)), RNG.normal(0.0, 1.0, (2, 4, 2))], axis=-1)
    got = pointwise_log_lik(fam.categorical(), y, eta, {}, {})
    logp = eta - special.logsumexp(eta, axis=-1, keepdims=True)
    want = np.take_along_axis(logp, np.broadcast_to(y.astype(int) - 1, (2, 4))[..., None], -1)[
        ..., 0
    ]
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)


@pytest.mark.parametrize(
    ("family", "addition", "message"),
    [
        (
            fam.cumulative(),
            {"cens": np.zeros(3)},
            "The cumulative family does not support cens() "
            "in brmsjax; remove it, or choose a family such as gaussian, poisson or lognormal.",
        ),
        (
            fam.beta_binomial(),
            {"trials": np.full(3, 5.0), "lb": np.zeros(3), "ub": np.full(3, 5.0)},
            "The beta_binomial family does not support trunc() in brmsjax",
        ),
    ],
)
def test_unsupported_censoring(
    family: Family, addition: dict[str, np.ndarray], message: str
) -> None:
    with pytest.raises(ModelError, match=re.escape(message)):
        pointwise_log_lik(
            family, np.ones(3), np.zeros(3), {"phi": 2.0, "thres": np.zeros(2)}, addition
        )


@pytest.mark.parametrize(
    ("name", "dpar"),
    [("gaussian", "sigma"), ("negbinomial", "shape"), ("poisson-log", None)],
)
def test_censored_truncated_gradients_are_finite_and_exact(name: str, dpar: str | None) -> None:
    case = CASES[name]
    eta, _, y = _draw(case)
    cens = np.resize(np.array([0, 1, -1, 2]), N)
    step = 1.0 if case.family.discrete else 0.3
    addition = {
        **case.addition,
        "cens": cens,
        "rcens": np.where(cens == 2, y + step, 0.0),
        "lb": np.full(N, -np.inf),
        "ub": np.where(np.arange(N) % 2 == 0, np.inf, 50.0),
    }

    def total(e: Any, value: Any) -> Any:
        dpars = {**case.dpars, **({dpar: value} if dpar else {})}
        return pointwise_log_lik(case.family, y, e, dpars, addition).sum()

    value = float(case.dpars[dpar]) if dpar else 0.0
    g_eta, g_val = jax.jit(jax.grad(total, argnums=(0, 1)))(eta, value)
    total = jax.jit(total)
    h = 1e-6
    fd_val = (total(eta, value + h) - total(eta, value - h)) / (2 * h)
    assert np.all(np.isfinite(np.asarray(g_eta)))
    for i in range(4):  # one row of each censoring code
        unit = np.eye(N)[i]
        fd_eta = (total(eta + h * unit, value) - total(eta - h * unit, value)) / (2 * h)
        np.testing.assert_allclose(float(g_eta[i]), float(fd_eta), rtol=1e-5, atol=1e-6)
    if dpar:
        np.testing.assert_allclose(float(g_val), float(fd_val), rtol=1e-5, atol=1e-6)
