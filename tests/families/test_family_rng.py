"""posterior_predict draws against posterior_epred for every family (Monte-Carlo checks).

For each family the mean of many ``rng`` draws must equal ``epred`` within five Monte-Carlo
standard errors, draws must lie in the response's support, and shapes must broadcast over
leading draw dimensions as the prediction methods use them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jax
import numpy as np
import pytest

from brmsjax.backend.families import registry as fam
from brmsjax.backend.families.base import Family

S = 20000
ETA = np.array([-0.4, 0.1, 0.6])
TRIALS = np.array([4.0, 10.0, 25.0])
DENOM = np.array([0.5, 1.0, 2.0])


@pytest.fixture(autouse=True)
def _x64() -> Iterator[None]:
    with jax.enable_x64(True):
        yield


# family, eta offset, dpars, addition, support ("real", "positive", "unit", "count", "nonneg")
CASES: dict[str, tuple[Family, float, dict[str, Any], dict[str, Any], str]] = {
    "gaussian": (fam.gaussian(), 1.0, {"sigma": 2.0}, {}, "real"),
    "gaussian-se": (fam.gaussian(), 0.0, {"sigma": 0.5}, {"se": DENOM}, "real"),
    "student": (fam.student(), 0.0, {"sigma": 1.0, "nu": 6.0}, {}, "real"),
    "skew_normal": (fam.skew_normal(), 2.0, {"sigma": 1.5, "alpha": 4.0}, {}, "real"),
    "bernoulli": (fam.bernoulli(), 0.0, {}, {}, "count"),
    "bernoulli-probit": (fam.bernoulli("probit"), 0.0, {}, {}, "count"),
    "binomial": (fam.binomial(), 0.0, {}, {"trials": TRIALS}, "count"),
    "beta_binomial": (fam.beta_binomial(), 0.0, {"phi": 4.0}, {"trials": TRIALS}, "count"),
    "poisson": (fam.poisson(), 1.0, {}, {}, "count"),
    "poisson-rate": (fam.poisson(), 0.5, {}, {"denom": DENOM}, "count"),
    "negbinomial": (fam.negbinomial(), 1.0, {"shape": 3.0}, {}, "count"),
    "negbinomial-rate": (fam.negbinomial(), 0.5, {"shape": 2.0}, {"denom": DENOM}, "count"),
    "geometric": (fam.geometric(), 0.5, {}, {}, "count"),
    "gamma": (fam.Gamma(), 0.5, {"shape": 2.0}, {}, "positive"),
    "lognormal": (fam.lognormal(), 0.0, {"sigma": 0.5}, {}, "positive"),
    "exponential": (fam.exponential(), 0.0, {}, {}, "positive"),
    "weibull": (fam.weibull(), 0.5, {"shape": 1.7}, {}, "positive"),
    "beta": (fam.Beta(), 0.0, {"phi": 5.0}, {}, "unit"),
    "zero_inflated_poisson": (fam.zero_inflated_poisson(), 1.0, {"zi": 0.3}, {}, "count"),
    "zero_inflated_negbinomial": (
        fam.zero_inflated_negbinomial(),
        1.0,
        {"zi": 0.2, "shape": 2.0},
        {},
        "count",
    ),
    "zero_inflated_binomial": (
        fam.zero_inflated_binomial(),
        0.0,
        {"zi": 0.25},
        {"trials": TRIALS},
        "count",
    ),
    "hurdle_poisson": (fam.hurdle_poisson(), -0.5, {"hu": 0.4}, {}, "count"),
    "hurdle_negbinomial": (fam.hurdle_negbinomial(), 0.0, {"hu": 0.3, "shape": 1.5}, {}, "count"),
    "hurdle_gamma": (fam.hurdle_gamma(), 0.5, {"hu": 0.2, "shape": 3.0}, {}, "nonneg"),
    "hurdle_lognormal": (fam.hurdle_lognormal(), 0.0, {"hu": 0.35, "sigma": 0.4}, {}, "nonneg"),
}

_SUPPORT: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "real": np.isfinite,
    "positive": lambda y: y > 0,
    "nonneg": lambda y: y >= 0,
    "unit": lambda y: (y > 0) & (y < 1),
    "count": lambda y: (y >= 0) & (y == np.round(y)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rng_mean_matches_epred(name: str) -> None:
    family, offset, dpars, addition, support = CASES[name]
    eta = np.broadcast_to(ETA + offset, (S, ETA.size))
    draws = np.asarray(family.rng(jax.random.PRNGKey(7), eta, dpars, addition))
    assert draws.shape == (S, ETA.size)
    assert _SUPPORT[support](draws).all()
    epred = np.asarray(family.epred(ETA + offset, dpars, addition))
    se = draws.std(axis=0) / np.sqrt(S)
    np.testing.assert_array_less(np.abs(draws.mean(axis=0) - epred), 5 * se + 1e-12)


@pytest.mark.parametrize(
    ("name", "zero"),
    [
        ("zero_inflated_poisson", 0.3 + 0.7 * np.exp(-np.exp(1 + ETA))),
        ("hurdle_poisson", np.full(3, 0.4)),
        ("hurdle_gamma", np.full(3, 0.2)),
    ],
)
def test_rng_zero_fraction(name: str, zero: np.ndarray) -> None:
    family, offset, dpars, addition, _ = CASES[name]
    eta = np.broadcast_to(ETA + offset, (S, ETA.size))
    draws = np.asarray(family.rng(jax.random.PRNGKey(3), eta, dpars, addition))
    se = np.sqrt(zero * (1 - zero) / S)
    np.testing.assert_array_less(np.abs((draws == 0).mean(axis=0) - zero), 5 * se)


def test_rng_broadcasts_draw_dpars() -> None:
    # sigma per draw (S, 1) against eta (S, N): each draw row uses its own sigma.
    sigma = np.array([[0.1], [10.0]])
    eta = np.zeros((2, 5000))
    draws = np.asarray(fam.gaussian().rng(jax.random.PRNGKey(1), eta, {"sigma": sigma}, {}))
    assert draws.shape == (2, 5000)
    np.testing.assert_allclose(draws.std(axis=1), [0.1, 10.0], rtol=0.05)


ORDINAL_THRES = np.array([-1.0, 0.2, 1.5])


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog", "cauchit", "probit_approx"])
def test_cumulative_rng_matches_epred(link: str) -> None:
    family = fam.cumulative(link)
    eta = np.broadcast_to(ETA, (S, ETA.size))
    thres = np.broadcast_to(ORDINAL_THRES, (S, 1, 3))
    draws = np.asarray(family.rng(jax.random.PRNGKey(5), eta, {"thres": thres}, {}))
    probs = np.asarray(family.epred(ETA, {"thres": ORDINAL_THRES}, {}))
    assert probs.shape == (3, 4)
    freq = np.stack([(draws == k).mean(axis=0) for k in range(1, 5)], axis=-1)
    np.testing.assert_array_less(np.abs(freq - probs), 5 * np.sqrt(probs * (1 - probs) / S))


def test_categorical_rng_matches_epred() -> None:
    eta = np.array([[0.0, 0.5, -1.0], [0.0, -0.3, 0.8]])
    draws = np.asarray(
        fam.categorical().rng(jax.random.PRNGKey(2), np.broadcast_to(eta, (S, 2, 3)), {}, {})
    )
    probs = np.asarray(fam.categorical().epred(eta, {}, {}))
    np.testing.assert_allclose(probs, np.exp(eta) / np.exp(eta).sum(-1, keepdims=True), rtol=1e-12)
    freq = np.stack([(draws == k).mean(axis=0) for k in (1, 2, 3)], axis=-1)
    np.testing.assert_array_less(np.abs(freq - probs), 5 * np.sqrt(probs * (1 - probs) / S))
