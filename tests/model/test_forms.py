"""Likelihood forms: every form gives the plain form's log density, and the choice is as documented.

The suffstat form (gaussian sufficient statistics around a host reference point) and the
one-hot / sorted group gathers must give the same potential and gradient as brms's per-row
form to 1e-9 (float64) at random points; :func:`choose_likelihood` must pick the suffstat
form exactly where :mod:`brmsjax.backend.model.forms` says it does.
"""

from __future__ import annotations

import re
import warnings
from functools import partial
from typing import Any

import jax
import numpy as np
import pandas as pd
import pytest

from brmsjax.api import design_for
from brmsjax.backend.cache import ONE_OFF_OPTIONS
from brmsjax.backend.families.registry import Family, gaussian, get_family
from brmsjax.backend.infer.inits import cast_floats
from brmsjax.backend.model import forms
from brmsjax.backend.model.lower import LoweredModel, lower
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.formula.errors import ModelError

fast_jit = partial(jax.jit, compiler_options=ONE_OFF_OPTIONS)
_GRADS: dict[Any, Any] = {}


def frame(n: int, levels: int = 12, seed: int = 0, sort: bool = False) -> pd.DataFrame:
    """Simulated data: y with a large mean, five covariates, weights, offsets, two factors."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, levels, n)
    g[:levels] = np.arange(levels)
    if sort:
        g = np.sort(g)
    x = rng.normal(size=(n, 5)) + [0.0, 1.0, 2.0, -1.0, 0.5]
    r = rng.normal(size=(levels, 2))
    y = 500.0 + x @ [1.0, -0.5, 0.25, 0.0, 2.0] + r[g, 0] + r[g, 1] * x[:, 0]
    out = pd.DataFrame({f"x{k + 1}": x[:, k] for k in range(5)})
    out["x"] = out["x1"]
    out["g"] = [f"L{k:03d}" for k in g]
    out["h"] = [f"H{k}" for k in rng.integers(0, 4, n)]
    out["w"] = rng.uniform(0.2, 3.0, n)
    out["o"] = rng.normal(size=n)
    out["y"] = y + rng.normal(size=n) * 2.0
    out["c"] = (rng.uniform(size=n) < 0.1).astype(int)
    return out


def lowered(
    formula: str, data: pd.DataFrame, family: str | Family = "gaussian", **kwargs: Any
) -> LoweredModel:
    fam = get_family(family)
    design = design_for(formula, data, fam)
    pri = resolve_priors(design, fam, [])
    return lower(design, fam, pri, **kwargs)


def value_and_grad(
    model: LoweredModel, u: np.ndarray, float32: bool = False
) -> tuple[float, np.ndarray]:
    with jax.enable_x64(not float32):
        args = cast_floats(model.model_args, float32)
        key = (model.program, float32)
        fn = _GRADS.get(key)
        if fn is None:
            fn = _GRADS[key] = fast_jit(jax.value_and_grad(model.program.potential))
        value, grad = fn(u.astype(np.float32 if float32 else np.float64), *args)
    return float(value), np.asarray(grad, dtype=float)


def assert_same_potential(a: LoweredModel, b: LoweredModel, rel: float) -> None:
    """Two forms of one model: the same potential and gradient at 3 random points (seed 7)."""
    rng = np.random.default_rng(7)
    for _ in range(3):
        u = rng.uniform(-1.5, 1.5, a.program.dim)
        v_a, g_a = value_and_grad(a, u)
        v_b, g_b = value_and_grad(b, u)
        assert v_b == pytest.approx(v_a, rel=rel)
        np.testing.assert_allclose(g_b, g_a, rtol=rel, atol=rel * np.max(np.abs(g_a)))


SUFF_MODELS = {
    "intercept only": ("y ~ 1", {}),
    "no intercept": ("y ~ 0 + x1 + x2 + (1 | g)", {}),
    "x1..x5 + (1 + x | g), QR": ("y ~ x1 + x2 + x3 + x4 + x5 + (1 + x | g)", {}),
    "(1 + x || g), brms coordinates": ("y ~ x2 + x3 + (1 + x || g)", {"reparam": False}),
    "weights": ("y | weights(w) ~ x + (1 + x | g)", {}),
    "offset": ("y ~ x + offset(o) + (1 | g)", {}),
    "fixed sigma": ("bf(y ~ x + (1 | g), sigma = 2)", {}),
}


@pytest.mark.parametrize("case", SUFF_MODELS, ids=list(SUFF_MODELS))
def test_suffstat_potential_and_gradient_equal_the_plain_form(case: str) -> None:
    formula, kwargs = SUFF_MODELS[case]
    data = frame(400)
    plain = lowered(formula, data, likelihood="plain", **kwargs)
    suff = lowered(formula, data, likelihood="suffstat", **kwargs)
    assert (plain.forms["likelihood"], suff.forms["likelihood"]) == ("plain", "suffstat")
    assert "suff" in suff.data and "suff" not in plain.data
    assert_same_potential(plain, suff, rel=1e-9)


def test_suffstat_log_lik_is_the_weighted_normal_log_density() -> None:
    from scipy import stats

    rng = np.random.default_rng(3)
    n, levels = 200, 7
    P = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    J = rng.integers(0, levels, n)
    Z = np.column_stack([np.ones(n), rng.normal(size=n)])
    y, w = rng.normal(size=n) + 40.0, rng.uniform(0.5, 2.0, n)
    suff = forms.suffstat_data(y, P, weights=w, J=J, Z=Z, n_levels=levels)
    beta, r, sigma = np.array([39.0, 0.3, -0.2]), rng.normal(size=(levels, 2)), 1.7
    mu = P @ beta + np.sum(r[J] * Z, axis=1)
    expected = np.sum(w * stats.norm.logpdf(y, mu, sigma))
    with jax.enable_x64(True):
        got = float(forms.suffstat_log_lik(beta, r, sigma, suff))
    assert got == pytest.approx(expected, rel=1e-12)


def test_suffstat_in_float32_keeps_the_float64_log_density() -> None:
    """Around the reference point the statistics do not cancel: float32 stays accurate."""
    data = frame(8000, levels=40)
    formula = "y ~ x1 + x2 + x3 + x4 + x5 + (1 + x | g)"
    plain = lowered(formula, data, likelihood="plain")
    suff = lowered(formula, data, likelihood="suffstat")
    rng = np.random.default_rng(11)
    u = rng.uniform(-0.3, 0.3, plain.program.dim)
    u[0] = 500.0  # the intercept near the data's mean: a log density of realistic size
    exact, g_exact = value_and_grad(plain, u)
    v32, g32 = value_and_grad(suff, u, float32=True)
    p32, gp32 = value_and_grad(plain, u, float32=True)
    assert abs(v32 - exact) <= 1e-5 * abs(exact)
    assert abs(v32 - exact) <= 4 * abs(p32 - exact) + 1e-6 * abs(exact)
    assert np.max(np.abs(g32 - g_exact)) <= 1e-4 * np.max(np.abs(g_exact))


@pytest.mark.parametrize("gather", ["onehot", "sorted", "index"])
def test_group_gathers_give_the_index_gather_potential(gather: str) -> None:
    data = frame(300, levels=6, sort=True)
    formula = "y ~ x + (1 + x | g)"
    index = lowered(formula, data, likelihood="plain", gather="index")
    other = lowered(formula, data, likelihood="plain", gather=gather)
    assert set(other.forms["gather"].values()) == {gather}
    assert other.program is not index.program or gather == "index"
    u = np.random.default_rng(5).uniform(-1.5, 1.5, index.program.dim)
    v_index, g_index = value_and_grad(index, u)
    v_other, g_other = value_and_grad(other, u)
    assert v_other == pytest.approx(v_index, rel=1e-12)
    np.testing.assert_allclose(g_other, g_index, rtol=1e-10, atol=1e-12 * np.max(np.abs(g_index)))


# (formula, family, rows, levels, sample_prior, expected form, expected without marginalize)
CHOICES = {
    "gaussian, no groups": ("y ~ x1 + x2", "gaussian", 3000, 12, "no", "suffstat", "suffstat"),
    "gaussian, (1 + x | g)": (
        "y ~ x + (1 + x | g)",
        "gaussian",
        3000,
        50,
        "no",
        "marginal",
        "suffstat",
    ),
    "weights and offset": (
        "y | weights(w) ~ x + offset(o) + (1 | g)",
        "gaussian",
        3000,
        50,
        "no",
        "marginal",
        "suffstat",
    ),
    "too few rows": ("y ~ x + (1 + x | g)", "gaussian", 1500, 12, "no", "marginal", "plain"),
    "few rows per level": (
        "y ~ x + (1 + x | g)",
        "gaussian",
        3000,
        1000,
        "no",
        "marginal",
        "plain",
    ),
    "two group IDs": ("y ~ x + (1 | g) + (1 | h)", "gaussian", 3000, 12, "no", "marginal", "plain"),
    "two group IDs, too few rows for the crossed form": (
        "y ~ x + (1 | g) + (1 | h)",
        "gaussian",
        1500,
        12,
        "no",
        "hybrid",
        "plain",
    ),
    "student": ("y ~ x + (1 | g)", "student", 3000, 12, "no", "plain", "plain"),
    "log link": ("y ~ x", "log", 3000, 12, "no", "plain", "plain"),
    "censoring": ("y | cens(c) ~ x", "gaussian", 3000, 12, "no", "plain", "plain"),
    "se": ("y | se(w) ~ x", "gaussian", 3000, 12, "no", "plain", "plain"),
    "sigma ~ x": ("bf(y ~ x, sigma ~ x2)", "gaussian", 3000, 12, "no", "plain", "plain"),
    "group term on sigma": (
        "bf(y ~ x, sigma ~ (1 | g))",
        "gaussian",
        3000,
        12,
        "no",
        "plain",
        "plain",
    ),
    "prior only": ("y ~ x + (1 | g)", "gaussian", 3000, 12, "only", "plain", "plain"),
}


@pytest.mark.parametrize("marginalize", [True, False])
@pytest.mark.parametrize("case", CHOICES, ids=list(CHOICES))
def test_automatic_likelihood_choice(case: str, marginalize: bool) -> None:
    formula, family, rows, levels, sample_prior, *forms_ = CHOICES[case]
    expected = forms_[0] if marginalize else forms_[1]
    data = frame(rows, levels=levels)
    fam = gaussian(link="log") if family == "log" else get_family(family)
    model = lowered(formula, data, fam, sample_prior=sample_prior, marginalize=marginalize)
    assert model.forms["likelihood"] == expected
    assert model.structure.likelihood == expected
    if expected == "plain":
        assert "suff" not in model.data
    if model.structure.groups:  # the marginal form samples no group-effect coordinates
        has_z = any(site.name.startswith("z_") for site in model.sites)
        assert has_z == (expected != "marginal")


GATHER_CHOICES = [  # (levels, rows sorted by level, platform, expected)
    (8, False, "gpu", "onehot"),
    (32, True, "gpu", "onehot"),
    (33, False, "gpu", "index"),
    (10_000, True, "gpu", "sorted"),
    (8, False, "cpu", "index"),
    (8, True, "cpu", "sorted"),
]


@pytest.mark.parametrize(("levels", "is_sorted", "platform", "expected"), GATHER_CHOICES)
def test_automatic_gather_choice(
    levels: int, is_sorted: bool, platform: str, expected: str
) -> None:
    J = np.random.default_rng(1).integers(0, levels, 5000)
    J = np.sort(J) if is_sorted else J
    assert forms.choose_gather("auto", J, levels, platform) == expected


BAD_REQUESTS = {
    "student": (
        {"likelihood": "suffstat"},
        "student",
        "The suffstat likelihood cannot be used here: the family is student(identity), "
        "not gaussian(identity).",
    ),
    "unknown form": (
        {"likelihood": "fast"},
        "gaussian",
        "likelihood must be one of 'auto', 'plain', 'suffstat', 'marginal', 'glm', 'hybrid', "
        "not 'fast'.",
    ),
    "marginal without groups": (
        {"likelihood": "marginal", "formula": "y ~ x"},
        "gaussian",
        "The marginal likelihood cannot be used here: the model has no group-level term.",
    ),
    "marginal with two IDs, one mm()": (
        {"likelihood": "marginal", "formula": "y ~ x + (1 | h) + (1 | mm(g, h))"},
        "gaussian",
        "The marginal likelihood cannot be used here: the model has a multi-membership term mm().",
    ),
    "marginal student": (
        {"likelihood": "marginal"},
        "student",
        "The marginal likelihood cannot be used here: the family is "
        "student(identity), not gaussian(identity).",
    ),
    "unsorted": (
        {"gather": "sorted"},
        "gaussian",
        "gather = 'sorted' needs the rows sorted by the group's levels.",
    ),
}


@pytest.mark.parametrize("case", BAD_REQUESTS, ids=list(BAD_REQUESTS))
def test_impossible_forms_raise(case: str) -> None:
    kwargs, family, message = BAD_REQUESTS[case]
    kwargs = dict(kwargs)
    formula = kwargs.pop("formula", "y ~ x + (1 | g)")
    with pytest.raises(ModelError, match=re.escape(message)):
        lowered(formula, frame(100), family, **kwargs)


@pytest.mark.slow
def test_brm_fit_in_the_suffstat_form_matches_the_plain_form(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import arviz as az

    import brmsjax as bj
    from brmsjax.backend.infer.diagnostics import SamplerWarning

    data = frame(2500, levels=10)
    args: dict[str, Any] = {"chains": 2, "iter": 600, "seed": 3, "progress": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)  # convergence is not under test here
        suff = bj.brm("y ~ x + (1 | g)", data, **args)
        monkeypatch.setattr(forms, "SUFF_MIN_ROWS", 10**9)
        plain = bj.brm("y ~ x + (1 | g)", data, **args)
    assert suff.model.forms["likelihood"] == "suffstat"
    assert plain.model.forms["likelihood"] == "plain"
    for name in ("b_Intercept", "b_x", "sigma", "sd_g__Intercept", "r_g[L003,Intercept]", "lp__"):
        means, ses = [], []
        for fit in (suff, plain):
            d = fit.draws()
            x = d.pivot(index=".iteration", columns=".chain", values=name).to_numpy().T
            means.append(x.mean())
            ses.append(x.std() / np.sqrt(float(az.ess(x))))
        assert abs(means[0] - means[1]) < 4 * np.hypot(*ses), name
