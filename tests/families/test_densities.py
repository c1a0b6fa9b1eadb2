"""Prior log densities (backend/densities.py) against scipy.stats, plain and truncated."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from brmsjax.backend.dists.densities import DIST_ARITY, PriorSpec, log_prior

# Each distribution in Stan's parameterization, as a scipy frozen distribution, with arguments.
SCIPY: dict[str, tuple[Callable[..., Any], tuple[float, ...]]] = {
    "normal": (stats.norm, (1.5, 2.0)),
    "std_normal": (stats.norm, ()),
    "student_t": (stats.t, (3.0, -1.0, 2.5)),
    "cauchy": (stats.cauchy, (0.5, 2.0)),
    "double_exponential": (stats.laplace, (-0.5, 1.5)),
    "logistic": (stats.logistic, (1.0, 0.7)),
    "exponential": (lambda b: stats.expon(scale=1 / b), (0.8,)),
    "gamma": (lambda a, b: stats.gamma(a, scale=1 / b), (2.5, 1.5)),
    "inv_gamma": (lambda a, b: stats.invgamma(a, scale=b), (3.0, 2.0)),
    "lognormal": (lambda m, s: stats.lognorm(s, scale=np.exp(m)), (0.3, 0.6)),
    "chi_square": (stats.chi2, (4.0,)),
    "inv_chi_square": (lambda nu: stats.invgamma(nu / 2, scale=0.5), (5.0,)),
    "weibull": (lambda a, s: stats.weibull_min(a, scale=s), (1.7, 2.0)),
    "frechet": (lambda a, s: stats.invweibull(a, scale=s), (2.5, 1.5)),
    "beta": (stats.beta, (2.0, 3.5)),
    "uniform": (lambda a, b: stats.uniform(a, b - a), (-1.0, 3.0)),
}


@pytest.fixture(autouse=True)
def _x64() -> Iterator[None]:
    with jax.enable_x64(True):
        yield


def test_every_density_is_tested() -> None:
    written_elsewhere = {"flat", "lkj", "lkj_corr_cholesky", "constant", "dirichlet"}
    assert set(SCIPY) | written_elsewhere == set(DIST_ARITY)
    assert all(len(args) == DIST_ARITY[d] for d, (_, args) in SCIPY.items())


@pytest.mark.parametrize("dist", sorted(SCIPY))
def test_log_density_matches_scipy(dist: str) -> None:
    make, args = SCIPY[dist]
    ref = make(*args)
    x = ref.rvs(size=25, random_state=np.random.default_rng(7))
    got = log_prior(dist, jnp.asarray(x), jnp.asarray(args))
    np.testing.assert_allclose(float(got), ref.logpdf(x).sum(), rtol=1e-10)


@pytest.mark.parametrize("dist", sorted(SCIPY))
@pytest.mark.parametrize("side", ["lower", "upper", "both"])
def test_truncated_density_matches_scipy(dist: str, side: str) -> None:
    make, args = SCIPY[dist]
    ref = make(*args)
    lb = float(ref.ppf(0.2)) if side != "upper" else None
    ub = float(ref.ppf(0.9)) if side != "lower" else None
    lo = ref.cdf(lb) if lb is not None else 0.0
    hi = ref.cdf(ub) if ub is not None else 1.0
    u = np.random.default_rng(11).uniform(lo, hi, size=20)
    x = ref.ppf(u)
    want = ref.logpdf(x).sum() - x.size * np.log(hi - lo)
    got = log_prior(dist, jnp.asarray(x), jnp.asarray(args), lb, ub)
    np.testing.assert_allclose(float(got), want, rtol=1e-9)


@pytest.mark.parametrize(
    ("spec", "ref"),
    [  # brms's half priors: sd and sigma get lb = 0, and the prior is truncated there
        (
            PriorSpec("student_t", (3.0, 0.0, 59.3), lb=0.0),
            lambda x: stats.t(3, 0, 59.3).logpdf(x) + np.log(2.0),
        ),
        (PriorSpec("normal", (0.0, 2.0), lb=0.0), lambda x: stats.halfnorm(scale=2.0).logpdf(x)),
        (PriorSpec("cauchy", (0.0, 5.0), lb=0.0), lambda x: stats.halfcauchy(scale=5.0).logpdf(x)),
        (
            PriorSpec("student_t", (3.0, 2.0, 1.0), lb=0.0),
            lambda x: stats.t(3, 2, 1).logpdf(x) - stats.t(3, 2, 1).logsf(0.0),
        ),
        (
            PriorSpec("logistic", (0.0, 1.0), lb=0.0, ub=1.0),
            lambda x: stats.logistic().logpdf(x) - np.log(stats.logistic().cdf(1.0) - 0.5),
        ),
    ],
)
def test_half_priors(spec: PriorSpec, ref: Callable[[np.ndarray], np.ndarray]) -> None:
    x = np.array([0.01, 0.5, 0.9, 0.99]) * (1.0 if spec.ub else 200.0)
    got = float(log_prior(spec.dist, jnp.asarray(x), jnp.asarray(spec.args), spec.lb, spec.ub))
    np.testing.assert_allclose(got, ref(x).sum(), rtol=1e-10)


def test_natural_bounds_do_not_truncate() -> None:
    x = jnp.asarray([0.2, 1.0, 4.0])
    for dist, args in [("gamma", (2.0, 1.0)), ("exponential", (1.0,)), ("lognormal", (0.0, 1.0))]:
        plain = log_prior(dist, x, jnp.asarray(args))
        assert float(log_prior(dist, x, jnp.asarray(args), 0.0, None)) == float(plain)
    beta = log_prior("beta", jnp.asarray([0.3]), jnp.asarray([2.0, 2.0]), 0.0, 1.0)
    np.testing.assert_allclose(float(beta), stats.beta(2, 2).logpdf(0.3), rtol=1e-12)


def test_flat_and_per_element_arguments() -> None:
    assert float(log_prior("flat", jnp.asarray([1.0, -5.0]), jnp.zeros(0))) == 0.0
    x = np.array([0.5, -1.0, 2.0])
    args = np.array([[0.0, 1.0], [1.0, 2.0], [-1.0, 0.5]])
    got = log_prior("normal", jnp.asarray(x), jnp.asarray(args), 0.0, None)
    want = sum(
        stats.norm(m, s).logpdf(v) - stats.norm(m, s).logsf(0.0)
        for v, (m, s) in zip(x, args, strict=True)
    )
    np.testing.assert_allclose(float(got), want, rtol=1e-10)
