"""Design data of a non-linear formula (``bf(..., nl = TRUE)``): nlpar blocks and covariates.

brms gives every non-linear parameter a population-level matrix ``X_<nlpar>`` that it does not
centre (its ``Intercept`` is an ordinary coefficient, ``b_<nlpar>_Intercept``), and passes the
expression's other names as covariate vectors ``C_1``, ``C_2``, ... . A covariate must be
numeric; a logical or a factor with two levels becomes 0/1 (the second level is 1), as brms
codes it; a factor with more levels is refused with brms's message.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

import numpy as np

from ...errors import DesignError, FormulaTermError, UnknownVariableError
from ...evaluate.values import Factor, Value
from ...syntax.ast import Name, Node
from ...terms.brmsterms import BrmsTerms
from ...terms.nlf import model_nlpars
from ...terms.nonlinear import NonlinearTerms, nl_name_nodes
from ..ir import FixedBlock, Nonlinear

__all__ = [
    "check_nonlinear_kind",
    "covariate_nodes",
    "covariates_matrix",
    "nonlinear_design",
]


def covariate_nodes(bt: BrmsTerms, columns: Collection[str] | None = None) -> list[Node]:
    """The covariates of a non-linear formula as variable nodes (none for other formulas).

    Raises
    ------
    UnknownVariableError
        Where ``columns`` (the data's) lack a covariate: it is neither data nor a non-linear
        parameter with a formula.
    """
    out: list[Node] = []
    exprs = [(bt.nonlinear, bt.source)] if bt.nonlinear is not None else []
    for nt, source in [*exprs, *((t.terms, t.source) for t in bt.nlf)]:  # nlf(sigma ~ ...)
        nodes = nl_name_nodes(nt.expr, source)
        out += [nodes[name] for name in nt.covariates]
    for node in out:
        if columns is not None and isinstance(node, Name) and node.name not in columns:
            raise UnknownVariableError(
                "The following variables can neither be found in 'data' nor in 'data2': "
                f"'{node.name}'. Give a non-linear parameter its formula ({node.name} ~ 1) "
                "or add the variable to the data.",
                bt.source,
                node.span,
            )
    return out


def covariates_matrix(
    bt: BrmsTerms, values: Mapping[str, Value], n: int, nl: NonlinearTerms | None = None
) -> np.ndarray:
    """``(n, k)`` values of the covariates of mu's expression (or of ``nl``'s), brms's
    ``C_1 ... C_k`` (``C_sigma_1 ...``).

    Raises
    ------
    DesignError
        For a factor with more than two levels (brms's message) or a matrix-valued column.
    """
    nl = bt.nonlinear if nl is None else nl
    names = nl.covariates if nl is not None else ()
    columns = []
    for name in names:
        value = values[name]
        if isinstance(value, Factor):
            if len(value.levels) > 2:
                raise DesignError(
                    "Factors with more than two levels are not allowed as covariates. "
                    f"('{name}' in the non-linear formula has {len(value.levels)}.)"
                )
            columns.append(value.codes.astype(np.float64))
            continue
        column = np.asarray(value.values, dtype=np.float64)
        if column.ndim != 1:
            raise DesignError(
                f"The covariate '{name}' of the non-linear formula must be one numeric column."
            )
        columns.append(column)
    return np.column_stack(columns) if columns else np.zeros((n, 0))


def check_nonlinear_kind(bt: BrmsTerms, kind: str) -> None:
    """Refuse a non-linear formula of an ordinal or categorical family (not supported yet)."""
    if bt.nlf and kind in {"ordinal", "categorical"}:
        raise FormulaTermError(
            f"nlf() formulas of {kind} families are not supported yet.",
            bt.nlf[0].source,
            bt.nlf[0].name_span,
        )
    if bt.nonlinear is not None and kind in {"ordinal", "categorical"}:
        raise FormulaTermError(
            f"Non-linear formulas of {kind} families are not supported yet; use a family "
            "with one mu per row.",
            bt.source,
            bt.nonlinear.expr.span,
        )


def nonlinear_design(
    bt: BrmsTerms, fixed: Sequence[FixedBlock], values: Mapping[str, Value], n: int
) -> tuple[tuple[FixedBlock, ...], Nonlinear | None]:
    """The population-level blocks with the nlpars' left uncentred, and the expression's data."""
    nl, own = bt.nonlinear, model_nlpars(bt)  # nlpars of nl = TRUE and of nlf() formulas
    blocks = tuple(replace(b, intercept=False) if b.dpar in own else b for b in fixed)
    if nl is None:
        return blocks, None
    return blocks, Nonlinear(nl.expr, nl.nlpars, nl.covariates, covariates_matrix(bt, values, n))
