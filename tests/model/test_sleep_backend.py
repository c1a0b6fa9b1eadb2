"""Acceptance: the sleepstudy fits agree with real brms 2.18 fits (issue 3).

With 4 chains x (1000 warmup + 1000 draws), every parameter of the reference (``r_`` effects and
``lprior`` included, ``lp__`` excluded) has ``|mean - brms mean| <= 0.1 brms sd`` and an sd within
10% of brms's (15% for ``r_``), in float64 and in float32 (``brm(float32=True)``, the GPU path).
A fast test pins the float32 log density and gradient to float64's.
"""

from __future__ import annotations

import json
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import optimize

from brmsjax.backend.families.registry import gaussian
from brmsjax.backend.infer.draws import to_draws
from brmsjax.backend.infer.inits import cast_floats, init_centre
from brmsjax.backend.infer.nuts import sample
from brmsjax.backend.model import forms
from brmsjax.backend.model.lower import LoweredModel, lower
from tests.model.test_lower import FIXTURES, default_priors, sleep_design

CASES = {
    "sleep_rs": ("sleep_rs", False, 2026),
    "sleep_uncorr": ("sleep_uncorr", False, 2027),
    "sleep_rs float32": ("sleep_rs", True, 2028),
}
# Largest |mean - brms mean| / brms sd allowed. float32 was once held to 0.15 (four float32 fits
# put b_Days 0.05-0.12 sd off, one float64 fit 0.044); over many seeds float32 and float64 agree
# (b_Days +0.041 in both, the brms reference's own Monte Carlo error being 0.017 sd):
# benchmarks/RESULTS.md, "float32 and the sleepstudy b_Days offset".
MAX_BIAS = 0.1


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_posterior_matches_brms(case: str) -> None:
    name, float32, seed = CASES[case]
    design = sleep_design(name)
    lowered = lower(design, gaussian(), default_priors(design))
    result = sample(lowered, chains=4, iter=2000, seed=seed, float32=float32)
    draws, stats = to_draws(result, lowered)
    reference = json.loads((FIXTURES / f"{name}.json").read_text())["summary"]
    expected = [r["variable"] for r in reference]
    assert list(draws.columns[:-3]) == expected
    assert stats["divergent__"].sum() <= 4
    failures = []
    for row in reference:
        var = row["variable"]
        if var == "lp__":
            continue
        x = draws[var].to_numpy()
        bias = abs(x.mean() - row["mean"]) / row["sd"]
        spread = abs(x.std(ddof=1) / row["sd"] - 1)
        if bias > MAX_BIAS or spread > (0.15 if var.startswith("r_") else 0.10):
            failures.append(f"{var}: mean off by {bias:.3f} sd, sd off by {spread:.1%}")
    assert failures == []
    assert np.isfinite(draws["lp__"]).all()


def _value_and_grad(model: LoweredModel, float32: bool) -> Any:
    """The potential and its gradient at ``u`` (a float64 array), computed as NUTS does in
    float32 (data and prior values cast by :func:`cast_floats`) or in float64."""
    prog, ftype = model.program, np.float32 if float32 else np.float64
    with jax.enable_x64(not float32):
        data = cast_floats(model.data, float32)
        prior_args = prog.prepare(cast_floats(model.prior_args, float32))
        fn = jax.jit(jax.value_and_grad(lambda u: prog.potential(u, data, prior_args)))

    def call(u: np.ndarray) -> tuple[float, np.ndarray]:
        with jax.enable_x64(not float32):
            value, grad = fn(jnp.asarray(u, ftype))
            return float(value), np.asarray(grad, dtype=np.float64)

    return call


#: Largest float32 error allowed: of the potential, and of its gradient times each coordinate's
#: posterior sd (a gradient error ``e`` moves a gaussian posterior's mean by about ``e`` sd).
#: This model's statistics-and-reference-point form keeps both near 1e-4; the same form expanded
#: around ``beta = 0`` (the cancellation of ``y'y - 2 y'P beta + beta'P'P beta`` in float32) has
#: the potential 2.7e-3 off.
F32_VALUE_TOL = 1e-3
F32_GRAD_TOL = 1e-3


@pytest.mark.parametrize("reference", ["least squares", "zero"])
def test_float32_log_density_and_gradient_match_float64(
    reference: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The float32 potential and gradient of the sleepstudy model (marginal form, what
    ``brm(float32=True)`` samples) equal float64's at the mode and at four Laplace draws; with
    the host reference point at ``beta = 0`` the value's cancellation is caught."""
    if reference == "zero":
        monkeypatch.setattr(forms, "_float32_grid", lambda x: np.zeros(np.shape(x)))
    design = sleep_design("sleep_rs")
    model = lower(design, gaussian(), default_priors(design))
    assert model.forms["likelihood"] == "marginal"
    f64, f32 = _value_and_grad(model, False), _value_and_grad(model, True)
    mode = optimize.minimize(f64, init_centre(model), jac=True, method="BFGS").x
    prog = model.program
    with jax.enable_x64(True):
        prior_args = prog.prepare(model.prior_args)
        hess = jax.jit(jax.hessian(lambda u: prog.potential(u, model.data, prior_args)))(mode)
    cov = np.linalg.inv(np.asarray(hess))
    sd, chol = np.sqrt(np.diag(cov)), np.linalg.cholesky(cov)
    rng = np.random.default_rng(0)
    points = [mode] + [mode + chol @ rng.normal(size=prog.dim) for _ in range(4)]
    value_err, grad_err = 0.0, 0.0
    for u in points:
        (v64, g64), (v32, g32) = f64(u), f32(u)
        value_err = max(value_err, abs(v32 - v64))
        grad_err = max(grad_err, float(np.max(np.abs(g32 - g64) * sd)))
    if reference == "zero":
        assert value_err > F32_VALUE_TOL
    else:
        assert value_err <= F32_VALUE_TOL
        assert grad_err <= F32_GRAD_TOL
