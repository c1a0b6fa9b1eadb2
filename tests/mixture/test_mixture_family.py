"""The mixture family's densities, means, draws and memberships against scipy.

Each component's log density is the component family's; the mixture's is
``log sum_k theta_k p_k(y)``, its mean ``sum_k theta_k E_k(y)``, and ``pp_mixture`` the
normalized ``theta_k p_k(y)``. The mixing proportions come as probabilities (simplex or fixed)
or as the linear predictors of all components but the first (a softmax with 0 for it).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats
from scipy.special import softmax

import brmsjax as bj

Y = np.array([-2.0, -0.3, 0.0, 0.8, 2.5, 4.0, 7.5])
K = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 9.0, 14.0])


def _gauss_student() -> tuple[Any, dict[str, Any], np.ndarray, np.ndarray]:
    family = bj.mixture("gaussian", "student")
    dpars = {"mu1": -1.0, "sigma1": 0.7, "mu2": 3.0, "sigma2": 1.5, "nu2": 4.0}
    comps = np.stack([stats.norm.pdf(Y, -1.0, 0.7), stats.t.pdf(Y, 4.0, 3.0, 1.5)])
    means = np.array([-1.0, 3.0])
    return family, dpars, comps, means


def _counts() -> tuple[Any, dict[str, Any], np.ndarray, np.ndarray]:
    family = bj.mixture("poisson", "negbinomial")
    mu1, mu2, shape = 1.2, 6.0, 2.5
    dpars = {"mu1": np.log(mu1), "mu2": np.log(mu2), "shape2": shape}  # log links
    p = shape / (shape + mu2)
    comps = np.stack([stats.poisson.pmf(K, mu1), stats.nbinom.pmf(K, shape, p)])
    return family, dpars, comps, np.array([mu1, mu2])


# (case, thetas given to the family, the probabilities they mean)
THETAS = [
    ("simplex", {"theta1": 0.3, "theta2": 0.7}, np.array([0.3, 0.7])),
    ("predicted", {"theta2": 0.4}, softmax([0.0, 0.4])),
]


@pytest.mark.parametrize("make", [_gauss_student, _counts], ids=["gaussian_student", "counts"])
@pytest.mark.parametrize(("mode", "thetas", "probs"), THETAS, ids=[t[0] for t in THETAS])
def test_log_lik_epred_membership(make: Any, mode: str, thetas: dict, probs: np.ndarray) -> None:
    family, dpars, comps, means = make()
    y = K if family.components[0].name == "poisson" else Y
    weighted = probs[:, None] * comps
    with jax.enable_x64(True):
        dp = {k: jnp.asarray(v) for k, v in {**dpars, **thetas}.items()}
        ll = family.log_lik_eta(jnp.asarray(y), jnp.zeros(len(y)), dp, {})
        epred = family.epred(jnp.zeros(len(y)), dp, {})
        member = np.exp(family.membership(jnp.asarray(y), dp, {}))
    np.testing.assert_allclose(ll, np.log(weighted.sum(0)), rtol=1e-10)
    np.testing.assert_allclose(epred, probs @ means, rtol=1e-10)
    np.testing.assert_allclose(member, (weighted / weighted.sum(0)).T, rtol=1e-9)


def test_draws_follow_the_mixture() -> None:
    family = bj.mixture("gaussian", "gaussian")
    n = 200_000
    with jax.enable_x64(True):
        dp = {
            "mu1": jnp.full(n, -2.0),
            "sigma1": jnp.asarray(0.5),
            "mu2": jnp.full(n, 3.0),
            "sigma2": jnp.asarray(1.0),
            "theta1": jnp.asarray(0.25),
            "theta2": jnp.asarray(0.75),
        }
        draws = np.asarray(family.rng(jax.random.key(1), jnp.zeros(n), dp, {}))
    below = 0.25 * stats.norm.cdf(0.5, -2.0, 0.5) + 0.75 * stats.norm.cdf(0.5, 3.0, 1.0)
    assert abs(np.mean(draws < 0.5) - below) < 0.004
    assert abs(draws.mean() - (0.25 * -2.0 + 0.75 * 3.0)) < 0.02
    var = 0.25 * (0.25 + 4.0) + 0.75 * (1.0 + 9.0) - (0.25 * -2.0 + 0.75 * 3.0) ** 2
    assert abs(draws.var() - var) / var < 0.02


@pytest.mark.parametrize(
    ("family", "links"),
    [
        (
            bj.mixture("gaussian", "gaussian"),
            "mu1 = identity; sigma1 = identity; mu2 = identity; sigma2 = identity; "
            "theta1 = identity; theta2 = identity",
        ),
        (
            bj.mixture("poisson", "negbinomial"),
            "mu1 = log; mu2 = log; shape2 = identity; theta1 = identity; theta2 = identity",
        ),
    ],
)
def test_links_line(family: Any, links: str) -> None:
    assert family.links_line() == links
