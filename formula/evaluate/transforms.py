"""The stateful transforms: ``scale``, ``poly``, ``factor``/``ordered``/``as.factor``.

Each learns its state on the fitting data (centres and scales, ``poly``'s recurrence
coefficients, factor levels) through :meth:`~.invocation.Invocation.learn` and, encoding new
data, reuses the fitted state from :meth:`~.invocation.Invocation.prior`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..syntax.parse import deparse
from .invocation import Invocation
from .operators import (
    labels_in_order,
)
from .state import LevelsState, PolyState, ScaleState
from .values import (
    Factor,
    Numeric,
    RValue,
    drop_unused,
    relevel,
)
from .values import _labelled as labelled


def _scale_arg(
    inv: Invocation, arg: str, k: int, default: Callable[[], np.ndarray]
) -> np.ndarray | None:
    if arg not in inv.args:
        return default()
    value = inv.value(arg)
    if isinstance(value, Factor) and value.logical and len(value.codes) == 1:
        return default() if value.codes[0] == 1 else None
    if isinstance(value, Numeric) and value.values.size == k:
        return np.asarray(value.values, dtype=np.float64).reshape(k)
    raise inv.error(
        f"The argument '{arg}' of scale() must be TRUE, FALSE or one number per column.", arg
    )


def scale_call(inv: Invocation) -> RValue:
    x = inv.numeric("x")
    matrix = x.values if x.values.ndim == 2 else x.values[:, None]
    k = matrix.shape[1]
    prior = inv.prior(ScaleState)
    if prior is not None:
        center = None if prior.center is None else np.array(prior.center)
        scale = None if prior.scale is None else np.array(prior.scale)
    else:
        count = (~np.isnan(matrix)).sum(axis=0)
        center = _scale_arg(
            inv, "center", k, lambda: np.nansum(matrix, axis=0) / np.maximum(count, 1)
        )
        centred = matrix if center is None else matrix - center
        scale = _scale_arg(
            inv,
            "scale",
            k,
            lambda: np.sqrt(np.nansum(centred**2, axis=0) / np.maximum(1, count - 1)),
        )
        inv.learn(
            ScaleState(
                None if center is None else tuple(map(float, center)),
                None if scale is None else tuple(map(float, scale)),
            )
        )
    out = matrix if center is None else matrix - center
    out = out if scale is None else out / scale
    return Numeric(out, x.colnames if x.values.ndim == 2 else None)


def _poly_fit(inv: Invocation, x: np.ndarray, degree: int) -> tuple[np.ndarray, PolyState]:
    ok = ~np.isnan(x)
    xs = x[ok]
    distinct = len(np.unique(xs[: 4 * degree + 4]))
    if degree >= distinct:
        distinct = len(np.unique(xs))
    if degree >= distinct:
        raise inv.error(
            f"poly() needs more distinct values of '{deparse(inv.args['x'])}' than "
            f"its degree ({degree}), but there are {distinct}; lower the degree."
        )
    xbar = float(xs.mean())
    centred = xs - xbar
    q, r = np.linalg.qr(centred[:, None] ** np.arange(degree + 1))
    z = q * np.diag(r)
    norm2 = (z**2).sum(axis=0)
    alpha = ((centred[:, None] * z**2).sum(axis=0) / norm2 + xbar)[:degree]
    norm2 = np.concatenate([[1.0], norm2])
    out = np.full((len(x), degree), np.nan)
    out[ok] = (z / np.sqrt(norm2[1:]))[:, 1:]
    return out, PolyState(tuple(map(float, alpha)), tuple(map(float, norm2)))


def poly_predict(x: np.ndarray, state: PolyState) -> np.ndarray:
    """``poly(x, degree)`` on new data with the fitted coefficients (R's ``predict.poly``)."""
    alpha, norm2 = np.array(state.alpha), np.array(state.norm2)
    degree = len(alpha)
    z = np.ones((len(x), degree + 1))
    z[:, 1] = x - alpha[0]
    for i in range(1, degree):
        z[:, i + 1] = (x - alpha[i]) * z[:, i] - (norm2[i + 1] / norm2[i]) * z[:, i - 1]
    return (z / np.sqrt(norm2[1:]))[:, 1:]


_MAX_RAW_DEGREE = 50


def poly_call(inv: Invocation) -> RValue:
    if len(inv.dots) > 1:
        raise inv.error(
            "poly() of several variables is not supported; use one poly() per variable."
        )
    if inv.dots:
        if "degree" in inv.args:
            raise inv.error("poly() is given the degree twice.")
        inv = Invocation(inv.node, inv.label, inv.ev, {**inv.args, "degree": inv.dots[0]}, ())
    x = inv.numeric("x")
    if x.values.ndim != 1:
        raise inv.error("poly() needs a numeric vector, not a matrix.", "x")
    degree = inv.scalar("degree", 1.0)
    if not np.isfinite(degree) or degree < 1 or degree != int(degree):
        raise inv.error("The degree of poly() must be a whole number of at least 1.", "degree")
    if inv.flag("raw", False):
        if degree > _MAX_RAW_DEGREE:
            raise inv.error(
                f"The degree of a raw poly() must be at most {_MAX_RAW_DEGREE}.", "degree"
            )
        powers = np.arange(1, int(degree) + 1)
        return Numeric(x.values[:, None] ** powers, tuple(map(str, powers)))
    prior = inv.prior(PolyState)
    if prior is None:
        out, prior = _poly_fit(inv, x.values, int(degree))
        inv.learn(prior)
    else:
        out = poly_predict(x.values, prior)
    return Numeric(out, tuple(str(i) for i in range(1, len(prior.alpha) + 1)))


def _levels_arg(inv: Invocation, arg: str) -> tuple[str, ...]:
    labels = labels_in_order(inv.value(arg))
    if len(set(labels)) != len(labels):
        raise inv.error(f"The {arg} of {inv.name}() must be distinct.", arg)
    return labels


def factor_call(inv: Invocation, ordered: bool = False, keep_unused: bool = False) -> RValue:
    x = inv.value("x")
    if isinstance(x, Numeric) and x.values.ndim == 2 and x.values.shape[1] != 1:
        raise inv.error(f"{inv.name}() needs a vector, not a matrix.", "x")
    if "exclude" in inv.args:
        raise inv.error("The argument 'exclude' of factor() is not supported.", "exclude")
    if "labels" in inv.args and "levels" not in inv.args:
        raise inv.error(
            f"{inv.name}() with labels needs the levels too, so that new data gets "
            "the same labels.",
            "labels",
        )
    ordered = ordered or (isinstance(x, Factor) and x.ordered)
    ordered = inv.flag("ordered", ordered)
    codes, levels = labelled(x)
    if "levels" in inv.args:
        wanted = _levels_arg(inv, "levels")
        position = {lv: i for i, lv in enumerate(wanted)}
        table = np.array([position.get(lv, -1) for lv in levels] + [-1], dtype=np.int64)
        codes, levels = table[codes], wanted
        if "labels" in inv.args:
            levels = _levels_arg(inv, "labels")
            if len(levels) != len(wanted):
                raise inv.error(f"{inv.name}() needs one label per level.", "labels")
    else:
        if isinstance(x, Factor) and not (keep_unused and not x.logical):
            used = drop_unused(Factor(codes, levels))
            codes, levels = used.codes, used.levels
        prior = inv.prior(LevelsState)
        if prior is not None:
            codes = relevel(
                codes, levels, prior.levels, inv.label, source=inv.ev.source, span=inv.node.span
            )
            levels = prior.levels
    inv.learn(LevelsState(levels, ordered))
    return Factor(codes, levels, ordered)


__all__ = ["factor_call", "poly_predict", "poly_call", "scale_call"]
