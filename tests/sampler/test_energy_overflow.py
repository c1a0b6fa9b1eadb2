"""Transitions whose energy overflows are divergent and rejected, as Stan's.

From a point whose potential grows like ``exp(eta)`` a leapfrog step gives a momentum of the
gradient's size (``1e239`` in float64); the products of a dense ``M^-1 r`` with ``r``
overflowed to ``-inf`` and NumPyro accepted the proposal (acceptance probability
``exp(+inf)``, no divergence). The chain then stood still at ``lp__ = -6e237`` with
``sd_g__Intercept = 87`` for the whole run, every transition divergent.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from numpyro.infer.hmc_util import euclidean_kinetic_energy

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.backend.infer.nuts_programs import kinetic_energy

DENSE = np.array([[1.0, -0.9], [-0.9, 1.0]])
KINETIC = {
    # name: (inverse mass matrix, momentum, kinetic energy)
    "finite dense": (DENSE, [1.5, -2.0], 5.825),
    "finite diagonal": (np.array([2.0, 0.5]), [1.0, 2.0], 2.0),
    "overflow diagonal": (np.array([1.0, 1.0]), [1e200, 1.0], np.inf),
    # (M^-1 r) * r is (-8e399, 2.2e400): NumPyro's sum is NaN, or -inf where XLA's dot fuses
    # the second product into a multiply-add with the first's -inf (as it did when stuck).
    "overflow dense": (DENSE, [1e200, 2e200], np.inf),
}


@pytest.mark.parametrize("case", KINETIC, ids=list(KINETIC))
def test_kinetic_energy_is_inf_where_not_finite(case: str) -> None:
    inverse_mass, r, expected = KINETIC[case]
    with jax.enable_x64(True):
        m, r = jnp.asarray(inverse_mass, jnp.float64), jnp.asarray(r, jnp.float64)
        numpyro_ke = float(euclidean_kinetic_energy(m, r))
        ours = float(kinetic_energy(m, r))
        if np.isfinite(expected):
            assert ours == numpyro_ke == pytest.approx(expected, rel=1e-12)
        else:
            assert ours == np.inf
            assert not np.isfinite(numpyro_ke)
        # The leapfrog's momentum gradient stays NumPyro's exact M^-1 r.
        grad = kinetic_energy._kinetic_grad(m, r)  # type: ignore[attr-defined]
        np.testing.assert_array_equal(grad, euclidean_kinetic_energy._kinetic_grad(m, r))


def _outlier_data(outlier: float) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    g = np.repeat(np.arange(6), 10)
    x = rng.normal(size=60)
    y = rng.poisson(np.exp(1 + 0.3 * x + 0.3 * rng.normal(size=6)[g]))
    return pd.DataFrame({"x": x, "y": np.append(y[:-1], outlier), "g": g})


PRIOR = (
    bj.prior("normal(0, 5)", class_="Intercept")
    + bj.prior("normal(0, 5)", class_="b")
    + bj.prior("normal(0, 1)", class_="sd")
)
#: (outlier, seed, float32): fits of which one chain stood still at sd_g__Intercept 24 to 87
#: (lp__ -1.8e127 to -6.4e237; float32: sd 3 to 26, lp__ -1.6e9 to -1.2e18) before the fix.
STUCK = [(15, 5, False), (20, 1, False), (30, 11, False), (30, 17, False), (15, 1, True)]


@pytest.mark.parametrize(("outlier", "seed", "float32"), STUCK)
def test_no_chain_stands_still_at_an_overflowing_point(
    outlier: float, seed: int, float32: bool
) -> None:
    with warnings.catch_warnings():
        # A few divergent transitions remain (0 to 8 of 1000): brms's warning about them.
        warnings.simplefilter("ignore", SamplerWarning)
        fit = bj.brm(
            "y ~ x + (1 | g)",
            _outlier_data(outlier),
            family="poisson",
            prior=PRIOR,
            chains=2,
            iter=1000,
            seed=seed,
            float32=float32,
            progress=False,
        )
    draws = fit.draws()
    divergent = np.asarray(fit.store.stat("divergent__"), dtype=bool).reshape(2, -1)
    # Stuck, every transition was divergent (506 of 500 warmup + 500 draws).
    assert divergent.mean(axis=1).max() < 0.1
    for _, chain in draws.groupby(".chain"):
        sd = chain["sd_g__Intercept"].to_numpy()
        # The posterior of the sd is about 0.1-0.3 (half-normal(0, 1) prior, 6 levels).
        assert 0.02 < np.mean(sd) < 1.0
        assert np.std(sd) > 0.0
        assert chain["lp__"].min() > -250.0
