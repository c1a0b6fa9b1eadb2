"""The compiled non-linear expression against NumPy/SciPy, function by function.

Each of Stan's functions a non-linear formula may call (``NL_FUNCTIONS``) is evaluated through
the formula's syntax tree (:func:`brmsjax.backend.model.terms.nonlinear.evaluate`) and compared with
the same function written in NumPy or SciPy, elementwise on arrays.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import numpy as np
import pytest
from scipy import special, stats

from brmsjax.backend.model.terms.nonlinear import FUNCTIONS, NonlinearPlan, evaluate, nonlinear_eta
from brmsjax.formula.syntax.parse import parse
from brmsjax.formula.terms.nonlinear import NL_FUNCTIONS, nl_names

X = np.array([-2.5, -1.5, -0.5, 0.0, 0.3, 0.5, 1.7, 2.5])  # any real
P = np.array([0.01, 0.2, 0.5, 0.7, 0.99])  # in (0, 1)
POS = np.array([0.05, 0.5, 1.0, 2.5, 7.0])  # positive
Y = np.array([1.5, -0.5, 0.25, 2.0, -1.0, 0.5, 0.1, -3.0])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


# (function, NumPy/SciPy reference, argument values)
UNARY: list[tuple[str, Callable[[np.ndarray], np.ndarray], np.ndarray]] = [
    ("exp", np.exp, X),
    ("log", np.log, POS),
    ("log2", np.log2, POS),
    ("log10", np.log10, POS),
    ("log1p", np.log1p, POS),
    ("expm1", np.expm1, X),
    ("exp2", np.exp2, X),
    ("sqrt", np.sqrt, POS),
    ("cbrt", np.cbrt, X),
    ("square", np.square, X),
    ("inv", lambda x: 1 / x, POS),
    ("inv_sqrt", lambda x: 1 / np.sqrt(x), POS),
    ("inv_square", lambda x: 1 / x**2, POS),
    ("abs", np.abs, X),
    ("fabs", np.abs, X),
    ("inv_logit", _sigmoid, X),
    ("logit", lambda p: np.log(p / (1 - p)), P),
    ("Phi", stats.norm.cdf, X),
    ("Phi_approx", lambda x: _sigmoid(0.07056 * x**3 + 1.5976 * x), X),
    ("inv_Phi", stats.norm.ppf, P),
    ("inv_cloglog", lambda x: 1 - np.exp(-np.exp(x)), X),
    ("log_inv_logit", lambda x: np.log(_sigmoid(x)), X),
    ("log1m_inv_logit", lambda x: np.log(1 - _sigmoid(x)), X),
    ("log1p_exp", lambda x: np.log1p(np.exp(x)), X),
    ("log1m_exp", lambda x: np.log(1 - np.exp(x)), -POS),
    ("log1m", lambda p: np.log(1 - p), P),
    ("sin", np.sin, X),
    ("cos", np.cos, X),
    ("tan", np.tan, X / 2),
    ("asin", np.arcsin, P),
    ("acos", np.arccos, P),
    ("atan", np.arctan, X),
    ("sinh", np.sinh, X),
    ("cosh", np.cosh, X),
    ("tanh", np.tanh, X),
    ("asinh", np.arcsinh, X),
    ("acosh", np.arccosh, 1 + POS),
    ("atanh", np.arctanh, P),
    ("lgamma", special.gammaln, POS),
    ("tgamma", special.gamma, POS),
    ("erf", special.erf, X),
    ("erfc", special.erfc, X),
    ("step", lambda x: (x >= 0).astype(float), X),  # Stan: 0 if x < 0, else 1
    ("int_step", lambda x: (x > 0).astype(float), X),
    ("floor", np.floor, X),
    ("ceil", np.ceil, X),
    ("round", lambda x: np.sign(x) * np.floor(np.abs(x) + 0.5), X),  # halves away from 0
    ("trunc", np.trunc, X),
]
BINARY: list[tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray], np.ndarray]] = [
    ("pow", np.power, POS),
    ("fmin", np.fmin, X),
    ("fmax", np.fmax, X),
    ("fdim", lambda x, y: np.maximum(x - y, 0), X),
    ("hypot", np.hypot, X),
    ("atan2", np.arctan2, X),
    ("log_sum_exp", np.logaddexp, X),
]


def _run(text: str, **values: np.ndarray) -> np.ndarray:
    node = parse(text)
    assert set(nl_names(node, text)) <= set(values)
    with jax.enable_x64(True):
        return np.asarray(evaluate(node, values))


def test_every_function_is_compiled_and_tested() -> None:
    assert set(FUNCTIONS) == set(NL_FUNCTIONS)
    tested = {f for f, _, _ in UNARY} | {f for f, _, _ in BINARY} | {"pi"}
    assert tested == set(NL_FUNCTIONS)


@pytest.mark.parametrize(("func", "ref", "x"), UNARY, ids=[f for f, _, _ in UNARY])
def test_unary_function(func: str, ref: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> None:
    np.testing.assert_allclose(_run(f"{func}(x)", x=x), ref(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("func", "ref", "x"), BINARY, ids=[f for f, _, _ in BINARY])
def test_binary_function(func: str, ref: Callable[..., np.ndarray], x: np.ndarray) -> None:
    y = Y[: len(x)]
    np.testing.assert_allclose(_run(f"{func}(x, y)", x=x, y=y), ref(x, y), rtol=1e-12)


# R's operators with R's precedence (unary minus below ^, ^ right-associative).
OPERATORS: list[tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = [
    ("x + y * 2", lambda x, y: x + y * 2),
    ("(x - y) / 4", lambda x, y: (x - y) / 4),
    ("-x^2", lambda x, y: -(x**2)),
    ("2^x^2", lambda x, y: 2 ** (x**2)),
    ("x ** 3", lambda x, y: x**3),
    ("pi() * x", lambda x, y: np.pi * x),
    ("(x > y) + 2 * (x <= y)", lambda x, y: (x > y) + 2.0 * (x <= y)),
    ("(x >= 0) - (x < 0) + (x == 0) * 10 + (y != 0.5)", None),
]


@pytest.mark.parametrize(("text", "ref"), OPERATORS, ids=[t for t, _ in OPERATORS])
def test_operators(text: str, ref: Callable[..., np.ndarray] | None) -> None:
    x, y = X, Y
    if ref is None:
        want = (x >= 0) - 1.0 * (x < 0) + (x == 0) * 10.0 + (y != 0.5)
    else:
        want = ref(x, y)
    np.testing.assert_allclose(_run(text, x=x, y=y), want, rtol=1e-13)


def test_orange_expression_over_draws_and_rows() -> None:
    """mu of the Orange model at (draws, rows) predictors and (rows,) covariates."""
    node = parse("phi1 / (1 + exp(-(age - phi2) / phi3))")
    plan = NonlinearPlan(node, ("phi1", "phi2", "phi3"), ("age",))
    rng = np.random.default_rng(1)
    eta = {"phi1": rng.normal(190, 20, (4, 6)), "phi2": rng.normal(700, 40, (4, 6))}
    eta["phi3"] = rng.normal(350, 30, (4, 6))
    age = np.array([118.0, 484, 664, 1004, 1231, 1582])
    with jax.enable_x64(True):
        got = np.asarray(nonlinear_eta(plan, eta, age[:, None]))
        row = np.asarray(nonlinear_eta(plan, {k: v[0] for k, v in eta.items()}, age[:, None]))
    want = eta["phi1"] / (1 + np.exp(-(age - eta["phi2"]) / eta["phi3"]))
    np.testing.assert_allclose(got, want, rtol=1e-13)
    np.testing.assert_allclose(row, want[0], rtol=1e-13)


def test_a_constant_expression_takes_the_predictors_shape() -> None:
    plan = NonlinearPlan(parse("2 * t"), (), ("t",))
    with jax.enable_x64(True):
        got = np.asarray(nonlinear_eta(plan, {}, np.array([[1.0], [3.0]])))
    np.testing.assert_array_equal(got, [2.0, 6.0])
