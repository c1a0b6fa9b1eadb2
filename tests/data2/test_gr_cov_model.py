"""gr(g, cov = A) in the model: brms's effects ``kronecker(Lcov, diag(sd) L) z`` and a fit that
recovers simulated phylogenetic effects."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.api import design_for
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.model.lower import lower
from brmsjax.backend.priors.resolve import resolve_priors
from tests.data2.data2_fixtures import cov_matrix, data2_data

GAUSSIAN = get_family("gaussian")


def scale_r_cor_cov(z: np.ndarray, sd: np.ndarray, L: np.ndarray, Lcov: np.ndarray) -> np.ndarray:
    """brms 2.18's Stan function ``scale_r_cor_cov``, line by line (0-based): ``(N, M)``.

    brms skips the elements ``Lcov[i, j] <= 1e-10`` ("unrelated individuals"), which drops the
    negative elements of the Cholesky factor too; the model brms documents, ``A (x) Sigma``,
    needs them, so this reference (and brmsjax) skips only ``|Lcov[i, j]| <= 1e-10``. The two
    agree wherever ``Lcov`` has no negative element (as for most phylogenies).
    """
    M, N = z.shape
    z_flat = z.reshape(-1, order="F")  # Stan's to_vector: column-major
    r = np.zeros(M * N)
    LC = sd[:, None] * L
    for icov in range(N):
        for jcov in range(icov + 1):
            if abs(Lcov[icov, jcov]) > 1e-10:
                for i in range(M):
                    for j in range(i + 1):
                        r[M * icov + i] += Lcov[icov, jcov] * LC[i, j] * z_flat[M * jcov + j]
    return r.reshape(M, N, order="F").T  # to_matrix(r, cols(z), rows(z), 0): row-major


@pytest.mark.parametrize(
    "formula",
    [
        "y ~ x + (1 | gr(g, cov = A))",
        "y ~ x + (1 + x | gr(g, cov = A))",
        "y ~ x + (1 + x || gr(g, cov = A))",
    ],
)
def test_group_effects_are_brms_kronecker_product(formula: str) -> None:
    design = design_for(formula, data2_data(), GAUSSIAN, {"A": cov_matrix()})
    priors = resolve_priors(design, GAUSSIAN, None)
    low = lower(design, GAUSSIAN, priors, reparam=False, centred=0, marginalize=False)
    (g,) = low.program.structure.groups
    assert g.lcov and low.forms["likelihood"] != "marginal"
    rng = np.random.default_rng(2)
    z = rng.normal(size=(g.M, g.n_levels))
    sd = np.array([0.7, 1.9])[: g.M]
    L = np.linalg.cholesky(np.array([[1.0, 0.4], [0.4, 1.0]]))[: g.M, : g.M]
    params = {"sd_1": jnp.asarray(sd), "z_1": jnp.asarray(z)}
    if g.cor:
        params["L_1"] = jnp.asarray(L)
    got = np.asarray(low.program.group_effects(params, low.data)[1])
    Lcov = design.data2.lcov[1] if design.data2 else None
    want = scale_r_cor_cov(z, sd, L if g.cor else np.eye(g.M), np.asarray(Lcov))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)  # float32 JAX arrays


def _phylo_data(seed: int = 3, n_levels: int = 40) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Three rows per species, effects ``1.5 * chol(A) z`` of a smooth covariance ``A``."""
    rng = np.random.default_rng(seed)
    levels = [f"t{i:02d}" for i in range(n_levels)]
    X = rng.normal(size=(n_levels, 5))
    A = np.exp(-((X[:, None, :] - X[None, :, :]) ** 2).sum(-1) / 10) + 1e-6 * np.eye(n_levels)
    r = 1.5 * np.linalg.cholesky(A) @ rng.normal(size=n_levels)
    g = np.repeat(np.arange(n_levels), 3)
    x = rng.normal(size=len(g))
    y = 1.0 + 0.5 * x + r[g] + rng.normal(scale=0.5, size=len(g))
    data = pd.DataFrame({"y": y, "x": x, "species": np.array(levels)[g]})
    # rows of A in reverse order: matched to the levels by name
    order = levels[::-1]
    cov = pd.DataFrame(A, index=levels, columns=levels).loc[order, order]
    return data, cov, 1.5


def test_fit_recovers_phylogenetic_effects() -> None:
    data, cov, sd_true = _phylo_data()
    fit = bj.brm(
        "y ~ x + (1 | gr(species, cov = A))",
        data,
        data2={"A": cov},
        chains=2,
        iter=600,
        seed=1,
        progress=False,
        control={"adapt_delta": 0.95},  # a few divergences at 0.8 with some JAX versions
    )
    summary = fit.summary()
    sd_row = summary.random["species"].loc["sd(Intercept)"]
    assert sd_row["l-95% CI"] < sd_true < sd_row["u-95% CI"]
    sigma = summary.spec_pars.loc["sigma"]
    assert sigma["l-95% CI"] < 0.5 < sigma["u-95% CI"]
    assert abs(summary.fixed.loc["x", "Estimate"] - 0.5) < 0.15
    draws = fit.draws()
    assert "r_species[t00,Intercept]" in draws.columns
    assert fit.posterior_predict().shape == (600, len(data))
    assert fit.posterior_epred(newdata=data.iloc[:4]).shape == (600, 4)
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])
