"""brms's ``s()`` and ``t2()`` terms in the design: their covariates, bases and columns.

A smooth ``s(x, k = 10, bs = "tp")`` in a dpar's formula becomes, as in brms 2.18's
``data_sm``, unpenalized columns appended to that dpar's population-level block (brms's
``Xs``, named ``slstat_1``; coefficients ``bs`` with class ``b`` priors) and a
:class:`~.ir.SmoothBlock` of penalized columns (brms's ``Zs_<k>_1``; coefficients
``s = sds * zs``). The bases come from :mod:`brmsjax.formula.smooths` (mgcv's constructors;
:mod:`.smooth_bases` picks one per basis type, :mod:`.t2_terms` reads ``t2()``'s margins);
smooths with several penalties (``t2()``, ``bs = "fs"``) have one ``Zs_<k>_<j>`` per penalty.
New data goes through the fitted basis (mgcv's ``PredictMat``, brms's ``s2rPred``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ... import names as brms_names
from ...errors import DesignError, FormulaTermError
from ...evaluate.variables import Factor, Value
from ...smooths import BASES, SmoothFit
from ...syntax.ast import Call, Name, Node, Number, String, strip_parens
from ...syntax.parse import deparse
from ...terms.terms import TermList
from ..ir import Design, FixedBlock, SmoothBlock
from ..matrix import brms_rename
from .smooth_bases import basis_at, smooth_basis, smooth_fits
from .t2_terms import t2_margins

__all__ = [
    "SmoothTerm",
    "add_smooths",
    "encode_smooths",
    "smooth_draws",
    "smooth_matrix",
    "smooth_nodes",
    "smooth_term",
]

_LOGICAL = {"TRUE": True, "T": True, "FALSE": False, "F": False}

# Basis types brms users pass to s().
_BASES = ("tp", "ts", "cr", "cs", "cc", "ps", "cp", "re", "gp", "ad", "ds", "sos", "mrf", "fs")


@dataclass(frozen=True)
class SmoothTerm:
    """One ``s()`` or ``t2()`` call as read from the formula.

    Attributes
    ----------
    call
        The call node (for caret errors).
    covariates
        The covariate expressions (positional arguments).
    k
        The basis dimension, -1 for mgcv's default.
    bs
        The basis type (``"tp"``, ``"ts"``, ``"cr"``, ``"cs"``, ``"cc"``, ``"ps"``, ``"re"``,
        ``"fs"``; ``"t2"`` for a ``t2()`` term, whose margins have theirs).
    by
        The ``by`` variable (a factor: one smooth per level; numeric: a varying coefficient).
    func
        ``"s"`` or ``"t2"`` (a tensor product smooth).
    margins
        A ``t2()``'s ``(bs, k)`` per margin (covariate); empty for ``s()``.
    m
        The penalty order of a ``"tp"``/``"ts"`` basis (0: mgcv's default).
    fx
        ``fx = TRUE``: an unpenalized smooth (every column in ``Xs``, no ``Zs``).
    knots_xt
        ``xt = list(max.knots = , seed = )`` of a ``"tp"``/``"ts"`` basis: above ``max.knots``
        unique covariate values mgcv draws that many knots under ``set.seed(seed)``.
    """

    call: Call
    covariates: tuple[Node, ...]
    k: int
    bs: str
    by: Node | None = None
    func: str = "s"
    margins: tuple[tuple[str, int], ...] = ()
    m: int = 0
    fx: bool = False
    knots_xt: tuple[int, int] = (2000, 1)

    @property
    def term(self) -> str:
        """mgcv's label: ``s(lstat)``, ``s(x1,x2)``, ``t2(x1,x2)``."""
        return f"{self.func}(" + ",".join(deparse(c) for c in self.covariates) + ")"

    def label_of(self, level: str | None = None) -> str:
        """mgcv's label of the smooth (of a factor ``by`` level): ``s(x)``, ``s(x):fa``,
        ``s(x):w``."""
        if self.by is None:
            return self.term
        return f"{self.term}:{deparse(self.by)}{'' if level is None else level}"


def smooth_term(call: Call, source: str) -> SmoothTerm:
    """Read an ``s()`` call.

    Raises
    ------
    FormulaTermError
        For an argument brmsjax does not support (yet) or a malformed one; the caret points
        at it.
    """
    if call.func == "t2":
        nodes = tuple(a.value for a in call.args if a.name is None)
        if not nodes:
            raise FormulaTermError(
                "t2() needs at least one covariate, as in t2(x, z).", source, call.span
            )
        margins, t2_by = t2_margins(call, len(nodes), source)
        return SmoothTerm(call, nodes, -1, "t2", t2_by, "t2", margins)
    covariates: list[Node] = []
    k, bs, m, fx = -1, "tp", 0, False
    knots_xt: tuple[int, int] | None = None
    by: Node | None = None
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
            if bs not in (*BASES, "cs", "ts", "re", "fs"):
                raise FormulaTermError(
                    f'The smooth basis bs = "{bs}" is not supported yet; brmsjax builds the '
                    'bases bs = "tp" (the default), "ts", "cr", "cs", "cc", "ps", "re" and "fs".',
                    source,
                    arg.span,
                )
        elif arg.name == "by":
            by = arg.value
        elif arg.name == "m":
            if not isinstance(value, Number) or value.value != int(value.value) or value.value < 0:
                raise FormulaTermError(
                    "The argument m of s() must be a whole number (the penalty order).",
                    source,
                    arg.span,
                )
            m = int(value.value)
        elif arg.name == "fx" and isinstance(value, Name) and value.name in _LOGICAL:
            fx = _LOGICAL[value.name]
        elif arg.name == "id":  # mgcv's shared smoothing parameter: brms's data ignore it
            continue
        elif arg.name == "xt":
            knots_xt = _knots_xt(arg, source)
        else:
            raise FormulaTermError(
                f"The argument '{arg.name}' of s() is not supported yet; s() takes the "
                "covariates, k, bs, m, by, fx (TRUE or FALSE), id and xt.",
                source,
                arg.span,
            )
    if not covariates:
        raise FormulaTermError("s() needs at least one covariate, as in s(x).", source, call.span)
    if by is not None and bs == "fs":
        raise FormulaTermError(
            'The argument by of s(bs = "fs") is not supported yet; leave it out.',
            source,
            call.span,
        )
    if m and bs == "ps":
        raise FormulaTermError(
            'The argument m of s(bs = "ps") is not supported yet; leave m out (m = c(2, 2)).',
            source,
            call.span,
        )
    if knots_xt is not None and bs not in ("tp", "ts"):
        raise FormulaTermError(
            f'The argument xt of s(bs = "{bs}") is not supported yet; brmsjax reads '
            'xt = list(max.knots = , seed = ) of bs = "tp" and "ts".',
            source,
            call.span,
        )
    return SmoothTerm(call, tuple(covariates), k, bs, by, "s", (), m, fx, knots_xt or (2000, 1))


def _knots_xt(arg: Any, source: str) -> tuple[int, int]:
    """``xt = list(max.knots = , seed = )`` (mgcv's thin plate options; either may be left
    out: 2000 and 1)."""
    value = strip_parens(arg.value)
    found = {"max.knots": 2000, "seed": 1}
    message = (
        "The argument xt of s() must be list(max.knots = , seed = ) with whole numbers "
        "(mgcv's thin plate knot options)."
    )
    if not isinstance(value, Call) or value.func != "list":
        raise FormulaTermError(message, source, arg.span)
    for item in value.args:
        number = strip_parens(item.value)
        if (
            item.name not in found
            or not isinstance(number, Number)
            or number.value != int(number.value)
            or (item.name == "max.knots" and number.value < 1)
        ):
            raise FormulaTermError(message, source, item.span)
        found[item.name] = int(number.value)
    return found["max.knots"], found["seed"]


def smooth_nodes(terms: TermList) -> list[Node]:
    """The covariates of a formula part's smooths, evaluated with its other variables."""
    return [
        a.value for call in terms.smooths for a in call.args if a.name is None or a.name == "by"
    ]


@dataclass(frozen=True)
class FittedSmooth:
    """What new data needs of one fitted smooth (``SmoothBlock.basis``).

    Attributes
    ----------
    term
        The index of its ``s()`` call among the formula part's smooths.
    basis
        The raw basis (:class:`~brmsjax.formula.smooths.tprs.TprsBasis`).
    fit
        The constraint and reparameterization (:class:`~brmsjax.formula.smooths.SmoothFit`).
    level
        The level of a factor ``by`` variable this smooth belongs to, else None.
    columns
        Its unpenalized columns' names in the dpar's block (``sx_1``; brms's ``bs_sx_1``).
    """

    term: int
    basis: Any
    fit: SmoothFit
    level: str | None = None
    columns: tuple[str, ...] = ()


def _by_multipliers(
    term: SmoothTerm, values: Mapping[str, Value], level: str | None = None
) -> tuple[list[np.ndarray] | None, list[str | None], bool]:
    """mgcv's ``by`` handling: the multipliers, their levels and whether to constrain.

    A factor gives one smooth per level (an ordered factor's first level dropped), each the
    basis times the level's indicator; a numeric variable multiplies the basis and, unless it
    is constant, removes the sum-to-zero constraint. ``level`` picks one level (new data).
    """
    if term.by is None:
        return None, [None], True
    value = values[deparse(term.by)]
    if isinstance(value, Factor):
        labels = np.asarray(value.levels, dtype=object)
        levels = list(value.levels)
        if value.ordered and len(levels) > 1:
            levels = levels[1:]
        if level is not None:
            levels = [level]
        codes = value.codes
        return [(codes >= 0) & (labels[codes] == lv) for lv in levels], list(levels), True
    by = np.asarray(value.values, dtype=float)
    if by.ndim != 1:
        raise DesignError(f"The by variable of {term.term} must be one numeric column or a factor.")
    varying = (
        bool(np.std(by, ddof=1) > np.mean(by) * np.finfo(float).eps * 1000)
        if len(by) > 1
        else False
    )
    return [by], [None], not varying


def add_smooths(
    dpar_terms: Sequence[tuple[str, TermList]],
    fixed: Sequence[FixedBlock],
    values: Mapping[str, Value],
    source: str,
) -> tuple[tuple[FixedBlock, ...], tuple[SmoothBlock, ...]]:
    """The blocks with the smooths' unpenalized columns appended, and the smooths' blocks.

    ``dpar_terms`` pairs each block's dpar with its formula part (as ``fixed``, in order). A
    smooth with a factor ``by`` gives one block per level, numbered on as brms does.
    """
    out, smooths = [], []
    for (dpar, terms), block in zip(dpar_terms, fixed, strict=True):
        extra, names = [], []
        k = 0
        for t, call in enumerate(terms.smooths):
            term = smooth_term(call, source)
            by, levels, constrain = _by_multipliers(term, values)
            try:
                basis = smooth_basis(term, values)
                fits = smooth_fits(term, basis, by, constrain)
            except DesignError:
                raise
            except ValueError as e:
                raise FormulaTermError(f"{term.term}: {e}.", source, call.span) from None
            for fit, level in zip(fits, levels, strict=True):
                k += 1
                mgcv = term.label_of(level)
                cols = [brms_rename(f"{mgcv}_{i}") for i in range(1, fit.Xf.shape[1] + 1)]
                extra.append(fit.Xf)
                names += cols
                label = brms_rename(mgcv).replace(":", "")
                fitted = FittedSmooth(t, basis, fit, level, tuple(cols))
                parts = fit.Zs if isinstance(fit.Zs, tuple) else (fit.Zs,) * (not term.fx)
                knots = tuple(z.shape[1] for z in parts)
                smooths.append(SmoothBlock(dpar, k, label, deparse(call), knots, parts, fitted))
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
    terms = next(dp.fixed for dp in bt.dpars if dp.dpar == dpar)
    Xs, Zs = [], []
    for sm in design.smooths:
        if sm.dpar != dpar:
            continue
        fitted: FittedSmooth = sm.basis
        term = smooth_term(terms.smooths[fitted.term], bt.source)
        raw = basis_at(term, fitted.basis, values)
        by, _, _ = _by_multipliers(term, values, fitted.level)
        if by is not None:
            raw = raw * np.asarray(by[0], dtype=float)[:, None]
        Xf, Z = fitted.fit.transform(raw)
        Xs.append(Xf)
        Zs.append(np.hstack(Z) if isinstance(Z, tuple) else Z)
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
