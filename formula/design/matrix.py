"""R's ``model.matrix``: factor coding and column construction for a list of terms.

Factor coding follows R's ``TermCode`` in ``src/library/stats/src/model.c``: a factor F in a
term T is coded by contrasts when T without F is empty or is contained in a preceding term, and by
full dummies otherwise. Without an intercept, the first factor of the first term that has one is
coded by full dummies. Interaction columns vary the first variable fastest.

:func:`response_warnings` are R's warnings for a right-hand term identical to the response;
:func:`make_stan_names` is brms's cleaning of column names into Stan names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from ..evaluate.variables import Factor, Numeric, Value
from ..terms.terms import TermList

# brms's rename(): characters dropped and replaced in parameter names.
_RENAME = (
    (" ", ""),
    ("(", ""),
    (")", ""),
    ("[", ""),
    ("]", ""),
    (",", ""),
    ('"', ""),
    ("'", ""),
    ("?", ""),
    ("+", "P"),
    ("-", "M"),
    ("*", "MU"),
    ("/", "D"),
    ("^", "E"),
    ("=", "EQ"),
)


def brms_rename(name: str) -> str:
    """brms's ``rename()`` of a model.matrix column (``poly(x, 2)1`` -> ``polyx21``)."""
    for old, new in _RENAME:
        name = name.replace(old, new)
    return name


def contr_poly(n: int) -> np.ndarray:
    """R's ``contr.poly(n)``: orthonormal polynomial contrasts, shape ``(n, n - 1)``."""
    x = np.arange(1, n + 1, dtype=float)
    x = x - x.mean()
    basis = np.vander(x, n, increasing=True)
    q, r = np.linalg.qr(basis)
    z = q * np.diag(r)  # Gram-Schmidt residuals: sign-free, positive leading coefficient
    z = z / np.sqrt((z**2).sum(axis=0))
    return z[:, 1:]


def contr_poly_names(n: int) -> list[str]:
    """Column names of ``contr.poly(n)``: ``.L .Q .C ^4 ^5 ...``."""
    names = [".L", ".Q", ".C"]
    return [names[i] if i < 3 else f"^{i + 1}" for i in range(n - 1)]


def _factor_columns(f: Factor, full: bool) -> tuple[list[np.ndarray], list[str]]:
    """The columns of a factor as lazy gathers: per column, its coding table with a final NaN
    row (code -1, R's NA, picks it), and the column names."""
    n_levels = len(f.levels)
    if full:
        coding = np.eye(n_levels)
        names = list(f.levels)
    elif f.ordered:
        coding = contr_poly(n_levels)
        names = contr_poly_names(n_levels)
    else:
        coding = np.eye(n_levels)[:, 1:]
        names = list(f.levels[1:])
    table = np.vstack([coding, np.full((1, coding.shape[1]), np.nan)])
    return [np.ascontiguousarray(table[:, k]) for k in range(table.shape[1])], names


def _numeric_columns(v: Numeric) -> tuple[np.ndarray, list[str]]:
    values = v.values if v.values.ndim == 2 else v.values[:, None]
    if v.colnames is None or values.shape[1] == 1:  # R names a one-column matrix by its label
        return values, [""] * values.shape[1]
    return values, list(v.colnames)


# One factor of an output column: a numeric column, or (a coding table's column, factor codes).
_Source = np.ndarray | tuple[np.ndarray, np.ndarray]


# Rows per chunk when filling the matrix: every column of a chunk is written while the chunk
# is in cache, so the (row-major) matrix goes to memory once, not once per column.
_CHUNK = 1 << 15


def _fill(out: np.ndarray, sources: list[_Source], rows: slice) -> None:
    """Write the product of ``sources`` at ``rows`` (left to right, as R multiplies) into
    ``out``."""
    if not sources:
        out[...] = 1.0
        return
    for i, source in enumerate(sources):
        column = np.take(source[0], source[1][rows]) if isinstance(source, tuple) else source[rows]
        if i == 0:
            out[...] = column
        else:
            np.multiply(out, column, out=out)


def term_codes(terms: TermList, values: Mapping[str, Value]) -> list[list[int]]:
    """R's factor pattern: per term, per variable, 0 numeric, 1 contrasts, 2 full dummies."""
    sets = [frozenset(t.labels) for t in terms.terms]
    codes: list[list[int]] = []
    for j, term in enumerate(terms.terms):
        row = []
        for label in term.labels:
            if not isinstance(values[label], Factor):
                row.append(0)
                continue
            rest = sets[j] - {label}
            if not rest or any(rest <= sets[i] for i in range(j)):
                row.append(1)
            else:
                row.append(2)
        codes.append(row)
    if not terms.intercept:
        for j, term in enumerate(terms.terms):
            hit = next(
                (
                    i
                    for i, label in enumerate(term.labels)
                    if isinstance(values[label], Factor) and len(values[label].levels) > 1  # type: ignore[union-attr]
                ),
                None,
            )
            if hit is not None:
                codes[j][hit] = 2
                break
    return codes


def build_matrix(
    terms: TermList, values: Mapping[str, Value], n: int
) -> tuple[np.ndarray, list[str], list[int]]:
    """Build R's model matrix.

    Parameters
    ----------
    terms
        Expanded terms with the intercept flag.
    values
        Evaluated variables keyed by label.
    n
        Number of rows.

    Returns
    -------
    tuple
        The ``(n, p)`` matrix, R's column names and R's ``assign`` vector (0 = intercept).
    """
    columns: list[list[_Source]] = []
    names: list[str] = []
    assign: list[int] = []
    if terms.intercept:
        columns.append([])
        names.append("(Intercept)")
        assign.append(0)
    for j, (term, row) in enumerate(zip(terms.terms, term_codes(terms, values), strict=True), 1):
        # Interaction columns vary the first variable fastest.
        combos: list[tuple[list[_Source], str]] = [([], "")]
        for label, code in zip(term.labels, row, strict=True):
            value = values[label]
            sources: list[_Source]
            if isinstance(value, Factor):
                tables, suffixes = _factor_columns(value, full=code == 2)
                sources = [(table, value.codes) for table in tables]
            else:
                mat, suffixes = _numeric_columns(value)
                sources = [mat[:, k] for k in range(mat.shape[1])]
            combos = [
                (
                    [*prev, source],
                    f"{label}{suffix}" if not prev_name else f"{prev_name}:{label}{suffix}",
                )
                for source, suffix in zip(sources, suffixes, strict=True)
                for prev, prev_name in combos
            ]
        for sources_of_column, name in combos:
            columns.append(sources_of_column)
            names.append(name)
            assign.append(j)
    matrix = np.empty((n, len(columns)))
    for start in range(0, n, _CHUNK):
        rows = slice(start, min(start + _CHUNK, n))
        for k, sources_of_column in enumerate(columns):
            _fill(matrix[rows, k], sources_of_column, rows)
    return matrix, names, assign


def response_warnings(position: int) -> tuple[str, str]:
    """R's two model.matrix warnings for a right-hand term identical to the response.

    ``y ~ y`` keeps the term in R's terms; ``model.matrix`` (stats/src/model.c) drops it and
    warns twice, the second time about the term's position among the terms.
    """
    return (
        "the response appeared on the right-hand side and was dropped",
        f"problem with term {position} in model.matrix: no columns are assigned",
    )


def make_stan_names(names: Sequence[str]) -> tuple[str, ...]:
    """brms's ``make_stan_names``: R's ``make.names(unique = TRUE)`` without dots and
    underscores (``"mua b"`` -> ``"muab"``)."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for name in names:
        valid = re.sub(r"[^A-Za-z0-9._]", ".", name)
        if not re.match(r"[A-Za-z]|\.(?![0-9])", valid):
            valid = "X" + valid
        if valid in seen:
            seen[valid] += 1
            valid = f"{valid}.{seen[valid]}"
        else:
            seen[valid] = 0
        out.append(valid)
    return tuple(re.sub(r"[._]", "", n) for n in out)
