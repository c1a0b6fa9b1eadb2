"""The dense Schur complement's blocked factorization (backend/model/crossed/dense.py).

The blocked Gauss-Jordan elimination must give numpy's inverse and log determinant, the
effects' draw its exact mean and covariance, and the crossed log likelihood and its gradient
must stay the dense multivariate normal's when the blocked path runs: forced on the small
designs of test_crossed_values.py, and by default on a design whose dense IDs hold more than
``BLOCK_MIN`` effects.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from brmsjax.backend.model.crossed import dense
from brmsjax.backend.model.crossed.loglik import crossed_log_lik
from tests.crossed.test_crossed_values import CASES, _dense, _values, frame, lowered
from tests.helpers import assembled_params


def spd(n: int, seed: int = 0) -> np.ndarray:
    """A symmetric positive definite matrix with a spread of eigenvalues."""
    A = np.random.default_rng(seed).normal(size=(n, n))
    return A @ A.T / n + np.diag(np.linspace(0.1, 5.0, n))


@pytest.mark.parametrize(("n", "block"), [(1, 1), (5, 2), (7, 3), (12, 4), (300, 192), (400, 64)])
def test_blocked_gauss_jordan_is_the_inverse_and_log_determinant(n: int, block: int) -> None:
    S = spd(n)
    with jax.enable_x64(True):
        Sinv, logdet = jax.jit(dense.blocked_gauss_jordan, static_argnums=1)(S, block)
    np.testing.assert_allclose(np.asarray(Sinv), np.linalg.inv(S), rtol=1e-10, atol=1e-12)
    assert float(logdet) == pytest.approx(np.linalg.slogdet(S)[1], rel=1e-12, abs=1e-10)


@pytest.mark.parametrize("n", [6, dense.BLOCK_MIN + 44])
def test_dense_draw_has_the_exact_mean_and_covariance(n: int) -> None:
    """``S^-1 g / var + C^-T eps`` is linear in ``eps``: its value at 0 is the mean and its
    Jacobian ``J`` has ``J J' = S^-1`` (both paths: the loops and LAPACK's factor)."""
    S = spd(n, seed=1)
    g = np.random.default_rng(2).normal(size=n)
    with jax.enable_x64(True):

        def draw(eps: jax.Array) -> jax.Array:
            return dense.dense_draw(jnp.asarray(S), jnp.asarray(g), jnp.asarray(1.7), eps)

        zero = jnp.zeros(n)
        mean, J = np.asarray(jax.jit(draw)(zero)), np.asarray(jax.jacfwd(draw)(zero))
    Sinv = np.linalg.inv(S)
    np.testing.assert_allclose(mean, Sinv @ g / 1.7, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(J @ J.T, Sinv, rtol=1e-9, atol=1e-12)


def _reference(model: Any, values: dict, per_id: list) -> float:
    e, Z, Sig, w = _dense(model, values, per_id)
    var = values["sigma"] ** 2
    cov = Z @ Sig @ Z.T + var * np.diag(1 / w)
    ref = stats.multivariate_normal(np.zeros(len(e)), cov).logpdf(e)
    return float(
        ref + np.sum(-0.5 * w * np.log(2 * np.pi * var) + 0.5 * np.log(2 * np.pi * var / w))
    )


def _crossed(model: Any, values: dict) -> float:
    data = model.model_args[0]
    with jax.enable_x64(True):
        return float(model.program.log_lik(assembled_params(model, values), data))


BLOCKED = ["three crossed", "correlated slopes on both", "weights, offset, no intercept"]


@pytest.mark.parametrize("case", BLOCKED)
def test_forced_blocked_path_keeps_the_mvn_density(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``BLOCK_MIN = 2`` and blocks of 3 pivots (padding the last block) every design's
    Schur complement takes the blocked elimination (evaluated eagerly: no cached trace)."""
    monkeypatch.setattr(dense, "BLOCK_MIN", 2)
    monkeypatch.setattr(dense, "BLOCK", 3)
    formula, per_id = CASES[case]
    model = lowered(formula, frame())
    values = _values(model, per_id, np.random.default_rng(1))
    assert _crossed(model, values) == pytest.approx(
        _reference(model, values, per_id), rel=1e-10, abs=1e-8
    )


def test_forced_blocked_path_keeps_the_gradient(monkeypatch: pytest.MonkeyPatch) -> None:
    """The analytic gradient of the dense part through the blocked inverse against autodiff
    of the rank-one loop's, in every ``A_k``, ``beta`` and ``sigma``."""
    formula, per_id = CASES["correlated slopes on both"]
    model = lowered(formula, frame(n=60))
    data = model.model_args[0]
    gs = model.structure.groups
    sizes = [(g.n_levels, g.M) for g in gs]
    rng = np.random.default_rng(5)
    As = [jnp.asarray(np.tril(rng.normal(size=(m, m))) + 2 * np.eye(m)) for _, m in sizes]

    def ll(beta: Any, As: Any, sigma: Any) -> Any:
        return crossed_log_lik(beta, As, sigma, data["suff"], sizes)

    with jax.enable_x64(True):
        args = (jnp.asarray([9.0, 0.4]), As, jnp.asarray(1.3))
        ref = jax.grad(ll, argnums=(0, 1, 2))(*args)
        monkeypatch.setattr(dense, "BLOCK_MIN", 2)
        monkeypatch.setattr(dense, "BLOCK", 4)
        got = jax.grad(ll, argnums=(0, 1, 2))(*args)
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(ref), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-9, atol=1e-10)


def big_frame(seed: int = 0) -> pd.DataFrame:
    """1,100 rows: ``g`` (420 levels, eliminated) crossed with ``h`` (280) and ``k`` (9):
    the dense block holds 289 > ``BLOCK_MIN`` effects, so the default blocked path runs."""
    rng = np.random.default_rng(seed)
    n = 1100
    out = pd.DataFrame({"x1": rng.normal(size=n)})
    out["g"] = [f"g{k:03d}" for k in np.r_[np.arange(420), rng.integers(0, 420, n - 420)]]
    out["h"] = [f"h{k:03d}" for k in np.r_[np.arange(280), rng.integers(0, 280, n - 280)]]
    out["k"] = [f"k{k}" for k in rng.integers(0, 9, n)]
    out["w"] = rng.uniform(0.5, 2.0, n)
    out["y"] = 3.0 + out["x1"] + rng.normal(size=n)
    return out


@pytest.mark.parametrize(
    ("formula", "per_id"),
    [
        ("y ~ x1 + (1 | g) + (1 | h) + (1 | k)", [([0.7], None), ([1.2], None), ([0.4], None)]),
        ("y | weights(w) ~ x1 + (1 | g) + (1 | h)", [([0.9], None), ([0.5], None)]),
    ],
    ids=["three crossed intercepts", "weights"],
)
def test_large_dense_block_is_the_mvn_density(formula: str, per_id: list) -> None:
    model = lowered(formula, big_frame())
    sizes = [g.n_levels * g.M for g in model.structure.groups]
    q2 = sum(sizes) - max(sizes)  # the effects besides the eliminated ID's
    assert model.forms["likelihood"] == "marginal"
    assert q2 > dense.BLOCK_MIN
    values = _values(model, per_id, np.random.default_rng(3))
    assert _crossed(model, values) == pytest.approx(
        _reference(model, values, per_id), rel=1e-10, abs=1e-8
    )
