"""The response of a design as brms codes it for the family, with its addition terms.

:func:`family_kind` reads a family (None, a brms family name or a family object) as its name and
kind; the kind decides how the response is coded: numbers as they are, a factor by its codes
from 1 (an R logical as 0/1), an ordinal response as an ordered factor or the integers 1, 2, ...
with its categories, a categorical one by its levels. The addition terms ``weights()``,
``trials()``, ``se()``, ``rate()``, ``cens()``, ``trunc()``, ``thres()`` and ``dec()`` are
checked and coded as brms's standata codes them. :mod:`.design` re-exports these names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DesignError
from ..evaluate.variables import Factor, Numeric, Value, format_r_number, unique_inverse
from ..syntax.ast import Node
from ..syntax.parse import deparse
from ..terms.additions import addition_args, constant_value
from ..terms.brmsterms import Addition, BrmsTerms
from .ir import Response

__all__ = ["CATEGORICAL_FAMILIES", "MATRIX_FAMILIES", "ORDINAL_FAMILIES", "family_kind"]

# brms families whose kind build_design needs when a family is given by name.
ORDINAL_FAMILIES = frozenset({"cumulative", "sratio", "cratio", "acat"})
CATEGORICAL_FAMILIES = frozenset({"categorical", "multinomial", "dirichlet", "logistic_normal"})
#: Categorical-type families whose response is a matrix, one column per category
#: (``cbind(y1, y2, y3)``), named by its column names.
MATRIX_FAMILIES = frozenset({"multinomial", "dirichlet", "logistic_normal"})
_CENS_CODES = {"left": -1.0, "none": 0.0, "right": 1.0, "interval": 2.0}


@dataclass(frozen=True)
class _Kind:
    """A family's name and kind, as :func:`family_kind` reads them."""

    name: str
    kind: str


def family_kind(family: Any = None) -> tuple[str, str]:
    """The ``(name, kind)`` of a family given as None (gaussian), a name or a family object.

    Only the kind matters to the design; objects are read by their ``name`` and ``kind``
    attributes so that this module needs no backend import.
    """
    if family is None:
        return "gaussian", "continuous"
    if isinstance(family, str):
        name = family.strip()
        low = name.lower()
        if low in ORDINAL_FAMILIES:
            return low, "ordinal"
        if low in CATEGORICAL_FAMILIES:
            return low, "categorical"
        return name, "continuous"
    name = str(getattr(family, "name", "gaussian"))
    kind = str(getattr(family, "kind", "continuous"))
    return name, kind


def _response_values(
    bt: BrmsTerms, value: Value, name: str, kind: str
) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """The response as brms codes it for the family's kind, with its category labels."""
    label = deparse(bt.response)
    if name in MATRIX_FAMILIES:
        return _matrix_response(value, label, name)
    if isinstance(value, Numeric) and value.values.ndim != 1:
        raise DesignError(f"The response '{label}' must be one column.")
    if kind == "ordinal":
        return _ordinal_response(value, label, name)
    if kind == "categorical":
        if isinstance(value, Factor):
            return value.codes.astype(np.float64) + 1.0, value.levels
        order, codes = unique_inverse(value.values)
        levels = tuple(format_r_number(x) for x in order)
        return codes.astype(np.float64) + 1.0, levels
    if isinstance(value, Factor):
        if value.logical:
            return value.codes.astype(np.float64), None
        return value.codes.astype(np.float64) + 1.0, value.levels
    return value.values.astype(np.float64), None


def _matrix_response(value: Value, label: str, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """The ``(N, ncat)`` response of a multinomial, dirichlet or logistic_normal family, with
    its column names as the categories (brms's ``cbind(y1, y2, y3)``)."""
    colnames = value.colnames if isinstance(value, Numeric) else None
    if not isinstance(value, Numeric) or value.values.ndim != 2 or value.values.shape[1] < 2:
        raise DesignError(
            f"The {name} family needs a matrix response with one column per category; write "
            f"the response as cbind(y1, y2, ...), not '{label}'."
        )
    if colnames is None or not all(colnames) or len(set(colnames)) != len(colnames):
        raise DesignError(
            f"The columns of the response '{label}' need distinct names (the categories of "
            f"the {name} family); give cbind() variables, such as cbind(y1, y2, y3)."
        )
    return value.values.astype(np.float64), tuple(colnames)


def _ordinal_response(
    value: Value, label: str, name: str
) -> tuple[np.ndarray, tuple[str, ...] | None]:
    need = (
        f"The {name} family needs an ordered factor or positive integers (1, 2, ...) as "
        f"response, but '{label}' is "
    )
    if isinstance(value, Factor):
        if not value.ordered:
            raise DesignError(
                need + "an unordered factor; make it ordered "
                "(pandas.Categorical(..., ordered=True))."
            )
        y, levels = value.codes.astype(np.float64) + 1.0, value.levels
    else:
        y = value.values.astype(np.float64)
        if not np.all((y >= 1) & (y == np.round(y))):
            bad = y[~((y >= 1) & (y == np.round(y)))][0]
            raise DesignError(need + f"{format_r_number(float(bad))} in some rows; recode it.")
        levels = tuple(str(k) for k in range(1, int(y.max()) + 1))
    if len(levels) < 2:
        raise DesignError(
            f"The response '{label}' has one category; the {name} family needs at least two."
        )
    return y, levels


def _response(bt: BrmsTerms, values: Mapping[str, Value], *, family: Any = None) -> Response:
    """The response and its addition terms (``family`` as for :func:`build_design`)."""
    name, kind = family_kind(family)
    y, levels = _response_values(bt, values[deparse(bt.response)], name, kind)
    addition: dict[str, np.ndarray] = {}
    for add in bt.additions:
        try:
            levels = _addition(
                add, bt, values, y=y, levels=levels, addition=addition, name=name, kind=kind
            )
        except DesignError as err:
            if err.span is not None:
                raise
            raise type(err)(err.message, bt.source, add.call.span) from None
    return Response(name=deparse(bt.response), y=y, levels=levels, addition=addition)


def _addition(
    add: Addition,
    bt: BrmsTerms,
    values: Mapping[str, Value],
    *,
    y: np.ndarray,
    levels: tuple[str, ...] | None,
    addition: dict[str, np.ndarray],
    name: str,
    kind: str,
) -> tuple[str, ...] | None:
    """Check and code one addition term into ``addition``; returns the (thres) levels."""
    if add.name == "mi":  # coded by .special.missing (the design's ``missing``)
        return levels
    args = addition_args(add.name, add.call, bt.source)
    if add.name in {"weights", "trials", "se", "rate"}:
        key = {"rate": "denom"}.get(add.name, add.name)
        addition[key] = _addition_array(args[0], values, len(y))
        _check_addition(add.name, addition[key], deparse(args[0]))
        scale = add.call.keywords.get("scale")
        if add.name == "weights" and scale is not None and constant_value(scale) == 1.0:
            addition[key] = addition[key] / np.mean(addition[key])
    elif add.name == "cens":
        addition.update(_censoring(args, values, len(y)))
    elif add.name == "trunc":
        addition.update(_truncation(args, values, y, deparse(bt.response)))
    elif add.name in {"subset", "index"}:  # multivariate models (design/mv/mv_subset.py)
        value = values.get(deparse(args[0]))
        logical = isinstance(value, Factor) and value.logical  # subset(sub): TRUE rows
        addition[add.name] = (
            (value.codes == 1).astype(np.float64)
            if isinstance(value, Factor) and logical
            else _addition_array(args[0], values, len(y))
        )
    elif add.name == "thres":
        levels = _thres_levels(args[0], y, levels, name, kind)
    elif add.name == "dec":
        addition["dec"] = _decisions(args[0], values, len(y))
    return levels


def _decisions(node: Node, values: Mapping[str, Value], n: int) -> np.ndarray:
    """wiener's ``dec()`` as brms codes it: ``"lower"``/``"upper"`` (characters or factors) as
    0/1, anything else as ``as.numeric(as.logical(x))`` (non-zero is 1)."""
    value = values.get(deparse(node)) if constant_value(node) is None else None
    if isinstance(value, Factor) and not value.logical:
        labels = np.array(value.levels, dtype=object)[value.codes]
        if not np.isin(labels, ("lower", "upper")).all():
            raise DesignError(
                "Decisions should be 'lower' or 'upper' when supplied as characters or factors."
            )
        return (labels == "upper").astype(np.float64)
    if isinstance(value, Factor):
        return value.codes.astype(np.float64)
    x = _addition_array(node, values, n)
    return np.where(np.isnan(x), np.nan, (x != 0).astype(np.float64))


def _thres_levels(
    node: Node, y: np.ndarray, levels: tuple[str, ...] | None, name: str, kind: str
) -> tuple[str, ...] | None:
    """The categories ``1..k+1`` of ``thres(k)``, brms's fixed number of ordinal thresholds."""
    k = constant_value(node)
    if kind != "ordinal":
        raise DesignError(
            f"thres() sets the thresholds of ordinal families, not of the {name} family; remove it."
        )
    if k is None or k < 1 or k != round(k):
        raise DesignError(
            f"thres({deparse(node)}) needs a whole number of thresholds such as thres(3)."
        )
    if levels is not None and int(y.max()) > k + 1:
        raise DesignError(
            f"thres({deparse(node)}) allows {int(k) + 1} categories, but the "
            f"response has {int(y.max())}; raise the number of thresholds."
        )
    if levels is not None and len(levels) == int(k) + 1:
        return levels
    return tuple(str(i) for i in range(1, int(k) + 2))


def _check_addition(name: str, values: np.ndarray, label: str) -> None:
    if np.isnan(values).any():
        raise DesignError(
            f"The values of {name}({label}) must not be missing; give {name}() a number "
            "or a variable without missing values."
        )
    if name == "trials" and not np.all((values >= 0) & (values == np.round(values))):
        raise DesignError(
            f"trials({label}) must be non-negative whole numbers; fix the values of its variable."
        )
    if name in {"weights", "se", "rate"} and not np.all(values >= 0):
        raise DesignError(f"{name}({label}) must not be negative; fix the values of its variable.")


def _censoring(args: Sequence[Node], values: Mapping[str, Value], n: int) -> dict[str, np.ndarray]:
    node = args[0]
    label = deparse(node)
    value = values.get(label) if constant_value(node) is None else None
    if isinstance(value, Factor) and not value.logical:
        labels = np.array(value.levels, dtype=object)[value.codes]
        bad = [lv for lv in value.levels if lv not in _CENS_CODES]
        if bad:
            raise DesignError(
                f"cens({label}) has the value '{bad[0]}'; censoring values are "
                "'left', 'none', 'right' and 'interval' (or -1, 0, 1, 2)."
            )
        codes = np.array([_CENS_CODES[lv] for lv in labels], dtype=np.float64)
    elif isinstance(value, Factor):
        codes = value.codes.astype(np.float64)
    else:
        codes = _addition_array(node, values, n)
        bad_codes = codes[~np.isin(codes, (-1.0, 0.0, 1.0, 2.0))]
        if bad_codes.size:
            raise DesignError(
                f"cens({label}) has the value {format_r_number(bad_codes[0])}; "
                "censoring codes are -1 (left), 0 (none), 1 (right) and 2 "
                "(interval)."
            )
    out = {"cens": codes}
    if len(args) > 1:
        upper = _addition_array(args[1], values, n)
        if np.any(np.isnan(upper) & (codes == 2)):
            raise DesignError(
                f"The upper bound {deparse(args[1])} of cens() is missing in an "
                "interval-censored row; give every such row its upper bound."
            )
        out["rcens"] = np.where(codes == 2, upper, 0.0)
    elif np.any(codes == 2):
        raise DesignError(
            f"cens({label}) has interval-censored rows but no upper bound; write "
            f"cens({label}, y2) with the upper bounds in y2."
        )
    return out


def _truncation(
    args: Sequence[Node], values: Mapping[str, Value], y: np.ndarray, response: str
) -> dict[str, np.ndarray]:
    lb = _addition_array(args[0], values, len(y))
    ub = _addition_array(args[1], values, len(y))
    if np.any(lb >= ub):
        raise DesignError("trunc() needs lb < ub in every row; fix the truncation bounds.")
    if np.any((y < lb) | (y > ub)):
        raise DesignError(
            f"Some values of the response '{response}' lie outside the truncation "
            "bounds of trunc(); fix the bounds or the data."
        )
    return {"lb": lb, "ub": ub}


def _addition_array(node: Node, values: Mapping[str, Value], n: int) -> np.ndarray:
    constant = constant_value(node)
    if constant is not None:
        return np.full(n, constant)
    value = values[deparse(node)]
    if not isinstance(value, Numeric) or value.values.ndim != 1:
        raise DesignError(f"The addition variable '{deparse(node)}' must be numeric.")
    return value.values.astype(np.float64)
