"""brms's ``t2()`` terms: reading their margins and building their bases.

``t2(x1, x2, k = c(5, 6), bs = c("tp", "cr"), by = f)`` has one margin per covariate, each
with its basis type and dimension (mgcv's ``t2()``: ``k`` defaults to 5 and ``bs`` to
``"cr"``, a single value applies to every margin). The basis and its split into brms's ``Xs``
and ``Zs_<k>_<j>`` parts are :mod:`brmsjax.formula.smooths.t2`; :mod:`.smooth_terms` places
them in the design as it does ``s()``'s. brms refuses ``te()`` and ``ti()`` (mgcv's
``smooth2random`` cannot split a smooth with several penalties on the same coefficients), and
so does brmsjax's formula reader, with brms's message.
"""

from __future__ import annotations

import warnings

import numpy as np

from ...errors import FormulaTermError
from ...smooths import BASES, basis_setup
from ...smooths.t2 import T2Basis, t2_setup
from ...syntax.ast import Argument, Call, Name, Node, Number, String, strip_parens
from ...warn import user_stacklevel

__all__ = ["t2_basis", "t2_margins"]

# The smallest basis dimension of each margin's constructor (mgcv raises smaller k to it).
_MIN_K = {"tp": 3, "cr": 3, "cc": 4, "ps": 4}


def _values(arg: Argument, kind: type, source: str) -> list:
    """A literal or ``c()`` of literals of type ``kind`` (Number or String)."""
    value = strip_parens(arg.value)
    items: list[Node] = [value]
    if isinstance(value, Call) and value.func == "c" and value.args:
        items = [strip_parens(a.value) for a in value.args]
    if not all(isinstance(v, kind) for v in items):
        what = "whole numbers" if kind is Number else 'strings such as "cr"'
        raise FormulaTermError(
            f"The argument {arg.name} of t2() must be one value or c() of {what}, one per margin.",
            source,
            arg.span,
        )
    return [v.value for v in items if isinstance(v, (Number, String))]


def t2_margins(call: Call, n: int, source: str) -> tuple[tuple[tuple[str, int], ...], Node | None]:
    """The ``(bs, k)`` of each of the ``n`` margins of a ``t2()`` call and its ``by``.

    As mgcv's ``t2()``: ``k`` below 3 resets every margin to the default 5 with mgcv's
    warning, a ``k`` of the wrong length silently so; a ``bs`` of the wrong length becomes
    ``"cr"`` with mgcv's warning.

    Raises
    ------
    FormulaTermError
        For an argument brmsjax does not support or a malformed one.
    """
    ks: list[float] = [5.0] * n
    bs: list[str] = ["cr"] * n
    by: Node | None = None
    for arg in call.args:
        if arg.name is None:
            continue
        if arg.name == "k":
            ks = _values(arg, Number, source)
            if any(k != int(k) for k in ks):
                raise FormulaTermError(
                    "The argument k of t2() must be whole numbers (the margins' dimensions).",
                    source,
                    arg.span,
                )
        elif arg.name == "bs":
            bs = _values(arg, String, source)
            for b in bs:
                if b not in BASES:
                    raise FormulaTermError(
                        f'The margin basis bs = "{b}" of t2() is not supported yet; brmsjax '
                        'builds the margins bs = "cr" (the default), "tp", "cc" and "ps".',
                        source,
                        arg.span,
                    )
        elif arg.name == "by":
            by = arg.value
        elif arg.name == "full" and _is_false(arg.value):
            continue
        else:
            raise FormulaTermError(
                f"The argument '{arg.name}' of t2() is not supported yet; t2() takes the "
                "covariates, k, bs and by.",
                source,
                arg.span,
            )
    if any(k < 3 for k in ks):
        warnings.warn(
            "one or more supplied k too small - reset to default",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
        ks = [5.0] * n
    if len(ks) == 1:
        ks = ks * n
    elif len(ks) != n:
        ks = [5.0] * n
    if len(bs) == 1:
        bs = bs * n
    elif len(bs) != n:
        warnings.warn("bs wrong length and ignored.", UserWarning, stacklevel=user_stacklevel())
        bs = ["cr"] * n
    return tuple((b, max(int(k), _MIN_K[b])) for b, k in zip(bs, ks, strict=True)), by


def _is_false(node: Node) -> bool:
    value = strip_parens(node)
    return isinstance(value, Name) and value.name in ("FALSE", "F")


def t2_basis(margins: tuple[tuple[str, int], ...], x: np.ndarray) -> T2Basis:
    """The ``t2`` basis of covariates ``x`` ``(n, d)``, margin ``i`` on column ``i``."""
    return t2_setup(x, [basis_setup(b, x[:, [i]], k) for i, (b, k) in enumerate(margins)])
