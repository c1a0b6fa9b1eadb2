"""posterior_predict and posterior_epred of the wiener family.

brms 2.18 draws with ``RWiener::rwiener`` and returns the response times; its
``posterior_epred_wiener`` is a closed form. References (tests/fixtures/wiener/wiener.json):
RWiener's ``pwiener`` (each boundary's CDF), 3000 ``rwiener`` draws per parameter set, and
brms's ``posterior_epred_wiener`` on a grid.
"""

from __future__ import annotations

from collections.abc import Iterator

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from brmsjax.backend.families.diffusion.wiener_rng import lower_cdf, prob_lower, wiener_draws
from brmsjax.backend.families.registry import get_family
from tests.wiener.fixtures import brms_fixture, frame

draws = jax.jit(wiener_draws)
cdf = jax.jit(lower_cdf)


@pytest.fixture(autouse=True)
def x64() -> Iterator[None]:
    with jax.enable_x64(True):
        yield


def test_boundary_cdfs_equal_rwiener() -> None:
    """``P(T <= y, boundary)`` of both boundaries against RWiener's pwiener, to 1e-12 (its own
    error: at the worst row, pwiener gives 6.10970153e-06 where a 30-digit quadrature of the
    density gives 6.10970086853563e-06, as we do)."""
    p = frame("cdf")
    u = (p["y"] - p["tau"]).to_numpy() / p["alpha"].to_numpy() ** 2
    v = (p["delta"] * p["alpha"]).to_numpy()
    beta = p["beta"].to_numpy()
    np.testing.assert_allclose(np.asarray(cdf(u, v, beta)), p["lower"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.asarray(cdf(u, -v, 1 - beta)), p["upper"], rtol=0, atol=1e-12)


@pytest.mark.parametrize(("v", "w"), [(0.0, 0.3), (1e-9, 0.5), (2.5, 0.4), (-40.0, 0.6)])
def test_probability_of_the_lower_boundary(v: float, w: float) -> None:
    """``(exp(-2 v w) - exp(-2 v)) / (1 - exp(-2 v))``, ``1 - w`` without drift."""
    want = 1 - w if abs(v) < 1e-6 else np.expm1(-2 * v * w + 2 * v) / np.expm1(2 * v)
    assert float(prob_lower(jnp.asarray(v), jnp.asarray(w))) == pytest.approx(want, rel=1e-9)


# (alpha, tau, beta, delta): typical, strongly drifted, biased, fast and slow
PARAMS = [(1.2, 0.3, 0.45, 0.9), (0.8, 0.2, 0.3, -2.5), (2.5, 0.1, 0.7, 0.3), (1.0, 0.2, 0.05, 4)]


@pytest.mark.parametrize(("alpha", "tau", "beta", "delta"), PARAMS)
def test_draws_follow_the_distribution(alpha: float, tau: float, beta: float, delta: float) -> None:
    """The decisions in the share P(upper); each boundary's times by a KS test against its
    CDF (the CDF agrees with RWiener's above)."""
    n = 8_000
    rt, dec = (
        np.asarray(a) for a in draws(jax.random.key(3), jnp.full(n, alpha), tau, beta, delta)
    )
    v = delta * alpha
    p_up = 1 - float(prob_lower(jnp.asarray(v), jnp.asarray(beta)))
    assert abs(dec.mean() - p_up) < 4 * np.sqrt(p_up * (1 - p_up) / n)
    assert rt.min() > tau
    for upper, share in ((1, p_up), (0, 1 - p_up)):
        times = rt[dec == upper]
        if times.size < 200:
            continue
        vb, wb = (-v, 1 - beta) if upper else (v, beta)

        def boundary_cdf(y: np.ndarray, vb: float = vb, wb: float = wb, share: float = share):
            u = np.maximum((y - tau) / alpha**2, 1e-12)
            return np.asarray(cdf(u, jnp.full(u.shape, vb), jnp.full(u.shape, wb))) / share

        assert stats.kstest(times, boundary_cdf).pvalue > 0.001


@pytest.mark.parametrize("case", [0, 1])
def test_draws_match_rwiener_draws(case: int) -> None:
    """Two-sample KS tests against RWiener::rwiener's times of each boundary."""
    ref = brms_fixture()["rwiener"][case]
    q, up = np.asarray(ref["q"]), np.asarray(ref["upper"])
    n = 8_000
    args = (jnp.full(n, ref["alpha"]), ref["tau"], ref["beta"], ref["delta"])
    rt, dec = (np.asarray(a) for a in draws(jax.random.key(case), *args))
    for upper in (0, 1):
        assert stats.ks_2samp(rt[dec == upper], q[up == upper]).pvalue > 0.001
    assert (
        stats.chi2_contingency([[dec.sum(), n - dec.sum()], [up.sum(), up.size - up.sum()]])[1]
        > 0.001
    )


def test_epred_is_brms_formula() -> None:
    """brms 2.18's ``ndt - bias / mu + bs / mu * (exp(-2 mu bias) - 1) / (exp(-2 mu bs) - 1)``."""
    e = frame("epred")
    fam = get_family("wiener")
    dpars = {k: jnp.asarray(e[k].to_numpy()) for k in ("bs", "ndt", "bias")}
    got = fam.epred(jnp.asarray(e["mu"].to_numpy()), dpars, {})
    np.testing.assert_allclose(np.asarray(got), e["epred"], rtol=1e-12)


def test_predict_returns_response_times() -> None:
    """brms's posterior_predict_wiener returns the times (negative_rt = FALSE)."""
    fam = get_family("wiener")
    n = 4000
    dpars = {"bs": jnp.asarray(1.2), "ndt": jnp.asarray(0.3), "bias": jnp.asarray(0.45)}
    y = np.asarray(jax.jit(fam.rng)(jax.random.key(1), jnp.full(n, 0.9), dpars, {}))
    assert y.shape == (n,) and y.min() > 0.3
    ref = brms_fixture()["rwiener"][0]
    assert stats.ks_2samp(y, ref["q"]).pvalue > 0.001
