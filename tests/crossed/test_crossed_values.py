"""The crossed marginal form: several group-level IDs integrated out exactly.

The marginal log likelihood must equal the multivariate normal density of all rows,
``y ~ N(P beta, sum_k Z_k Sigma_k Z_k' + sigma^2 W^-1)`` (scipy, up to the weights'
constant), and the drawn effects must follow ``N(Q^-1 h, Q^-1)`` with
``Q = Sigma^-1 + Z'WZ / sigma^2`` over all IDs' effects together.
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
from brmsjax.backend.priors.resolve import resolve_priors
from tests.helpers import assembled_params, population_mu


def frame(n: int = 150, seed: int = 0) -> pd.DataFrame:
    """Crossed ``g`` (12 levels) x ``h`` (5), ``k`` (3); ``school`` (6) / ``class`` (4 each)."""
    rng = np.random.default_rng(seed)
    out = pd.DataFrame({f"x{k}": rng.normal(size=n) + k for k in range(1, 4)})
    out["g"] = [f"g{k:02d}" for k in rng.integers(0, 12, n)]
    out["h"] = [f"h{k}" for k in rng.integers(0, 5, n)]
    out["k"] = [f"k{k}" for k in rng.integers(0, 3, n)]
    out["school"] = [f"s{k}" for k in rng.integers(0, 6, n)]
    out["class"] = [f"c{k}" for k in rng.integers(0, 4, n)]
    out["w"] = rng.uniform(0.3, 2.0, n)
    out["o"] = rng.normal(size=n)
    out["y"] = 10.0 + 2.0 * out["x1"] + rng.normal(size=n) * 2
    return out


def lowered(formula: str, data: pd.DataFrame, likelihood: str = "marginal") -> LoweredModel:
    fam = get_family("gaussian")
    design = design_for(formula, data, fam)
    return lower(design, fam, resolve_priors(design, fam, []), likelihood=likelihood)


CASES = {  # formula, per ID: (sd, correlation or None)
    "crossed (1 | g) + (1 | h)": ("y ~ x1 + (1 | g) + (1 | h)", [([2.5], None), ([0.8], None)]),
    "three crossed": (
        "y ~ x1 + x2 + (1 | g) + (1 | h) + (1 | k)",
        [([2.5], None), ([0.8], None), ([1.7], None)],
    ),
    "nested (1 | school/class)": ("y ~ x1 + (1 | school/class)", [([1.5], None), ([0.6], None)]),
    "nested as school + school:class": (
        "y ~ x1 + (1 | school) + (1 | school:class)",
        [([1.5], None), ([0.6], None)],
    ),
    "correlated slopes on both": (
        "y ~ x1 + (1 + x1 | g) + (1 + x2 | h)",
        [([2.0, 0.5], 0.4), ([0.9, 0.3], -0.5)],
    ),
    "correlated small ID, intercept large": (
        "y ~ x1 + (1 | g) + (1 + x1 + x2 | h)",
        [([2.0], None), ([0.9, 0.3, 0.2], 0.3)],
    ),
    "uncorrelated slopes": (
        "y ~ x1 + (1 + x1 || g) + (1 | h)",
        [([2.0, 0.5], None), ([1.1], None)],
    ),
    "weights, offset, no intercept": (
        "y | weights(w) ~ 0 + x1 + offset(o) + (1 | g) + (1 + x2 | h)",
        [([1.5], None), ([0.8, 0.4], -0.6)],
    ),
    "tiny sd": ("y ~ x1 + (1 | g) + (1 | h)", [([1e-6], None), ([1e-7], None)]),
}


def _cov(sd: list[float], rho: float | None) -> np.ndarray:
    M = len(sd)
    corr = np.eye(M) if rho is None else np.full((M, M), rho) + (1 - rho) * np.eye(M)
    return np.diag(sd) @ corr @ np.diag(sd)


def _values(
    model: LoweredModel, per_id: list[tuple[list[float], float | None]], rng: np.random.Generator
) -> dict[str, Any]:
    values: dict[str, Any] = {"sigma": 1.3}
    for g, (sd, rho) in zip(model.structure.groups, per_id, strict=True):
        values[f"sd_{g.id}"] = np.array(sd)
        if g.cor:
            values[f"L_{g.id}"] = np.linalg.cholesky(_cov(sd, rho) / np.outer(sd, sd))
    fp = model.structure.fixed[0]
    if fp.center:
        values["Intercept"] = 9.0
    if fp.n_b:
        values["b"] = rng.normal(size=fp.n_b)
    return values


def _dense(model: LoweredModel, values: dict[str, Any], per_id: list) -> tuple[Any, ...]:
    """``(y - mu, Z, Sigma_u, w)``: the stacked design and block-diagonal prior covariance."""
    data = model.data
    y = np.asarray(data["y"], dtype=float)
    mu = population_mu(model, values)
    Zs, covs = [], []
    for g, (sd, rho) in zip(model.structure.groups, per_id, strict=True):
        J, Z = np.asarray(data["J"][str(g.id)]), np.asarray(data["Z"][str(g.id)])
        Zk = np.zeros((len(y), g.n_levels * g.M))
        for m in range(g.M):
            Zk[np.arange(len(y)), J * g.M + m] = Z[:, m]
        Zs.append(Zk)
        covs.append(np.kron(np.eye(g.n_levels), _cov(sd, rho)))
    Zall = np.hstack(Zs)
    Sig = np.zeros((Zall.shape[1],) * 2)
    o = 0
    for c in covs:
        Sig[o : o + len(c), o : o + len(c)] = c
        o += len(c)
    w = np.asarray(data["addition"].get("weights", np.ones_like(y)), dtype=float)
    return y - mu, Zall, Sig, w


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_crossed_log_lik_is_the_mvn_density_of_all_rows(case: str) -> None:
    formula, per_id = CASES[case]
    model = lowered(formula, frame())
    assert model.forms["likelihood"] == "marginal"
    assert len(model.structure.groups) >= 2
    values = _values(model, per_id, np.random.default_rng(1))
    with jax.enable_x64(True):
        ll = float(
            jax.jit(model.program.log_lik)(assembled_params(model, values), model.model_args[0])
        )
    e, Z, Sig, w = _dense(model, values, per_id)
    var = values["sigma"] ** 2
    ref = stats.multivariate_normal(np.zeros(len(e)), Z @ Sig @ Z.T + var * np.diag(1 / w)).logpdf(
        e
    )
    # prod_i N(y_i | eta_i, sigma)^w_i = c * N(y | eta, sigma^2 W^-1)
    ref += np.sum(-0.5 * w * np.log(2 * np.pi * var) + 0.5 * np.log(2 * np.pi * var / w))
    assert ll == pytest.approx(ref, rel=1e-10, abs=1e-8)


@pytest.mark.parametrize(
    "case", ["three crossed", "correlated slopes on both", "weights, offset, no intercept"]
)
def test_crossed_effects_follow_their_exact_conditional(case: str) -> None:
    formula, per_id = CASES[case]
    model = lowered(formula, frame(n=60))
    values = _values(model, per_id, np.random.default_rng(2))
    data = model.model_args[0]
    gs = model.structure.groups
    with jax.enable_x64(True):
        params = assembled_params(model, values)

        def draw(k: jax.Array) -> jax.Array:
            r = model.program.group_effects(params, data, k)
            return jnp.concatenate([r[g.id].ravel() for g in gs])

        draws = np.asarray(jax.jit(jax.vmap(draw))(jax.random.split(jax.random.key(3), 4000)))
    e, Z, Sig, w = _dense(model, values, per_id)
    var = values["sigma"] ** 2
    Q = np.linalg.inv(Sig) + Z.T @ (w[:, None] * Z) / var
    cov = np.linalg.inv(Q)
    mean = cov @ (Z.T @ (w * e)) / var
    sd = np.sqrt(np.diag(cov))
    # 4000 draws: the mean within 5 standard errors, the sd within 6%, a covariance too
    assert np.all(np.abs(draws.mean(0) - mean) < 5 * sd / np.sqrt(4000))
    np.testing.assert_allclose(draws.std(0), sd, rtol=0.07)
    emp = np.cov(draws.T)
    np.testing.assert_allclose(emp[0, -1], cov[0, -1], atol=0.06 * sd[0] * sd[-1] + 1e-12)


@pytest.mark.parametrize(
    "case", ["three crossed", "correlated slopes on both", "nested (1 | school/class)"]
)
def test_crossed_gradient_is_the_dense_mvn_gradient(case: str) -> None:
    """The analytic gradient of the dense Schur part (and autodiff of the rest) against
    autodiff of the dense multivariate normal log density, in every ``A_k``, ``beta`` and
    ``sigma``."""
    from brmsjax.backend.model.crossed.loglik import crossed_log_lik

    formula, per_id = CASES[case]
    model = lowered(formula, frame(n=60))
    values = _values(model, per_id, np.random.default_rng(4))
    gs = model.structure.groups
    sizes = [(g.n_levels, g.M) for g in gs]
    e, Z, _, w = _dense(model, values, per_id)
    data = model.model_args[0]
    fp = model.structure.fixed[0]
    P = np.asarray(data["X"][""])
    P = np.column_stack([np.ones(len(e)), P]) if fp.center else P
    beta = np.r_[[values["Intercept"]] if fp.center else [], values.get("b", [])]
    y = e + P @ beta
    rng = np.random.default_rng(5)
    As = [np.tril(rng.normal(size=(m, m))) + 2 * np.eye(m) for _, m in sizes]

    def dense(beta: Any, As: Any, sigma: Any) -> Any:
        blocks = [jnp.kron(jnp.eye(n), A @ A.T) for (n, _), A in zip(sizes, As, strict=True)]
        q = sum(b.shape[0] for b in blocks)
        Sig = jnp.zeros((q, q))
        o = 0
        for b in blocks:
            Sig = Sig.at[o : o + b.shape[0], o : o + b.shape[0]].set(b)
            o += b.shape[0]
        cov = Z @ Sig @ Z.T + sigma**2 * jnp.diag(1 / w)
        r = y - P @ beta
        sign, logdet = jnp.linalg.slogdet(cov)
        extra = jnp.sum(-0.5 * w * jnp.log(2 * jnp.pi * sigma**2) + 0.5 * jnp.log(sigma**2 / w))
        return -0.5 * (logdet + r @ jnp.linalg.solve(cov, r)) + extra

    def crossed(beta: Any, As: Any, sigma: Any) -> Any:
        return crossed_log_lik(beta, As, sigma, data["suff"], sizes)

    with jax.enable_x64(True):
        args = (jnp.asarray(beta), [jnp.asarray(A) for A in As], jnp.asarray(1.3))
        got = jax.grad(crossed, argnums=(0, 1, 2))(*args)
        ref = jax.grad(dense, argnums=(0, 1, 2))(*args)
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(ref), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-7, atol=1e-8)
