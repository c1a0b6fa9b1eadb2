"""The glm form: bernoulli(logit), binomial(logit) and poisson(log) in exponential-family form.

Its potential and gradient must equal the plain (per-row) form's to 1e-9 (float64) at random
points; its host statistics must give the scipy log likelihood; asking for it where it does not
apply must say why; ``likelihood="auto"`` must choose it exactly where
:data:`~brmsjax.backend.model.glm_forms.GLM_MIN_ROWS` says.
"""

from __future__ import annotations

import re
from typing import Any

import jax
import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from brmsjax.backend.families.registry import bernoulli, get_family, poisson
from brmsjax.backend.model import glm_forms
from brmsjax.formula.errors import ModelError
from tests.model.test_forms import assert_same_potential, frame, lowered, value_and_grad


def glm_frame(n: int, levels: int = 12, seed: int = 0) -> pd.DataFrame:
    """:func:`tests.model.test_forms.frame` plus a binary ``yb``, counts ``yc``, ``k`` of ``n``."""
    out = frame(n, levels=levels, seed=seed)
    rng = np.random.default_rng(seed + 1)
    r = rng.normal(size=levels) * 0.5
    g = out["g"].str[1:].astype(int).to_numpy()
    eta = -0.3 + 0.6 * out["x1"] - 0.4 * out["x2"] + 0.2 * out["x3"] + r[g]
    out["yb"] = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
    out["yc"] = rng.poisson(np.exp(0.5 + 0.3 * eta))
    out["n"] = rng.integers(1, 12, n)
    out["k"] = rng.binomial(out["n"], 1.0 / (1.0 + np.exp(-eta)))
    return out


# (formula, family, lower() options)
GLM_MODELS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "bernoulli, no groups": ("yb ~ x1 + x2 + x3", "bernoulli", {}),
    "bernoulli, (1 | g)": ("yb ~ x1 + x2 + (1 | g)", "bernoulli", {}),
    "bernoulli, weights, (1 + x | g)": ("yb | weights(w) ~ x + (1 + x | g)", "bernoulli", {}),
    "bernoulli, offset, two IDs": ("yb ~ x + offset(o) + (1 | g) + (1 | h)", "bernoulli", {}),
    "binomial, (1 + x | g)": ("k | trials(n) ~ x1 + (1 + x | g)", "binomial", {}),
    "binomial, weights, no intercept": (
        "k | trials(n) + weights(w) ~ 0 + x1 + x2 + (1 | g)",
        "binomial",
        {},
    ),
    "binomial, offset, brms coordinates": (
        "k | trials(n) ~ x2 + offset(o) + (1 + x || g)",
        "binomial",
        {"reparam": False},
    ),
    "poisson, intercept only": ("yc ~ 1", "poisson", {}),
    "poisson, x1..x5 + (1 + x | g), QR": (
        "yc ~ x1 + x2 + x3 + x4 + x5 + (1 + x | g)",
        "poisson",
        {},
    ),
    "poisson, weights, offset, two IDs": (
        "yc | weights(w) ~ x + offset(o) + (1 + x | g) + (1 | h)",
        "poisson",
        {},
    ),
    "poisson, no intercept, one-hot gather": (
        "yc ~ 0 + x1 + (1 | g)",
        "poisson",
        {"gather": "onehot"},
    ),
}


def pointwise_and_total(model: Any) -> tuple[dict[str, Any], np.ndarray, float]:
    """A random point's (seed 2) parameters (with mu's linear predictor as ``"eta"``),
    pointwise log likelihoods and summed log_lik."""
    u = np.random.default_rng(2).uniform(-1.0, 1.0, model.program.dim)
    with jax.enable_x64(True):
        prog, (args, prior_args) = model.program, model.model_args
        params = dict(prog.assemble(prog.constrain(u), prior_args, args))
        pointwise = np.asarray(prog.pointwise(params, args))
        total = float(prog.log_lik(params, args))
        params["eta"] = np.asarray(prog.linear_predictors(params, args)[""])
    return params, pointwise, total


@pytest.mark.parametrize("case", GLM_MODELS, ids=list(GLM_MODELS))
def test_glm_potential_and_gradient_equal_the_plain_form(case: str) -> None:
    formula, family, kwargs = GLM_MODELS[case]
    data = glm_frame(400)
    plain = lowered(formula, data, family, likelihood="plain", **kwargs)
    glm = lowered(formula, data, family, likelihood="glm", **kwargs)
    assert (plain.forms["likelihood"], glm.forms["likelihood"]) == ("plain", "glm")
    assert "glm" in glm.data and "glm" not in plain.data
    assert sorted(glm.data["glm"]["Zy"]) == [str(g.id) for g in glm.structure.groups]
    assert_same_potential(plain, glm, rel=1e-10)


@pytest.mark.parametrize(
    "case",
    [
        "bernoulli, weights, (1 + x | g)",
        "binomial, (1 + x | g)",
        "poisson, weights, offset, two IDs",
    ],
)
def test_glm_hessian_vector_products_equal_the_plain_form(case: str) -> None:
    """Forward over reverse (the approximations' Hessian-vector products) through the level
    sums' custom JVP (:func:`~brmsjax.backend.model.glm_forms.level_sum_nonlin`)."""
    formula, family, kwargs = GLM_MODELS[case]
    data = glm_frame(300)
    plain = lowered(formula, data, family, likelihood="plain", **kwargs)
    glm = lowered(formula, data, family, likelihood="glm", **kwargs)
    assert "rows" in glm.data["glm"]
    rng = np.random.default_rng(5)
    u, v = rng.uniform(-1.0, 1.0, (2, plain.program.dim))
    out = []
    with jax.enable_x64(True):
        for model in (plain, glm):
            args = model.model_args
            grad = jax.grad(lambda x, m=model, a=args: m.program.potential(x, *a))
            out.append(np.asarray(jax.jvp(grad, (u,), (v,))[1]))
    np.testing.assert_allclose(out[1], out[0], rtol=1e-10, atol=1e-10 * np.max(np.abs(out[0])))


@pytest.mark.parametrize(
    ("formula", "family"),
    [
        ("yb ~ x1 + x2 + x3 + (1 + x | g)", "bernoulli"),
        ("yc ~ x1 + x2 + x3 + (1 + x | g)", "poisson"),
    ],
)
def test_glm_in_float32_keeps_the_float64_log_density(formula: str, family: str) -> None:
    """The linear statistics (rounded to float32) lose no more than the per-row sums."""
    data = glm_frame(8000, levels=40)
    plain = lowered(formula, data, family, likelihood="plain")
    glm = lowered(formula, data, family, likelihood="glm")
    u = np.random.default_rng(1).uniform(-0.3, 0.3, plain.program.dim)
    exact, g_exact = value_and_grad(plain, u)
    v32, g32 = value_and_grad(glm, u, float32=True)
    assert abs(v32 - exact) <= 1e-6 * abs(exact)
    assert np.max(np.abs(g32 - g_exact)) <= 1e-5 * np.max(np.abs(g_exact))


def test_glm_pointwise_log_lik_is_the_plain_one() -> None:
    """brms's ``log_lik`` (loo) stays per row; its weighted sum is the glm form's log_lik."""
    data = glm_frame(200)
    model = lowered(
        "k | trials(n) + weights(w) ~ x1 + offset(o) + (1 + x | g)",
        data,
        "binomial",
        likelihood="glm",
    )
    _, pointwise, total = pointwise_and_total(model)
    assert pointwise.shape == (200,)
    assert total == pytest.approx(float(np.sum(data["w"] * pointwise)), rel=1e-12)


@pytest.mark.parametrize("family", ["bernoulli", "binomial", "poisson"])
def test_glm_statistics_give_the_scipy_log_likelihood(family: str) -> None:
    rng = np.random.default_rng(3)
    n, levels = 300, 9
    X = rng.normal(size=(n, 2))
    J = rng.integers(0, levels, n)
    Z = np.column_stack([np.ones(n), rng.normal(size=n)])
    w, off = rng.uniform(0.5, 2.0, n), rng.normal(size=n) * 0.3
    trials = rng.integers(1, 15, n).astype(float)
    icpt, b, r = 0.4, np.array([0.3, -0.5]), rng.normal(size=(levels, 2)) * 0.4
    eta = icpt + X @ b + off + np.sum(r[J] * Z, axis=1)
    p = 1.0 / (1.0 + np.exp(-eta))
    if family == "bernoulli":
        y, ll = (rng.uniform(size=n) < p).astype(float), stats.bernoulli.logpmf
        expected = np.sum(w * ll(y, p))
    elif family == "binomial":
        y = rng.binomial(trials.astype(int), p).astype(float)
        expected = np.sum(w * stats.binom.logpmf(y, trials, p))
    else:
        y = rng.poisson(np.exp(eta)).astype(float)
        expected = np.sum(w * stats.poisson.logpmf(y, np.exp(eta)))
    st = glm_forms.glm_data(
        family,
        y,
        X,
        center=True,
        weights=w,
        trials=trials if family == "binomial" else None,
        offset=off,
        groups=[("1", J, Z, levels)],
    )
    linear = st["const"] + icpt * st["sy"] + st["Xy"] @ b + np.sum(st["Zy"]["1"] * r)
    scale = w * trials if family == "binomial" else w
    with jax.enable_x64(True):
        got = float(glm_forms.glm_log_lik(family, eta, linear, scale))
    assert got == pytest.approx(expected, rel=1e-12)


NOT_GLM = "not bernoulli(logit), binomial(logit), poisson(log) or negbinomial(log)."
BAD_GLM = {  # (formula, family, lower() options, message)
    "gaussian": (
        "y ~ x + (1 | g)",
        "gaussian",
        {},
        f"the family is gaussian(identity), {NOT_GLM}",
    ),
    "sigma formula": (
        "bf(y ~ x, sigma ~ x2)",
        "gaussian",
        {},
        f"the family is gaussian(identity), {NOT_GLM}",
    ),
    "negbinomial, shape predicted": (
        "bf(yc ~ x, shape ~ x2)",
        "negbinomial",
        {},
        "a distributional parameter other than mu is predicted.",
    ),
    "beta_binomial": (
        "k | trials(n) ~ x",
        "beta_binomial",
        {},
        f"the family is beta_binomial(logit), {NOT_GLM}",
    ),
    "bernoulli probit": (
        "yb ~ x",
        "probit",
        {},
        f"the family is bernoulli(probit), {NOT_GLM}",
    ),
    "poisson identity": (
        "yc ~ x",
        "identity",
        {},
        f"the family is poisson(identity), {NOT_GLM}",
    ),
    "cens": ("yc | cens(c) ~ x", "poisson", {}, "the response has the addition term(s) cens."),
    "trunc": (
        "yc | trunc(ub = 100) ~ x + (1 | g)",
        "poisson",
        {},
        "the response has the addition term(s) lb, ub.",
    ),
    "rate": ("yc | rate(n) ~ x", "poisson", {}, "the response has the addition term(s) denom."),
    "prior only": (
        "yb ~ x + (1 | g)",
        "bernoulli",
        {"sample_prior": "only"},
        "the likelihood is not evaluated (sample_prior = 'only').",
    ),
}


@pytest.mark.parametrize("case", BAD_GLM, ids=list(BAD_GLM))
def test_glm_where_it_does_not_apply_raises(case: str) -> None:
    formula, family, kwargs, message = BAD_GLM[case]
    fam = {"probit": bernoulli("probit"), "identity": poisson("identity")}.get(family)
    with pytest.raises(
        ModelError, match=re.escape(f"The glm likelihood cannot be used here: {message}")
    ):
        lowered(formula, glm_frame(100), fam or get_family(family), likelihood="glm", **kwargs)


# (formula, family, rows, GLM_MIN_ROWS on this platform, expected)
GLM_CHOICES = {
    "never chosen": ("yb ~ x + (1 | g)", "bernoulli", 300, None, "plain"),
    "enough rows": ("yb ~ x + (1 | g)", "bernoulli", 300, 300, "glm"),
    "too few rows": ("yc ~ x + (1 | g)", "poisson", 299, 300, "plain"),
    "binomial": ("k | trials(n) ~ x", "binomial", 300, 100, "glm"),
    "cens": ("yc | cens(c) ~ x", "poisson", 300, 100, "plain"),
    "gaussian": ("y ~ x + (1 | g) + (1 | h)", "gaussian", 300, 100, "hybrid"),
}


@pytest.mark.parametrize("case", GLM_CHOICES, ids=list(GLM_CHOICES))
def test_automatic_glm_choice(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    formula, family, rows, least, expected = GLM_CHOICES[case]
    monkeypatch.setitem(glm_forms.GLM_MIN_ROWS, jax.default_backend(), least)
    model = lowered(formula, glm_frame(rows), family)
    assert model.forms["likelihood"] == expected
    assert ("glm" in model.data) == (expected == "glm")


def test_automatic_glm_choice_without_marginalize(monkeypatch: pytest.MonkeyPatch) -> None:
    """Samplers that take subsets of the rows (marginalize=False) keep the per-row form."""
    monkeypatch.setitem(glm_forms.GLM_MIN_ROWS, jax.default_backend(), 100)
    model = lowered("yb ~ x + (1 | g)", glm_frame(300), "bernoulli", marginalize=False)
    assert model.forms["likelihood"] == "plain"


def test_default_glm_rule() -> None:
    """The measured rule (benchmarks/RESULTS.md, "glm form from the first row on a CPU")."""
    assert glm_forms.GLM_MIN_ROWS == {
        "cpu": 1,
        "gpu": None,
        "cuda": None,
        "rocm": None,
        "tpu": None,
    }


# (formula, family, rows, levels): the measured cases' sizes (cbpp 56 rows in 15 herds,
# poisson 300 in 20, Contraception 1,934 in 60, bench_compile's bernoulli 2,000 in 40) and ten rows
DEFAULT_GLM_CHOICES = {
    "binomial, 56 rows": ("k | trials(n) ~ x + (1 | g)", "binomial", 56, 15),
    "poisson, 300 rows": ("yc ~ x + (1 | g)", "poisson", 300, 20),
    "bernoulli, 1,934 rows": ("yb ~ x1 + x2 + (1 | g)", "bernoulli", 1934, 60),
    "bernoulli, 2,000 rows": ("yb ~ x + (1 | g)", "bernoulli", 2000, 40),
    "poisson, 10 rows": ("yc ~ x", "poisson", 10, 2),
}


@pytest.mark.parametrize("case", DEFAULT_GLM_CHOICES, ids=list(DEFAULT_GLM_CHOICES))
def test_default_rule_chooses_glm_on_a_cpu(case: str) -> None:
    """On a CPU ``likelihood="auto"`` takes the glm form at every size it was measured at."""
    formula, family, rows, levels = DEFAULT_GLM_CHOICES[case]
    model = lowered(formula, glm_frame(rows, levels=levels), family)
    expected = "glm" if jax.default_backend() == "cpu" else "plain"
    assert model.forms["likelihood"] == expected


SOFTPLUS_POINTS = np.array([-800.0, -40.0, -3.5, -1e-3, -1e-300, 0.0, 1e-300, 0.7, 12.0, 700.0])


def test_softplus_value_and_derivatives_equal_the_written_out_form() -> None:
    """The custom derivative (sigmoid from the value's exp) is JAX's of the plain expression,
    and its own derivative (forward over reverse, as Hessian-vector products take it) is
    ``sigmoid(eta) sigmoid(-eta)``."""

    def plain(eta: jax.Array) -> jax.Array:
        return jax.numpy.maximum(eta, 0.0) + jax.numpy.log1p(jax.numpy.exp(-jax.numpy.abs(eta)))

    with jax.enable_x64(True):
        eta = jax.numpy.asarray(SOFTPLUS_POINTS)
        value = np.asarray(glm_forms.softplus(eta))
        grad = np.asarray(jax.vmap(jax.grad(glm_forms.softplus))(eta))
        second = np.asarray(jax.vmap(jax.grad(jax.grad(glm_forms.softplus)))(eta))
        hvp = np.asarray(jax.jvp(jax.grad(lambda x: glm_forms.softplus(x).sum()), (eta,), (eta,)))
        expected_value = np.asarray(plain(eta))
        expected_grad = np.asarray(jax.vmap(jax.grad(plain))(eta))
    sigmoid = special.expit(SOFTPLUS_POINTS)
    curvature = sigmoid * special.expit(-SOFTPLUS_POINTS)
    np.testing.assert_allclose(value, expected_value, rtol=1e-15, atol=0.0)
    np.testing.assert_allclose(value, np.logaddexp(0.0, SOFTPLUS_POINTS), rtol=1e-15, atol=0.0)
    # at eta = 0 exactly JAX's derivative of the written-out form is 1/2 - 1/2 = 0 (its
    # max's derivative at a tie is 1/2, its abs's is 1); sigmoid(0) = 1/2 is the right one
    away = SOFTPLUS_POINTS != 0.0
    np.testing.assert_allclose(grad[away], expected_grad[away], rtol=1e-15, atol=1e-300)
    assert (expected_grad[~away], grad[~away]) == (0.0, 0.5)
    np.testing.assert_allclose(grad, sigmoid, rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(second, curvature, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(hvp[1], SOFTPLUS_POINTS * curvature, rtol=1e-12, atol=1e-300)
