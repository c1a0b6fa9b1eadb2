"""mu of a non-linear formula: the checked syntax tree compiled to JAX, evaluated elementwise.

brms writes ``bf(y ~ phi1 / (1 + exp(-(age - phi2) / phi3)), ..., nl = TRUE)`` into Stan as
``mu[n] = nlp_phi1[n] / (1 + exp(-(C_1[n] - nlp_phi2[n]) / nlp_phi3[n]))``. Here the same tree
(:class:`~brmsjax.formula.design.ir.Nonlinear`; names, operators and functions were checked by
:mod:`brmsjax.formula.terms.nonlinear`) becomes a function of the nlpars' linear predictors and
the covariates. Every operator and function acts elementwise with Stan's meaning
(:data:`FUNCTIONS`), on ``(N,)`` rows when fitting or ``(S, N)`` draws when predicting. The
tree is walked while JAX traces, so it is compiled once with the program; no text is evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
from jax import Array

from brmsjax.formula.design.ir import Design
from brmsjax.formula.errors import ModelError
from brmsjax.formula.syntax.ast import BinOp, Call, Name, Node, Number, Paren, UnaryOp

__all__ = ["FUNCTIONS", "NonlinearPlan", "evaluate", "nonlinear_eta", "nonlinear_plan"]


def _round(x: Array) -> Array:
    """Stan's ``round``: halves away from zero (numpy rounds them to even)."""
    return jnp.sign(x) * jnp.floor(jnp.abs(x) + 0.5)


def _indicator(cond: Array) -> Array:
    return jnp.where(cond, 1.0, 0.0)


#: Stan's functions by name, as JAX functions of arrays (see NL_FUNCTIONS for their arity).
FUNCTIONS: dict[str, Callable[..., Array]] = {
    "exp": jnp.exp,
    "log": jnp.log,
    "log2": jnp.log2,
    "log10": jnp.log10,
    "log1p": jnp.log1p,
    "expm1": jnp.expm1,
    "exp2": jnp.exp2,
    "sqrt": jnp.sqrt,
    "cbrt": jnp.cbrt,
    "square": jnp.square,
    "inv": lambda x: 1.0 / x,
    "inv_sqrt": lambda x: 1.0 / jnp.sqrt(x),
    "inv_square": lambda x: 1.0 / jnp.square(x),
    "abs": jnp.abs,
    "fabs": jnp.abs,
    "inv_logit": jax.nn.sigmoid,
    "logit": jsp.logit,
    "Phi": jsp.ndtr,
    "Phi_approx": lambda x: jax.nn.sigmoid(0.07056 * x**3 + 1.5976 * x),
    "inv_Phi": jsp.ndtri,
    "inv_cloglog": lambda x: -jnp.expm1(-jnp.exp(x)),
    "log_inv_logit": jax.nn.log_sigmoid,
    "log1m_inv_logit": lambda x: jax.nn.log_sigmoid(-x),
    "log1p_exp": jax.nn.softplus,
    "log1m_exp": lambda x: jnp.log(-jnp.expm1(x)),
    "log1m": lambda x: jnp.log1p(-x),
    "sin": jnp.sin,
    "cos": jnp.cos,
    "tan": jnp.tan,
    "asin": jnp.arcsin,
    "acos": jnp.arccos,
    "atan": jnp.arctan,
    "sinh": jnp.sinh,
    "cosh": jnp.cosh,
    "tanh": jnp.tanh,
    "asinh": jnp.arcsinh,
    "acosh": jnp.arccosh,
    "atanh": jnp.arctanh,
    "lgamma": jsp.gammaln,
    "tgamma": jsp.gamma,
    "erf": jsp.erf,
    "erfc": jsp.erfc,
    "step": lambda x: _indicator(x >= 0),
    "int_step": lambda x: _indicator(x > 0),
    "floor": jnp.floor,
    "ceil": jnp.ceil,
    "round": _round,
    "trunc": jnp.trunc,
    "pow": jnp.power,
    "fmin": jnp.minimum,
    "fmax": jnp.maximum,
    "fdim": lambda x, y: jnp.maximum(x - y, 0.0),
    "hypot": jnp.hypot,
    "atan2": jnp.arctan2,
    "log_sum_exp": jnp.logaddexp,
    "pi": lambda: jnp.asarray(jnp.pi),
}

_BINARY: dict[str, Callable[[Any, Any], Array]] = {
    "+": jnp.add,
    "-": jnp.subtract,
    "*": jnp.multiply,
    "/": jnp.divide,
    "^": jnp.power,
    "<": lambda x, y: _indicator(jnp.less(x, y)),
    ">": lambda x, y: _indicator(jnp.greater(x, y)),
    "<=": lambda x, y: _indicator(jnp.less_equal(x, y)),
    ">=": lambda x, y: _indicator(jnp.greater_equal(x, y)),
    "==": lambda x, y: _indicator(jnp.equal(x, y)),
    "!=": lambda x, y: _indicator(jnp.not_equal(x, y)),
}


@dataclass(frozen=True)
class NonlinearPlan:
    """The static part of a non-linear mu (hashable: part of a program's structure).

    Attributes
    ----------
    expr
        The checked syntax tree (nodes compare and hash by structure).
    nlpars
        The non-linear parameters, each a predictor of the model.
    covariates
        The covariates, the columns of the data's ``C`` in order.
    """

    expr: Node
    nlpars: tuple[str, ...]
    covariates: tuple[str, ...]


def nonlinear_plan(design: Design) -> NonlinearPlan | None:
    """The plan of a design's non-linear mu, None where mu is linear."""
    nl = design.nonlinear
    if nl is None:
        return None
    return NonlinearPlan(nl.expr, tuple(nl.nlpars), tuple(nl.covariates))


def evaluate(expr: Node, values: Mapping[str, Any]) -> Array:
    """The value of a checked non-linear expression, elementwise over ``values``' arrays.

    Parameters
    ----------
    expr
        A tree that :func:`brmsjax.formula.terms.nonlinear.nl_names` accepted.
    values
        An array (or number) for every name in ``expr``; arrays broadcast against each other.
    """
    if isinstance(expr, Paren):
        return evaluate(expr.expr, values)
    if isinstance(expr, Number):
        return jnp.asarray(expr.value)
    if isinstance(expr, Name):
        return jnp.asarray(values[expr.name])
    if isinstance(expr, UnaryOp):
        operand = evaluate(expr.operand, values)
        return -operand if expr.op == "-" else operand
    if isinstance(expr, BinOp):
        return _BINARY[expr.op](evaluate(expr.left, values), evaluate(expr.right, values))
    if isinstance(expr, Call):
        return FUNCTIONS[expr.func](*(evaluate(a, values) for a in expr.positional))
    raise ModelError(f"A non-linear formula cannot hold {type(expr).__name__} nodes.")


def nonlinear_eta(plan: NonlinearPlan, eta: Mapping[str, Array], C: Array) -> Array:
    """mu's predictor: the expression at the nlpars' predictors ``eta`` and covariates ``C``.

    ``C`` is ``(N, k)``; the predictors are ``(N,)`` or ``(S, N)`` and the covariates broadcast
    against them.
    """
    values: dict[str, Any] = {p: eta[p] for p in plan.nlpars}
    for k, name in enumerate(plan.covariates):
        values[name] = C[:, k]
    out = evaluate(plan.expr, values)
    shape = jnp.broadcast_shapes(*(jnp.shape(eta[p]) for p in plan.nlpars), (C.shape[0],))
    return jnp.broadcast_to(out, shape)
