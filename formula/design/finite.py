"""Refuse infinite values in design data, naming the term that made them.

R's ``model.frame`` keeps ``Inf`` and ``-Inf`` (only ``NA`` and ``NaN`` drop a row), and brms
2.18 passes them on to Stan, whose sampler then fails at initialization without saying which
value is to blame (brms issue #1694). A log of zero, a division by zero, ``scale(x, scale = 0)``
or ``qlogis()`` of 0 or 1 all make such values. :func:`check_values` refuses them where they are
made, in the evaluated variables of the response, the addition terms, the offsets and the
population- and group-level predictors, with the term and the rows; :func:`check_matrix` is the
backstop for the built matrices (an interaction of large values can overflow). Bounds that may
be infinite (``trunc()``'s bounds, ``cens()``'s upper bound) are left alone. Missing values are
not this module's concern: :mod:`.design` drops their rows as brms does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from ..errors import DesignError
from ..evaluate.variables import Numeric, Value
from ..syntax.ast import String, strip_parens
from ..syntax.parse import deparse
from ..terms.brmsterms import ADDITION_OPTIONS, BrmsTerms, cens_upper_labels, constant_value

__all__ = [
    "check_matrix",
    "check_values",
    "fit_advice",
    "newdata_advice",
    "value_roles",
]

# Addition terms whose variables may hold -Inf/Inf (truncation bounds; mi(sdy)'s Inf marks a
# response without an observation).
_INFINITE_OK = frozenset({"trunc", "mi"})
# How many row labels a message lists before "and k more".
_SHOW_ROWS = 5


def value_roles(bt: BrmsTerms) -> dict[str, str]:
    """What each evaluated variable of ``bt`` is, by label, for the messages.

    Labels that may hold infinite values (truncation bounds, the upper bound of ``cens()``)
    are left out, so that they are not checked.
    """
    roles: dict[str, str] = {bt.response_label: "response"}
    exempt = cens_upper_labels(bt)
    for add in bt.additions:
        options = ADDITION_OPTIONS.get(add.name, set())
        for arg in add.call.args:
            value = arg.value
            if arg.name in options or isinstance(strip_parens(value), String):
                continue
            label = deparse(value)
            if constant_value(value) is not None or add.name in _INFINITE_OK or label in exempt:
                exempt.add(label)
                continue
            roles.setdefault(label, f"{add.name}() variable")
    for label in exempt:
        roles.pop(label, None)
    for dp in bt.dpars:
        for node in dp.fixed.offsets:
            roles.setdefault(deparse(node), "offset")
        for node in dp.fixed.variables():
            roles.setdefault(deparse(node), "predictor")
        for group in dp.groups:
            for term in group.coefs.terms:
                for var in term.variables:
                    roles.setdefault(deparse(var), "group-level predictor")
    return roles


def _rows_text(rows: Any) -> str:
    shown = ", ".join(str(r) for r in rows[:_SHOW_ROWS])
    more = len(rows) - _SHOW_ROWS
    word = "row" if len(rows) == 1 else "rows"
    tail = f" and {more} more" if more > 0 else ""
    return f"{word} {shown}{tail} (by the data's index)"


def _signs(bad: np.ndarray) -> str:
    kinds = [s for s, has in (("-Inf", np.any(bad < 0)), ("Inf", np.any(bad > 0))) if has]
    return ", ".join(kinds)


def _refuse(what: str, values: np.ndarray, row_labels: Any, advice: str, error: type) -> None:
    """Raise ``error`` if ``values`` (one row per data row) holds an infinite value."""
    flat = values.reshape(len(values), -1)
    bad_rows = np.flatnonzero(np.isinf(flat).any(axis=1))
    if bad_rows.size == 0:
        return
    bad = flat[bad_rows][np.isinf(flat[bad_rows])]
    rows = [row_labels[i] for i in bad_rows]
    raise error(f"{what} has non-finite values ({_signs(bad)}) in {_rows_text(rows)}; {advice}")


def check_values(
    bt: BrmsTerms,
    values: Mapping[str, Value],
    row_labels: Any,
    *,
    advice: Callable[[str, str], str],
    prefix: str = "The",
    error: type = DesignError,
) -> None:
    """Refuse an infinite value in any checked variable of ``values``.

    Parameters
    ----------
    bt
        The formula as read; it says which labels are checked and what they are.
    values
        Evaluated variables by label, one row per row of the data in use.
    row_labels
        The data's label of each row (a pandas Index), for the message.
    advice
        ``advice(role, label)`` is the message's second half: what to do.
    prefix
        The message's first words (``"The"``, ``"newdata's"``).
    error
        The exception class to raise (a :class:`DesignError`).

    Raises
    ------
    DesignError
        A checked variable holds ``Inf`` or ``-Inf``; the message names it and the rows.
    """
    for label, role in value_roles(bt).items():
        value = values.get(label)
        if isinstance(value, Numeric) and value.values.size:
            what = f"{prefix} {role} {label}"
            _refuse(what, value.values, row_labels, advice(role, label), error)


def check_matrix(
    matrix: np.ndarray,
    columns: Iterable[str],
    row_labels: Any,
    *,
    what: str,
    advice: str,
    error: type = DesignError,
) -> None:
    """Refuse an infinite value in a built matrix, naming its column.

    The variables were checked before; this catches values that became infinite in the
    matrix itself, such as an overflowing interaction ``x:z`` of large values.
    """
    if np.isfinite(matrix).all():
        return
    for j, column in enumerate(columns):
        _refuse(f"{what} '{column}'", matrix[:, j], row_labels, advice, error)


_CAUSES = (
    ("log(", "log() of 0 is -Inf"),
    ("log2(", "log2() of 0 is -Inf"),
    ("log10(", "log10() of 0 is -Inf"),
    ("log1p(", "log1p() of -1 is -Inf"),
    ("qlogis(", "qlogis() of 0 or 1 is -Inf or Inf"),
    ("scale(", "scale() with scale = 0 divides by zero"),
    ("/", "a division by zero is infinite"),
)


def fit_advice(role: str, label: str) -> str:
    """What to do about an infinite value in the fitting data, with the likely cause."""
    del role
    cause = next((why for key, why in _CAUSES if key in label), None)
    if label.isidentifier():
        fix = "remove those rows or fix the values"
    else:
        fix = f"remove those rows or change {label} so that it stays finite on the data"
    why = f" ({cause})" if cause else ""
    return f"{fix}{why}; the model cannot be fitted with them."


def newdata_advice(role: str, label: str) -> str:
    """What to do about an infinite value in new data."""
    del role, label
    return "remove or fix those rows; predictions for them would be NaN."
