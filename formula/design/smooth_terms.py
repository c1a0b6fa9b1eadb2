"""brms's ``s()`` terms in the design: their covariates, bases and columns.

A smooth ``s(x, k = 10, bs = "tp")`` in a dpar's formula becomes, as in brms 2.18's
``data_sm``, unpenalized columns appended to that dpar's population-level block (brms's
``Xs``, named ``slstat_1``; coefficients ``bs`` with class ``b`` priors) and a
:class:`~.ir.SmoothBlock` of penalized columns (brms's ``Zs_<k>_1``; coefficients
``s = sds * zs``). The bases come from :mod:`brmsjax.formula.smooths` (mgcv's constructors);
new data goes through the fitted basis (mgcv's ``PredictMat``, brms's ``s2rPred``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .. import names as brms_names
from ..errors import DesignError, FormulaTermError
from ..evaluate.variables import Numeric, Value
from ..smooths import tp_smooth, tprs_predict
from ..smooths.tprs import default_order, null_space_dimension
from ..syntax.ast import Call, Node, Number, String, strip_parens
from ..syntax.parse import deparse
from ..terms.terms import TermList
from .ir import Design, FixedBlock, SmoothBlock
from .matrix import brms_rename

__all__ = [
    "SmoothTerm",
    "add_smooths",
    "encode_smooths",
    "smooth_draws",
    "smooth_matrix",
    "smooth_nodes",
    "smooth_term",
]

# Basis types brms users pass to s(); only the thin plate one is built so far.
_BASES = ("tp", "ts", "cr", "cs", "cc", "ps", "cp", "re", "gp", "ad", "ds", "sos", "mrf", "fs")


@dataclass(frozen=True)
class SmoothTerm:
    """One ``s()`` call as read from the formula.

    Attributes
    ----------
    call
        The call node (for caret errors).
    covariates
        The covariate expressions (positional arguments).
    k
        The basis dimension, -1 for mgcv's default.
    bs
        The basis type (``"tp"``).
    """

    call: Call
    covariates: tuple[Node, ...]
    k: int
    bs: str

    @property
    def term(self) -> str:
        """mgcv's label: ``s(lstat)``, ``s(x1,x2)``."""
        return "s(" + ",".join(deparse(c) for c in self.covariates) + ")"

    @property
    def label(self) -> str:
        """brms's label: mgcv's renamed (``slstat``)."""
        return brms_rename(self.term)


def smooth_term(call: Call, source: str) -> SmoothTerm:
    """Read an ``s()`` call.

    Raises
    ------
    FormulaTermError
        For an argument brmsjax does not support (yet) or a malformed one; the caret points
        at it.
    """
    covariates: list[Node] = []
    k, bs = -1, "tp"
    for arg in call.args:
        value = strip_parens(arg.value)
        if arg.name is None:
            covariates.append(arg.value)
        elif arg.name == "k":
            if not isinstance(value, Number) or value.value != int(value.value):
                raise FormulaTermError(
                    "The argument k of s() must be a whole number (the basis dimension).",
                    source,
                    arg.span,
                )
            k = int(value.value)
        elif arg.name == "bs":
            if not isinstance(value, String):
                raise FormulaTermError(
                    'The argument bs of s() must be a string such as "tp".', source, arg.span
                )
            bs = value.value
            if bs not in _BASES:
                raise FormulaTermError(
                    f"'{bs}' is not an mgcv basis; use one of {', '.join(_BASES)}.",
                    source,
                    arg.span,
                )
            if bs != "tp":
                raise FormulaTermError(
                    f'The smooth basis bs = "{bs}" is not supported yet; brmsjax builds the '
                    'thin plate basis bs = "tp" (the default).',
                    source,
                    arg.span,
                )
        else:
            raise FormulaTermError(
                f"The argument '{arg.name}' of s() is not supported yet; s() takes the "
                "covariates, k and bs.",
                source,
                arg.span,
            )
    if not covariates:
        raise FormulaTermError("s() needs at least one covariate, as in s(x).", source, call.span)
    return SmoothTerm(call, tuple(covariates), k, bs)


def smooth_nodes(terms: TermList) -> list[Node]:
    """The covariates of a formula part's smooths, evaluated with its other variables."""
    return [a.value for call in terms.smooths for a in call.args if a.name is None]


def _covariates(term: SmoothTerm, values: Mapping[str, Value]) -> np.ndarray:
    cols = []
    for node in term.covariates:
        value = values[deparse(node)]
        if not isinstance(value, Numeric) or value.values.ndim != 1:
            raise DesignError(
                f"The covariate {deparse(node)} of {term.term} must be numeric; give factors "
                "to s() with by (not supported yet) or as a separate term."
            )
        cols.append(np.asarray(value.values, dtype=float))
    return np.column_stack(cols)


def _dimension(term: SmoothTerm, d: int) -> int:
    """mgcv's basis dimension: the default, or ``k`` raised to the minimum with its warning."""
    M = null_space_dimension(d, default_order(d, 0))
    if term.k < 0:
        return M + (8, 27, 100)[min(d, 3) - 1]
    if term.k < M + 1:
        warnings.warn(
            f"basis dimension, k, increased to minimum possible ({term.term}: k = {M + 1})",
            UserWarning,
            stacklevel=4,
        )
        return M + 1
    return term.k


def add_smooths(
    dpar_terms: Sequence[tuple[str, TermList]],
    fixed: Sequence[FixedBlock],
    values: Mapping[str, Value],
    source: str,
) -> tuple[tuple[FixedBlock, ...], tuple[SmoothBlock, ...]]:
    """The blocks with the smooths' unpenalized columns appended, and the smooths' blocks.

    ``dpar_terms`` pairs each block's dpar with its formula part (as ``fixed``, in order).
    """
    out, smooths = [], []
    for (dpar, terms), block in zip(dpar_terms, fixed, strict=True):
        extra, names = [], []
        for k, call in enumerate(terms.smooths, 1):
            term = smooth_term(call, source)
            x = _covariates(term, values)
            try:
                basis, fit = tp_smooth(x, _dimension(term, x.shape[1]))
            except ValueError as e:
                raise FormulaTermError(f"{term.term}: {e}.", source, call.span) from None
            cols = [brms_rename(f"{term.term}_{i}") for i in range(1, fit.Xf.shape[1] + 1)]
            extra.append(fit.Xf)
            names += cols
            smooths.append(
                SmoothBlock(
                    dpar, k, term.label, deparse(call), (fit.Zs.shape[1],), (fit.Zs,), (basis, fit)
                )
            )
        out.append(
            replace(
                block,
                X=np.hstack([block.X, *extra]),
                columns=(*block.columns, *names),
                smooth=(*block.smooth, *names),
            )
            if extra
            else block
        )
    return tuple(out), tuple(smooths)


def encode_smooths(
    design: Design, dpar: str, values: Mapping[str, Value]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """New data's unpenalized and penalized columns of a dpar's smooths (fitted bases)."""
    bt = design.state.terms
    terms = next(dp.fixed for dp in bt.dpars if dp.dpar == dpar) if bt else None
    Xs, Zs = [], []
    for sm in design.smooths:
        if sm.dpar != dpar or terms is None:
            continue
        term = smooth_term(terms.smooths[sm.k - 1], bt.source)
        basis, fit = sm.basis
        Xf, Z = fit.transform(tprs_predict(basis, _covariates(term, values)))
        Xs.append(Xf)
        Zs.append(Z)
    return Xs, Zs


def smooth_draws(design: Design, dpar: str) -> list[str]:
    """The draws of a dpar's penalized smooth coefficients in their columns' order
    (``s_slstat_1[1]``, ...), matching the ``Zs`` columns that prediction appends."""
    return [
        brms_names.s_name(sm.prefix, j + 1, i + 1)
        for sm in design.smooths
        if sm.dpar == dpar
        for j, size in enumerate(sm.knots)
        for i in range(size)
    ]


def smooth_matrix(design: Design, dpar: str) -> list[np.ndarray]:
    """The fitting data's penalized columns of a dpar's smooths (prediction's ``Zs``)."""
    return [np.asarray(z, dtype=float) for sm in design.smooths if sm.dpar == dpar for z in sm.Zs]
