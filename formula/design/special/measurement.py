"""brms's noise-free predictors ``me(x, sdx)``: a latent ``Xme`` observed as ``x`` with noise.

brms takes every term with a ``me()`` call into the special effects (``sp``) of its block, as
it does with ``mo()`` (:mod:`.monotonic`): the term ``me(x, sdx):z`` gets the coefficient
``bsp_mexsdx:z`` and the covariate ``Csp_k = z``, and its predictor is ``bsp * Xme_k * Csp_k``.
Each distinct ``me()`` call is one latent variable ``Xme_k`` with data ``Xn_k = x`` and
``noise_k = sdx`` (brms's ``data_Xme``); its label ``mex`` (``rename(paste0("me", x))``) names
its ``meanme_mex`` and ``sdme_mex`` parameters. brms writes that data after every block and
group (``Mme_1``, ``NCme_1``, ``Xn_k``, ``noise_k``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...errors import DesignError, FormulaTermError
from ...evaluate.variables import Factor, Numeric, Value
from ...syntax.ast import Call, Node, strip_parens
from ...syntax.parse import deparse
from ..ir import SpBlock
from ..matrix import brms_rename

__all__ = [
    "is_me",
    "me_arguments",
    "me_group",
    "me_grouped",
    "me_label",
    "me_standata",
    "me_values",
]


def is_me(node: Node) -> bool:
    """Whether ``node`` is a ``me()`` call."""
    node = strip_parens(node)
    return isinstance(node, Call) and node.func == "me"


def me_arguments(node: Node, source: str | None) -> tuple[Node, Node]:
    """``x`` and ``sdx`` of ``me(x, sdx)``, checked (``gr`` is not supported yet)."""
    call = strip_parens(node)
    if not isinstance(call, Call):  # pragma: no cover - guarded by is_me
        raise TypeError(type(call).__name__)
    given: dict[str, Node] = {}
    params = ("x", "sdx")
    positional = [a.value for a in call.args if a.name is None]
    for param, value in zip(params, positional, strict=False):
        given[param] = value
    for arg in call.args:
        if arg.name == "gr":  # me_group() reads it
            continue
        if arg.name is not None:
            if arg.name not in params:
                raise FormulaTermError(
                    f"me() has no argument '{arg.name}'; its arguments are: x, sdx, gr.",
                    source,
                    arg.span,
                )
            given[arg.name] = arg.value
    if len(positional) > 2 or set(given) != set(params):
        raise FormulaTermError(
            "me() takes a variable and its measurement error, as in me(x, sdx).", source, call.span
        )
    return given["x"], given["sdx"]


def me_group(node: Node) -> Node | None:
    """The grouping factor of ``me(x, sdx, gr = g)`` (one latent value per level), or None."""
    call = strip_parens(node)
    args = call.args if isinstance(call, Call) else ()
    return next((a.value for a in args if a.name == "gr"), None)


def me_grouped(
    node: Node, values: Mapping[str, Value], n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Xn`` and ``noise`` per level of ``me(x, sdx, gr = g)``'s ``g`` and each row's level
    (0-based ``Jme``; levels in the factor's order), with brms's check that ``x`` and ``sdx``
    are constant within each level."""
    x, sdx = me_values(node, values, n)
    gr = me_group(node)
    if gr is None:  # pragma: no cover - called for gr terms only
        raise TypeError("me() without gr")
    g = values[deparse(gr)]
    if isinstance(g, Factor):
        codes, levels = np.asarray(g.codes, dtype=np.int64), [str(v) for v in g.levels]
        used = np.unique(codes)
        codes = np.searchsorted(used, codes)
        levels = [levels[i] for i in used]
    else:
        raw = np.asarray(getattr(g, "values", g))
        uniq, codes = np.unique(raw, return_inverse=True)
        levels = [f"{v:g}" if isinstance(v, float) else str(v) for v in uniq]
    xn, noise = np.empty(len(levels)), np.empty(len(levels))
    for k, level in enumerate(levels):
        rows = codes == k
        if np.unique(x[rows]).size > 1 or np.unique(sdx[rows]).size > 1:
            raise DesignError(
                "Measured values and measurement error should be unique for each group. "
                f"Occured for level '{level}' of group '{deparse(gr)}'."
            )
        first = np.flatnonzero(rows)[0]
        xn[k], noise[k] = x[first], sdx[first]
    return xn, noise, codes.astype(np.int64)


def me_label(node: Node) -> str:
    """brms's label of a ``me()`` variable: ``mex`` for ``me(x, sdx)``."""
    return brms_rename("me" + deparse(me_arguments(node, None)[0]))


def me_values(node: Node, values: Mapping[str, Value], n: int) -> tuple[np.ndarray, np.ndarray]:
    """``Xn`` and ``noise`` of ``me(x, sdx)``: numeric, the noise non-negative."""
    out = []
    for arg, what in zip(me_arguments(node, None), ("values", "measurement errors"), strict=True):
        value = values[deparse(arg)]
        if not isinstance(value, Numeric) or value.values.ndim != 1:
            raise DesignError(f"The {what} of {deparse(node)} must be numeric.")
        out.append(np.broadcast_to(value.values.astype(np.float64), (n,)).copy())
    if np.any(out[1] < 0):
        raise DesignError(f"The measurement errors of {deparse(node)} must be non-negative.")
    return out[0], out[1]


def me_standata(blocks: list[SpBlock | None]) -> dict[str, Any]:
    """brms's ``data_Xme`` of the ``me()`` variables (one group: every term with the same
    ``gr``, or none; with ``gr`` the values are per level, ``Jme_1`` each row's level)."""
    xn = [x for b in blocks if b is not None for x in b.Xn]
    noise = [x for b in blocks if b is not None for x in b.noise]
    if not xn:
        return {}
    m = len(xn)
    out: dict[str, Any] = {"Mme_1": m, "NCme_1": m * (m - 1) // 2}
    J = next((b.me_J for b in blocks if b is not None and b.me_J is not None), None)
    if J is not None:
        out["Nme_1"], out["Jme_1"] = len(xn[0]), J + 1
    for k, (x, s) in enumerate(zip(xn, noise, strict=True), 1):
        out[f"Xn_{k}"], out[f"noise_{k}"] = x, s
    return out
