"""The glm form of negbinomial(log) (brmsjax.backend.model.glm_families.negbinomial_glm).

Its potential and gradient must equal the plain (per-row) form's to 1e-10 at random points on
designs with weights, offsets, several group-level IDs, a fixed shape and brms's coordinates;
its statistics must give scipy's ``nbinom`` log likelihood; ``likelihood="auto"`` must choose it
exactly where it applies, and its pointwise log likelihood must stay the plain one.
"""

from __future__ import annotations

import re
from typing import Any

import jax
import numpy as np
import pytest
from scipy import stats

from brmsjax.backend.model import glm_forms
from brmsjax.backend.model.glm_families import negbinomial_glm as nb
from brmsjax.formula.errors import ModelError
from tests.model.test_forms import assert_same_potential, lowered, value_and_grad
from tests.model.test_glm_forms import glm_frame, pointwise_and_total


def nb_frame(n: int, levels: int = 12, seed: int = 0) -> Any:
    """:func:`tests.model.test_glm_forms.glm_frame` plus overdispersed counts ``yn``."""
    out = glm_frame(n, levels=levels, seed=seed)
    rng = np.random.default_rng(seed + 5)
    g = out["g"].str[1:].astype(int).to_numpy()
    eta = 1.0 + 0.5 * out["x1"] - 0.3 * out["x2"] + rng.normal(size=levels)[g] * 0.6
    mu, phi = np.exp(eta), 2.5
    out["yn"] = rng.poisson(rng.gamma(phi, mu / phi))
    return out


# (formula, lower() options)
NB_MODELS: dict[str, tuple[str, dict[str, Any]]] = {
    "intercept only": ("yn ~ 1", {}),
    "x + (1 | g)": ("yn ~ x1 + x2 + (1 | g)", {}),
    "two crossed IDs (ticks' design)": ("yn ~ x1 + x2 + (1 | g) + (1 | h)", {}),
    "weights, (1 + x | g)": ("yn | weights(w) ~ x + (1 + x | g)", {}),
    "offset, two IDs, weights": ("yn | weights(w) ~ x + offset(o) + (1 | g) + (1 | h)", {}),
    "no intercept, QR": ("yn ~ 0 + x1 + x2 + x3 + (1 | g)", {}),
    "fixed shape": ("bf(yn ~ x + (1 | g), shape = 4)", {}),
    "brms coordinates, one-hot gather": (
        "yn ~ x2 + (1 + x || g)",
        {"reparam": False, "gather": "onehot"},
    ),
    "poisson counts": ("yc ~ x + (1 | g) + (1 | h)", {}),
}


@pytest.mark.parametrize("case", NB_MODELS, ids=list(NB_MODELS))
def test_potential_and_gradient_equal_the_plain_form(case: str) -> None:
    formula, kwargs = NB_MODELS[case]
    data = nb_frame(400)
    plain = lowered(formula, data, "negbinomial", likelihood="plain", **kwargs)
    glm = lowered(formula, data, "negbinomial", **kwargs)  # "auto" chooses it
    assert (plain.forms["likelihood"], glm.forms["likelihood"]) == ("plain", "glm")
    assert_same_potential(plain, glm, rel=1e-10)


@pytest.mark.parametrize("weighted", [False, True])
def test_statistics_give_the_scipy_log_likelihood(weighted: bool) -> None:
    rng = np.random.default_rng(3)
    n = 300
    eta = 0.8 + rng.normal(size=n)
    phi = 1.7
    y = rng.poisson(rng.gamma(phi, np.exp(eta) / phi)).astype(float)
    w = rng.uniform(0.5, 2.0, n) if weighted else np.ones(n)
    expected = np.sum(w * stats.nbinom.logpmf(y, phi, phi / (np.exp(eta) + phi)))
    base = glm_forms.glm_data("poisson", y, None, center=False, weights=w if weighted else None)
    st = {**base, **nb.nb_glm_data(y, w if weighted else None)}
    linear = st["const"] + np.sum(w * y * eta)
    with jax.enable_x64(True):
        got = float(nb.nb_glm_log_lik(eta, linear, np.float64(phi), st, y))
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("values", "slots"), [(1, 8), (8, 8), (9, 16), (46, 64), (64, 64), (65, 128)]
)
def test_distinct_values_are_padded_to_a_power_of_two(values: int, slots: int) -> None:
    """Zero-weight slots add nothing; counts with a similar number of distinct values keep the
    compiled program's shapes."""
    y = np.repeat(np.arange(values, dtype=float) * 3.0, 2)
    st = nb.nb_glm_data(y, None)
    assert st["u"].shape == st["c"].shape == (slots,)
    np.testing.assert_array_equal(st["u"][:values], np.arange(values) * 3.0)
    np.testing.assert_array_equal(st["c"], np.r_[np.full(values, 2.0), np.zeros(slots - values)])
    assert float(st["sw"]) == 2.0 * values


# (formula, lower() options, expected form)
NB_CHOICES: dict[str, tuple[str, dict[str, Any], str]] = {
    "chosen": ("yn ~ x + (1 | g) + (1 | h)", {}, "glm"),
    "shape predicted": ("bf(yn ~ x, shape ~ x2)", {}, "plain"),
    "rate()": ("yn | rate(n) ~ x", {}, "plain"),
    "cens()": ("yn | cens(c) ~ x", {}, "plain"),
    "rows sampled in subsets": ("yn ~ x + (1 | g)", {"marginalize": False}, "plain"),
    "plain requested": ("yn ~ x + (1 | g)", {"likelihood": "plain"}, "plain"),
}


@pytest.mark.parametrize("case", NB_CHOICES, ids=list(NB_CHOICES))
def test_automatic_choice(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    formula, kwargs, expected = NB_CHOICES[case]
    monkeypatch.setitem(glm_forms.GLM_MIN_ROWS, jax.default_backend(), 1)
    model = lowered(formula, nb_frame(300), "negbinomial", **kwargs)
    assert model.forms["likelihood"] == expected
    assert ("glm" in model.data) == (expected == "glm")


def test_not_chosen_where_not_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(glm_forms.GLM_MIN_ROWS, jax.default_backend(), None)
    assert lowered("yn ~ x", nb_frame(300), "negbinomial").forms["likelihood"] == "plain"


def test_shape_predicted_raises_when_requested() -> None:
    message = "a distributional parameter other than mu is predicted."
    with pytest.raises(
        ModelError, match=re.escape(f"The glm likelihood cannot be used here: {message}")
    ):
        lowered("bf(yn ~ x, shape ~ x2)", nb_frame(100), "negbinomial", likelihood="glm")


def test_pointwise_log_lik_is_the_plain_one() -> None:
    """brms's ``log_lik`` (loo) stays per row; its weighted sum is this form's log_lik."""
    data = nb_frame(200)
    formula = "yn | weights(w) ~ x1 + offset(o) + (1 | g) + (1 | h)"
    model = lowered(formula, data, "negbinomial")
    assert model.forms["likelihood"] == "glm"
    params, pointwise, total = pointwise_and_total(model)
    mu, phi = np.exp(params["eta"]), float(params["shape"])
    expected = stats.nbinom.logpmf(data["yn"], phi, phi / (mu + phi))
    np.testing.assert_allclose(pointwise, expected, rtol=1e-10)
    assert total == pytest.approx(float(np.sum(data["w"] * pointwise)), rel=1e-12)


def test_float32_keeps_the_float64_log_density() -> None:
    """The statistics rounded to float32 lose no more than the per-row sums."""
    data = nb_frame(4000, levels=40)
    formula = "yn ~ x1 + x2 + (1 | g) + (1 | h)"
    plain = lowered(formula, data, "negbinomial", likelihood="plain")
    glm = lowered(formula, data, "negbinomial", likelihood="glm")
    u = np.random.default_rng(1).uniform(-0.3, 0.3, plain.program.dim)
    exact, g_exact = value_and_grad(plain, u)
    v32, g32 = value_and_grad(glm, u, float32=True)
    assert abs(v32 - exact) <= 1e-6 * abs(exact)
    assert np.max(np.abs(g32 - g_exact)) <= 1e-5 * np.max(np.abs(g_exact))
