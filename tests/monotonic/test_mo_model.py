"""The model side of mo(): Stan's dirichlet_lpdf, the expanded predictor equal to brms's
mo() sums, and the simplex sites."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from brmsjax.backend.model.terms.monotonic import dirichlet_lpdf, mo_coefficients, term_predictors
from brmsjax.formula.design.ir import SpBlock, SpTerm

DIRICHLET = [
    ([0.2, 0.3, 0.5], [1.0, 1.0, 1.0]),
    ([0.6, 0.4], [2.0, 0.5]),
    ([0.1, 0.2, 0.3, 0.4], [3.0, 1.5, 1.0, 7.0]),
]


@pytest.mark.parametrize(("x", "alpha"), DIRICHLET)
def test_dirichlet_lpdf_is_scipy(x: list[float], alpha: list[float]) -> None:
    with jax.enable_x64(True):
        got = float(dirichlet_lpdf(jnp.asarray(x), jnp.asarray(alpha)))
    assert got == pytest.approx(stats.dirichlet.logpdf(x, alpha), rel=1e-12)


def _brms_mo(simo: np.ndarray, x: np.ndarray) -> np.ndarray:
    """brms's Stan function mo(scale, i) = rows(scale) * sum(scale[1:i])."""
    return np.array([len(simo) * simo[:i].sum() for i in x])


BLOCKS = [
    # mo(x): one simplex of 3
    ((SpTerm("mox", (0,)),), (3,), 0),
    # mo(x) * z: the second term has its own simplex and the covariate Csp_1
    ((SpTerm("mox", (0,)), SpTerm("mox:z", (1,), csp=1)), (3, 3), 1),
    # mo(x):mo(o): a product of two simplexes
    ((SpTerm("mox:moo", (0, 1)),), (3, 2), 0),
]


@pytest.mark.parametrize(("terms", "jmo", "ncsp"), BLOCKS)
def test_expanded_predictor_is_brms_mo(terms: tuple, jmo: tuple, ncsp: int) -> None:
    rng = np.random.default_rng(4)
    n = 25
    xmo = tuple(rng.integers(0, j + 1, n) for j in jmo)
    csp = tuple(rng.normal(size=n) for _ in range(ncsp))
    sp = SpBlock(terms, xmo, jmo, csp)
    simos = [rng.dirichlet(np.ones(j)) for j in jmo]
    bsp = rng.normal(size=len(terms))
    want = np.zeros(n)
    for i, t in enumerate(terms):
        part = np.full(n, bsp[i])
        for j in t.mo:
            part = part * _brms_mo(simos[j], xmo[j])
        if t.csp:
            part = part * csp[t.csp - 1]
        want += part
    mo = [t.mo for t in terms]
    got = sp.expanded() @ mo_coefficients(bsp, simos, mo, jmo, xp=np)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    with jax.enable_x64(True):
        per_term = term_predictors(jnp.asarray(sp.expanded()), simos, mo, jmo)
        np.testing.assert_allclose(np.stack(per_term, 1) @ bsp, want, rtol=1e-12, atol=1e-12)
