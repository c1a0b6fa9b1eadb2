"""The sampler's first inverse mass matrix from the curvature at the posterior mode.

References: the inverse of JAX's own Hessian (forward over reverse autodiff) of the potential at
the mode SciPy finds, and the exact Hessian diagonal; the search's failures fall back to the
identity.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
import scipy.optimize

from brmsjax.api import design_for
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.infer import metric_init
from brmsjax.backend.infer.inits import init_centre
from brmsjax.backend.infer.nuts import sample
from brmsjax.backend.model.lower import LoweredModel, lower
from brmsjax.backend.priors.resolve import resolve_priors


def frame(n: int = 300, levels: int = 12, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = np.arange(n) % levels
    x = rng.normal(2.0, 1.5, n)
    r = rng.normal(0.0, [0.8, 0.3], (levels, 2))
    eta = 1.0 + r[g, 0] + (0.5 + r[g, 1]) * x
    return pd.DataFrame(
        {
            "y": eta + rng.normal(0.0, 0.7, n),
            "yb": (rng.uniform(size=n) < 1 / (1 + np.exp(-(eta - 2.0)))).astype(float),
            "x": x,
            "g": [f"g{k:02d}" for k in g],
            "h": [f"h{k}" for k in rng.integers(0, 7, n)],
        }
    )


def lowered(
    formula: str, family: str = "gaussian", levels: int = 12, **options: Any
) -> LoweredModel:
    fam = get_family(family)
    design = design_for(formula, frame(levels=levels), fam)
    priors = resolve_priors(design, fam, None)
    sample_prior = options.pop("sample_prior", "no")
    return lower(design, fam, priors, sample_prior=sample_prior, **options)


@pytest.fixture(autouse=True)
def _float64() -> Any:
    with jax.enable_x64(True):
        yield


def _args(model: LoweredModel) -> tuple[Any, Any, np.ndarray]:
    data = jax.device_put(model.data)
    prior_args = jax.jit(model.program.prepare)(jax.device_put(model.prior_args))
    return data, prior_args, init_centre(model)


def _mode(model: LoweredModel, data: Any, prior_args: Any, start: np.ndarray) -> np.ndarray:
    value_and_grad = jax.jit(
        jax.value_and_grad(lambda u: model.program.potential(u, data, prior_args))
    )
    found = scipy.optimize.minimize(
        lambda u: tuple(np.asarray(a, float) for a in value_and_grad(u)),
        start,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 1000, "gtol": 1e-10, "ftol": 1e-15},
    )
    return found.x


def _hessian(model: LoweredModel, data: Any, prior_args: Any, u: np.ndarray) -> np.ndarray:
    hessian = jax.jit(jax.hessian(lambda v: model.program.potential(v, data, prior_args)))
    return np.asarray(hessian(jnp.asarray(u)))


CASES = {
    # name: (formula, family, lower options); every one has a dense metric (<= 64 coordinates)
    "linear": ("y ~ x", "gaussian", {}),
    "varying slopes, joint": ("y ~ x + (1 + x | g)", "gaussian", {"marginalize": False}),
    "varying intercepts, bernoulli": ("yb ~ x + (1 | g)", "bernoulli", {}),
    "varying intercepts, centred": (
        "y ~ x + (1 | g)",
        "gaussian",
        {"marginalize": False, "centred": 99},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_dense_metric_is_the_inverse_hessian_at_the_mode(case: str) -> None:
    formula, family, options = CASES[case]
    model = lowered(formula, family, **options)
    data, prior_args, start = _args(model)
    found = metric_init.laplace_inverse_mass(model, data, prior_args, start, dense=True)
    assert found is not None
    assert np.all(np.linalg.eigvalsh(found) > 0)
    value_and_grad = metric_init.value_and_grad_fn(model, data, prior_args, start, None)
    mode = metric_init.posterior_mode(value_and_grad, start)
    assert mode is not None
    # The search's mode is the tightly converged one to a small fraction of a posterior sd ...
    expected = np.linalg.inv(_hessian(model, data, prior_args, mode))
    sd = np.sqrt(np.diag(expected))
    np.testing.assert_allclose(mode / sd, _mode(model, data, prior_args, start) / sd, atol=0.05)
    # ... and the matrix is the inverse of autodiff's Hessian there (central differences).
    np.testing.assert_allclose(found / np.outer(sd, sd), expected / np.outer(sd, sd), atol=1e-5)


def test_diagonal_metric_is_the_reciprocal_hessian_diagonal() -> None:
    model = lowered("yb ~ x + (1 + x | g) + (1 | h)", "bernoulli", levels=50)
    data, prior_args, start = _args(model)
    found = metric_init.laplace_inverse_mass(model, data, prior_args, start, dense=False)
    assert found is not None and found.shape == (model.program.dim,)
    mode = _mode(model, data, prior_args, start)
    exact = 1.0 / np.diag(_hessian(model, data, prior_args, mode))
    # Exact (one product per coefficient of each group term, one per other coordinate) up to
    # the precision of the mode and of the central differences.
    np.testing.assert_allclose(found, exact, rtol=0.02)


def test_no_mode_gives_none() -> None:
    # Prior only with brms's flat prior on b: the potential is flat along b_x.
    model = lowered("y ~ x", "gaussian", sample_prior="only")
    data, prior_args, start = _args(model)
    assert metric_init.laplace_inverse_mass(model, data, prior_args, start, dense=True) is None


def test_search_stopped_at_its_limit_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    model = lowered("y ~ x", "gaussian")
    data, prior_args, start = _args(model)
    monkeypatch.setattr(metric_init, "MODE_MAXITER", 1)
    assert metric_init.laplace_inverse_mass(model, data, prior_args, start, dense=True) is None


def test_non_finite_start_gives_none() -> None:
    model = lowered("y ~ x", "gaussian")
    data, prior_args, start = _args(model)
    start = np.full_like(start, np.nan)
    assert metric_init.laplace_inverse_mass(model, data, prior_args, start, dense=True) is None


@pytest.mark.parametrize(
    ("formula", "family", "sample_prior", "metric"),
    [
        ("y ~ x + (1 + x | g)", "gaussian", "no", "laplace"),
        ("yb ~ x", "bernoulli", "no", "laplace"),
        # Sampled group coordinates: their joint mode misleads, the identity is kept.
        ("yb ~ x + (1 | g)", "bernoulli", "no", "identity"),
        ("y ~ x", "gaussian", "only", "identity"),
    ],
)
def test_sampler_records_where_its_metric_started(
    formula: str, family: str, sample_prior: str, metric: str
) -> None:
    model = lowered(formula, family, sample_prior=sample_prior)
    result = sample(model, chains=2, iter=200, seed=7)
    assert result.metric == metric
    assert result.seconds["metric"] >= 0.0
    assert np.all(np.isfinite(result.samples["lp__"]))
