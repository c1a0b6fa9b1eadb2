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
from ...evaluate.variables import Numeric, Value
from ...syntax.ast import Call, Node, strip_parens
from ...syntax.parse import deparse
from ..ir import SpBlock
from ..matrix import brms_rename

__all__ = ["is_me", "me_arguments", "me_label", "me_standata", "me_values"]


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
        if arg.name == "gr":
            raise FormulaTermError(
                "me(x, sdx, gr = ) is not supported yet in brmsjax; remove gr.", source, arg.span
            )
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
    """brms's ``data_Xme`` of the ``me()`` variables (one group: no ``gr``)."""
    xn = [x for b in blocks if b is not None for x in b.Xn]
    noise = [x for b in blocks if b is not None for x in b.noise]
    if not xn:
        return {}
    m = len(xn)
    out: dict[str, Any] = {"Mme_1": m, "NCme_1": m * (m - 1) // 2}
    for k, (x, s) in enumerate(zip(xn, noise, strict=True), 1):
        out[f"Xn_{k}"], out[f"noise_{k}"] = x, s
    return out
