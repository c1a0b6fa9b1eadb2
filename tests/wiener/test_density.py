"""The Wiener first passage time log density against RWiener and a 60-digit evaluation.

References: ``RWiener::dwiener`` through brms 2.18's ``dwiener`` (what ``log_lik_wiener``
calls) on a grid of the parameters fits meet (tests/fixtures/wiener/wiener.json), and
make_reference.py's mpmath series on that grid plus extreme times and biases (mpmath.json).
"""

from __future__ import annotations

from collections.abc import Iterator

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from brmsjax.backend.dists.stan_wiener import wiener_diffusion_lpdf, wiener_lpdf
from brmsjax.backend.families.registry import get_family
from tests.wiener.fixtures import frame, mpmath_rows

# one compiled program per test (the eager op-by-op dispatch of the series is slow)
lpdf = jax.jit(wiener_diffusion_lpdf)


@pytest.fixture(autouse=True)
def x64() -> Iterator[None]:
    with jax.enable_x64(True):
        yield


def _relative_log_error(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return np.abs(got - want) / np.maximum(1.0, np.abs(want))


def test_equals_60_digit_series() -> None:
    """All 170 rows (u from 1e-3 to 50, bias 1e-6 .. 1 - 1e-6) within 1e-12 on the log scale."""
    rows = mpmath_rows()
    got = np.asarray(lpdf(*(jnp.asarray(c) for c in rows[:, :6].T)))
    assert rows.shape == (170, 7)
    assert _relative_log_error(got, rows[:, 6]).max() < 1e-12


def test_equals_rwiener_through_the_family() -> None:
    """brms's log_lik_wiener (RWiener's dwiener) equals the family's log likelihood."""
    g = frame("density")
    fam = get_family("wiener")
    dpars = {"bs": g["alpha"].to_numpy(), "ndt": g["tau"].to_numpy(), "bias": g["beta"].to_numpy()}
    got = jax.jit(fam.log_lik_eta)(
        jnp.asarray(g["y"].to_numpy()),
        jnp.asarray(g["delta"].to_numpy()),
        {k: jnp.asarray(v) for k, v in dpars.items()},
        {"dec": jnp.asarray(g["dec"].to_numpy())},
    )
    assert _relative_log_error(np.asarray(got), g["lpdf"].to_numpy()).max() < 1e-10


# (y, dec, alpha, tau, beta, delta)
GRADIENT_CASES = [
    (0.9, 1, 1.2, 0.3, 0.4, 0.8),
    (0.9, 0, 1.2, 0.3, 0.4, 0.8),
    (0.3 + 0.5 * 1.44, 1, 1.2, 0.3, 0.6, -1.0),  # at the switch of the series, u = 1/2
    (0.31, 0, 0.7, 0.3, 0.02, 3.0),  # small u, start near the lower boundary
    (0.31, 1, 0.7, 0.3, 0.02, 3.0),  # small u, start near the far boundary
    (6.0, 1, 2.5, 0.2, 0.97, -2.0),  # large u
]


def test_gradient_is_finite_and_matches_differences() -> None:
    """Gradients in (alpha, tau, beta, delta) equal central differences of the density."""

    def f(p: jax.Array, y: jax.Array, dec: jax.Array) -> jax.Array:
        return wiener_diffusion_lpdf(y, dec, p[0], p[1], p[2], p[3])

    cases = jnp.asarray(GRADIENT_CASES)
    y, dec, p = cases[:, 0], cases[:, 1], cases[:, 2:]
    grad = np.asarray(jax.jit(jax.vmap(jax.grad(f)))(p, y, dec))
    h = 1e-6
    steps = h * jnp.eye(4)
    f_all = jax.jit(jax.vmap(jax.vmap(f, (0, None, None)), (0, 0, 0)))
    up = np.asarray(f_all(p[:, None, :] + steps, y, dec))
    down = np.asarray(f_all(p[:, None, :] - steps, y, dec))
    assert np.isfinite(grad).all()
    np.testing.assert_allclose(grad, (up - down) / (2 * h), rtol=1e-6, atol=1e-6)


def test_upper_boundary_is_stans_wiener_lpdf() -> None:
    """dec = 1 is Stan's wiener_lpdf; dec = 0 is it with (1 - beta, -delta), as brms writes."""
    args = (1.4, 0.25, 0.3, 0.7)
    y = jnp.asarray([0.4, 0.9, 2.5])
    upper = jax.jit(wiener_lpdf)
    np.testing.assert_allclose(lpdf(y, 1, *args), upper(y, *args), rtol=1e-15)
    np.testing.assert_allclose(lpdf(y, 0, *args), upper(y, 1.4, 0.25, 1 - 0.3, -0.7), rtol=1e-15)


def test_below_the_non_decision_time_is_impossible() -> None:
    got = lpdf(jnp.asarray([0.2, 0.25]), 1, 1.0, 0.25, 0.5, 0.0)
    assert np.all(np.asarray(got) == -np.inf)
