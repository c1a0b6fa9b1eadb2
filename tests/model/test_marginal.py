"""The marginal form: group effects integrated out exactly, and drawn from their conditional.

The marginal log likelihood must equal the multivariate normal density of each level's rows,
``y_j ~ N(P_j beta, Z_j Sigma Z_j' + sigma^2 W_j^-1)`` (scipy, up to the weights' constant),
and the drawn effects must follow ``N(Q^-1 h, Q^-1)`` with ``Q = Sigma^-1 + Z'WZ / sigma^2``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from brmsjax.api import design_for
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.model.lower import LoweredModel, lower
from brmsjax.backend.model.marginal import UNROLL_MAX
from brmsjax.backend.priors.resolve import resolve_priors
from tests.helpers import assembled_params, population_mu


def frame(n: int = 240, levels: int = 15, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, levels, n)
    g[:levels] = np.arange(levels)
    out = pd.DataFrame({f"x{k}": rng.normal(size=n) + k for k in range(1, 10)})
    out["g"] = [f"L{k:02d}" for k in g]
    out["w"] = rng.uniform(0.3, 2.0, n)
    out["o"] = rng.normal(size=n)
    out["y"] = 50.0 + 2.0 * out["x1"] + rng.normal(size=levels)[g] * 3 + rng.normal(size=n)
    return out


def lowered(formula: str, data: pd.DataFrame) -> LoweredModel:
    fam = get_family("gaussian")
    design = design_for(formula, data, fam)
    return lower(design, fam, resolve_priors(design, fam, []), likelihood="marginal")


CASES = {  # formula, sd, correlation (for a correlated term)
    "(1 | g)": ("y ~ x1 + (1 | g)", [2.5], None),
    "(1 + x1 | g)": ("y ~ x1 + x2 + (1 + x1 | g)", [2.5, 0.7], 0.4),
    "(1 + x1 || g)": ("y ~ x1 + (1 + x1 || g)", [2.5, 0.7], None),
    "(0 + x1 | g)": ("y ~ x1 + (0 + x1 | g)", [0.9], None),
    "weights and offset": ("y | weights(w) ~ x1 + offset(o) + (1 + x2 | g)", [1.5, 0.3], -0.6),
    "no intercept": ("y ~ 0 + x1 + (1 + x1 | g)", [2.0, 0.5], 0.2),
    "tiny sd": ("y ~ x1 + (1 + x1 | g)", [1e-6, 1e-7], 0.3),
    "four coefficients": ("y ~ x1 + (x1 + x2 + x3 | g)", [2.0, 0.5, 0.4, 0.3], 0.25),
    f"{UNROLL_MAX + 1} coefficients (batched Cholesky)": (
        "y ~ x1 + (" + " + ".join(f"x{k}" for k in range(1, UNROLL_MAX + 1)) + " | g)",
        [2.0] + [0.3] * UNROLL_MAX,
        0.1,
    ),
}


def _values(
    model: LoweredModel, sd: list[float], rho: float | None, rng: np.random.Generator
) -> tuple[dict[str, Any], np.ndarray]:
    """Site values for given group parameters, and the covariance ``Sigma`` they mean."""
    M = len(sd)
    corr = np.eye(M) if rho is None else np.full((M, M), rho) + (1 - rho) * np.eye(M)
    sigma_mat = np.diag(sd) @ corr @ np.diag(sd)
    values: dict[str, Any] = {"sigma": 1.3, "sd_1": np.array(sd)}
    if model.structure.groups[0].cor:
        values["L_1"] = np.linalg.cholesky(corr)
    if model.structure.fixed[0].center:
        values["Intercept"] = 49.0
    n_b = model.structure.fixed[0].n_b
    if n_b:
        values["b"] = rng.normal(size=n_b)
    return values, sigma_mat


def _reference(model: LoweredModel, values: dict[str, Any], sigma_mat: np.ndarray) -> float:
    """Sum over levels of the MVN log density of the rows, weighted as brms weights rows."""
    data = model.data
    y = np.asarray(data["y"], dtype=float)
    mu = population_mu(model, values)
    w = np.asarray(data["addition"].get("weights", np.ones_like(y)))
    J, Z = np.asarray(data["J"]["1"]), np.asarray(data["Z"]["1"])
    sigma = values["sigma"]
    total = 0.0
    for j in np.unique(J):
        i = J == j
        # prod_i N(y_i | eta_i, sigma)^w_i = c * N(y | eta, sigma^2 W^-1), with
        # log c = sum_i [w_i (-log(2 pi sigma^2) / 2) + (log(2 pi sigma^2 / w_i)) / 2]
        cov = Z[i] @ sigma_mat @ Z[i].T + sigma**2 * np.diag(1.0 / w[i])
        total += stats.multivariate_normal(mu[i], cov).logpdf(y[i])
        total += np.sum(
            -0.5 * w[i] * np.log(2 * np.pi * sigma**2) + 0.5 * np.log(2 * np.pi * sigma**2 / w[i])
        )
    return float(total)


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_marginal_log_lik_is_the_mvn_density_of_each_level(case: str) -> None:
    formula, sd, rho = CASES[case]
    model = lowered(formula, frame())
    assert model.forms["likelihood"] == "marginal"
    values, sigma_mat = _values(model, sd, rho, np.random.default_rng(1))
    with jax.enable_x64(True):
        ll = float(model.program.log_lik(assembled_params(model, values), model.model_args[0]))
    assert ll == pytest.approx(_reference(model, values, sigma_mat), rel=1e-9, abs=1e-8)


@pytest.mark.parametrize(
    "case",
    [
        "(1 + x1 | g)",
        "weights and offset",
        "four coefficients",
        f"{UNROLL_MAX + 1} coefficients (batched Cholesky)",
    ],
)
def test_group_effects_follow_their_exact_conditional(case: str) -> None:
    formula, sd, rho = CASES[case]
    model = lowered(formula, frame(levels=6))
    values, sigma_mat = _values(model, sd, rho, np.random.default_rng(2))
    data = model.model_args[0]
    with jax.enable_x64(True):
        params = assembled_params(model, values)
        keys = jax.random.split(jax.random.key(3), 4000)
        draws = np.asarray(
            jax.jit(jax.vmap(lambda k: model.program.group_effects(params, data, k)[1]))(keys)
        )
    # closed form: Q = Sigma^-1 + Z'WZ / sigma^2, mean Q^-1 Z'W (y - mu) / sigma^2
    y = np.asarray(model.data["y"], dtype=float)
    fp = model.structure.fixed[0]
    mu = np.asarray(model.data["X"][""]) @ values["b"] if fp.n_b else np.zeros_like(y)
    if fp.center:
        mu = mu + values["Intercept"]
    if fp.offset:
        mu = mu + np.asarray(model.data["offset"][""])
    w = np.asarray(model.data["addition"].get("weights", np.ones_like(y)))
    J, Z = np.asarray(model.data["J"]["1"]), np.asarray(model.data["Z"]["1"])
    s2 = values["sigma"] ** 2
    for j in range(draws.shape[1]):
        i = J == j
        Q = np.linalg.inv(sigma_mat) + (Z[i].T * w[i]) @ Z[i] / s2
        cov = np.linalg.inv(Q)
        mean = cov @ ((Z[i].T * w[i]) @ (y[i] - mu[i])) / s2
        se = np.sqrt(np.diag(cov) / draws.shape[0])
        np.testing.assert_array_less(np.abs(draws[:, j].mean(0) - mean), 5 * se)
        emp = np.cov(draws[:, j].T).reshape(cov.shape)
        np.testing.assert_allclose(np.diag(emp), np.diag(cov), rtol=0.12)


def test_derive_needs_a_key_in_the_marginal_form() -> None:
    model = lowered("y ~ x1 + (1 | g)", frame())
    values, _ = _values(model, [2.0], None, np.random.default_rng(0))
    with pytest.raises(ValueError, match="pass a random key"):
        model.program.group_effects(assembled_params(model, values), model.model_args[0])


@pytest.mark.parametrize(
    "case", ["(1 | g)", "(1 + x1 | g)", "weights and offset", "four coefficients"]
)
def test_analytic_gradient_equals_autodiff_through_lapack(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unrolled factorization's hand-written gradient against JAX's autodiff of
    ``jnp.linalg.cholesky`` and triangular solves (the path for large ``M``)."""
    from brmsjax.backend.model import marginal

    formula, sd, rho = CASES[case]
    model = lowered(formula, frame())
    values, _ = _values(model, sd, rho, np.random.default_rng(4))
    data = model.model_args[0]
    suff = {k: jnp.asarray(v) for k, v in data["suff"].items()}
    M = len(sd)
    with jax.enable_x64(True):
        params = assembled_params(model, values)
        from brmsjax.backend.model.forms import population_beta

        beta, sigma = population_beta(model.structure, params, data)
        A = jnp.asarray(np.linalg.cholesky(_values(model, sd, rho, np.random.default_rng(4))[1]))
        A = A + 0.1 * jnp.tril(jnp.ones((M, M)))
        args = (beta, A, sigma)

        def f(b: Any, a: Any, s: Any) -> Any:
            return marginal.marginal_log_lik(b, a, s, suff)

        value, ours = float(f(*args)), jax.grad(f, argnums=(0, 1, 2))(*args)
        monkeypatch.setattr(marginal, "UNROLL_MAX", 0)
        ref = jax.grad(f, argnums=(0, 1, 2))(*args)
        assert value == pytest.approx(float(f(*args)), rel=1e-12)
    for a, b in zip(ours, ref, strict=True):
        np.testing.assert_allclose(
            np.asarray(a),
            np.asarray(b),
            rtol=1e-9,
            atol=1e-9 * float(np.max(np.abs(np.asarray(b)))),
        )
