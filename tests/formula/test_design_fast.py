"""The vectorized design paths (issue 7) equal the general ones they replace.

Each fast path is checked on a table of cases against a plain reference: ``unique_inverse``
against ``np.unique``; ``build_matrix``'s chunked column fill against R's column-by-column
products; the grouping factor against labels pasted and sorted row by row.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest

import brmsjax.formula.design.matrix as matrix_module
from brmsjax.formula.design.design import _evaluate, build_design
from brmsjax.formula.design.groups import _group_factor
from brmsjax.formula.design.matrix import build_matrix, contr_poly, contr_poly_names, term_codes
from brmsjax.formula.evaluate.variables import Factor, Numeric, Value, group_factor, unique_inverse
from brmsjax.formula.syntax.parse import deparse, format_r_number, parse
from brmsjax.formula.terms.brmsterms import brms_terms
from brmsjax.formula.terms.terms import TermList

UNIQUE_CASES = {
    "small ints": np.array([3, 1, 2, 3, 1, 7], dtype=np.int64),
    "negative ints": np.array([-5, 4, -5, 0, 2**20], dtype=np.int64),
    "uint8": np.array([9, 0, 255, 9], dtype=np.uint8),
    "int32": np.array([-(2**31), 2**31 - 1, 0], dtype=np.int32),
    "whole floats": np.array([10.0, 2.0, 2.0, -3.0, 10.0]),
    "signed zeros": np.array([0.0, -0.0, 1.0, -0.0]),
    "fractions": np.array([0.5, 0.25, 0.5, 1.0]),
    "nan": np.array([1.0, np.nan, 2.0, np.nan]),
    "inf": np.array([1.0, np.inf, -np.inf, 1.0]),
    "wide range": np.array([0.0, 1e12, 5.0, 1e12]),
    "wide int range": np.array([0, 10**15, 3], dtype=np.int64),
    "near 2^53": np.array([2.0**53, 2.0**53 - 1, 2.0**53]),
    "beyond 2^53": np.array([2.0**60, 2.0**60 + 2.0**8, 1.0]),
    "one value": np.array([4.0]),
    "empty": np.array([], dtype=np.float64),
    "many groups": np.random.default_rng(0).integers(0, 1000, 5000).astype(np.float64),
}


@pytest.mark.parametrize("case", UNIQUE_CASES, ids=list(UNIQUE_CASES))
def test_unique_inverse_equals_np_unique(case: str) -> None:
    x = UNIQUE_CASES[case]
    uniq, codes = unique_inverse(x)
    want_uniq, want_codes = np.unique(x, return_inverse=True)
    assert uniq.dtype == want_uniq.dtype
    np.testing.assert_array_equal(uniq, want_uniq)  # -0.0 == 0.0; NaN equals NaN here
    assert codes.dtype == np.int64 and codes.shape == x.shape
    np.testing.assert_array_equal(codes, want_codes.reshape(-1))


def _reference_matrix(
    terms: TermList, values: Mapping[str, Value], n: int
) -> tuple[np.ndarray, list[str]]:
    """R's model matrix built column by column from dense codings (the general path)."""
    blocks, names = [], []
    if terms.intercept:
        blocks.append(np.ones((n, 1)))
        names.append("(Intercept)")
    for term, row in zip(terms.terms, term_codes(terms, values), strict=True):
        cols, col_names = [np.ones(n)], [""]
        for label, code in zip(term.labels, row, strict=True):
            value = values[label]
            if isinstance(value, Factor):
                k = len(value.levels)
                if code == 2:
                    coding, suffixes = np.eye(k), list(value.levels)
                elif value.ordered:
                    coding, suffixes = contr_poly(k), contr_poly_names(k)
                else:
                    coding, suffixes = np.eye(k)[:, 1:], list(value.levels[1:])
                mat = coding[np.maximum(value.codes, 0)]
                mat[value.codes < 0] = np.nan
            else:
                mat = value.values if value.values.ndim == 2 else value.values[:, None]
                one = value.colnames is None or mat.shape[1] == 1
                suffixes = [""] * mat.shape[1] if one else list(value.colnames or ())
            cols, col_names = (
                [prev * mat[:, k] for k in range(len(suffixes)) for prev in cols],
                [
                    f"{label}{s}" if not p else f"{p}:{label}{s}"
                    for s in suffixes
                    for p in col_names
                ],
            )
        if cols:
            blocks.append(np.column_stack(cols))
            names.extend(col_names)
    return (np.hstack(blocks) if blocks else np.zeros((n, 0))), names


def _frame(n: int = 97, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
            "h": np.array(["b", "a", "c"], dtype=object)[rng.integers(0, 3, n)],
            "cat": pd.Categorical(rng.choice(["z", "m", "a"], n), categories=["z", "m", "a", "q"]),
            "oc": pd.Categorical(
                rng.choice(["lo", "mid", "hi"], n), categories=["lo", "mid", "hi"], ordered=True
            ),
            "one": np.array(["only"] * n, dtype=object),
            "b": rng.random(n) < 0.5,
            "g": rng.integers(0, 9, n),
        }
    )


MATRIX_CASES = [
    "y ~ x",
    "y ~ 0 + x",
    "y ~ 1",
    "y ~ 0",
    "y ~ x * z",
    "y ~ h",
    "y ~ 0 + h",
    "y ~ h * x",
    "y ~ x:h",
    "y ~ 0 + x:h",
    "y ~ h:cat",
    "y ~ h * cat * x",
    "y ~ oc",
    "y ~ oc * x + b",
    "y ~ poly(x, 3)",
    "y ~ poly(x, 2) * h",
    "y ~ scale(z) + I(x^2)",
    "y ~ one + x",
    "y ~ 0 + one:x",
    "y ~ factor(g) + x",
    "y ~ h + h:x + cat:oc",
]


@pytest.mark.parametrize("chunk", [1 << 15, 7], ids=["one chunk", "many chunks"])
@pytest.mark.parametrize("formula", MATRIX_CASES)
def test_build_matrix_equals_column_products(
    formula: str, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(matrix_module, "_CHUNK", chunk)
    data = _frame()
    bt = brms_terms(formula, columns=list(data.columns))
    values, rows, _ = _evaluate(bt, data, drop_levels=False, warn=False)
    got, names, _ = build_matrix(bt.dpars[0].fixed, values, len(rows))
    want, want_names = _reference_matrix(bt.dpars[0].fixed, values, len(rows))
    assert names == want_names
    assert got.dtype == np.float64 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, want)


def test_build_matrix_codes_missing_factor_values_as_nan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matrix_module, "_CHUNK", 4)
    terms = brms_terms("y ~ f * x + o", columns=["y", "f", "x", "o"]).dpars[0].fixed
    codes = np.array([0, -1, 2, 1, -1, 0, 2, 2, 1, 0, -1])
    values: dict[str, Value] = {
        "f": Factor(codes, ("a", "b", "c")),
        "o": Factor(codes[::-1].copy(), ("lo", "mid", "hi"), ordered=True),
        "x": Numeric(np.linspace(-1.0, 1.0, len(codes))),
    }
    got, names, _ = build_matrix(terms, values, len(codes))
    want, want_names = _reference_matrix(terms, values, len(codes))
    assert names == want_names
    np.testing.assert_array_equal(got, want)
    assert np.isnan(got[codes < 0, 1]).all()


def _reference_group(parts: list[Value]) -> Factor:
    """brms's grouping factor from labels made row by row (the general path)."""
    labels = []
    for part in parts:
        if isinstance(part, Factor):
            labels.append(np.array(part.levels, dtype=object)[np.maximum(part.codes, 0)])
        else:
            labels.append(np.array([format_r_number(x) for x in part.values], dtype=object))
    if len(parts) == 1 and isinstance(parts[0], Numeric):
        order = np.unique(parts[0].values)
        return Factor(
            np.searchsorted(order, parts[0].values), tuple(format_r_number(x) for x in order)
        )
    pasted = labels[0]
    for lab in labels[1:]:
        pasted = pasted + "_" + lab
    uniq, codes = np.unique(pasted.astype(str), return_inverse=True)
    return Factor(codes.reshape(-1), tuple(str(u) for u in uniq))


def _group_frame(n: int = 200, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "gi": rng.integers(0, 12, n),
            "gneg": rng.integers(-3, 3, n) * 100_000,  # labels such as 1e+05 and -2e+05
            "gf": rng.integers(-4, 4, n) * 0.25,
            "gbig": rng.integers(0, 10**12, n),  # too wide to count: np.unique's path
            "h": np.array(["a_b", "a", "c"], dtype=object)[rng.integers(0, 3, n)],
            "k": np.array(["c", "b_c", "b"], dtype=object)[rng.integers(0, 3, n)],  # a_b_c twice
            "cat": pd.Categorical(rng.choice(["z", "m"], n), categories=["z", "m", "q"]),
            "b": rng.random(n) < 0.5,
        }
    )


GROUP_CASES = [
    "gi",
    "gneg",
    "gf",
    "gbig",
    "gi:h",
    "h:k",
    "gneg:gf",
    "gf:gi:h",
    "cat:gi",
    "b:h",
    "gbig:gi",
    "h:cat:k",
]


@pytest.mark.parametrize("group", GROUP_CASES)
def test_group_factor_equals_pasted_labels(group: str) -> None:
    data = _group_frame()
    bt = brms_terms(f"y ~ 1 + (1 | {group})", columns=list(data.columns))
    values, _, _ = _evaluate(bt, data, drop_levels=True, warn=False)
    term = bt.dpars[0].groups[0]
    got = _group_factor(term, values)
    want = _reference_group([values[deparse(v)] for v in term.group_vars])
    assert got.levels == want.levels
    np.testing.assert_array_equal(got.codes, want.codes)
    design = build_design(f"y ~ 1 + (1 | {group})", data)
    assert design.groups[0].levels == want.levels
    np.testing.assert_array_equal(design.groups[0].J, want.codes)
    # The evaluator's grouping factor (new data) groups the rows the same way.
    evaluated = group_factor(parse(group), data)
    pairs = np.unique(np.column_stack([evaluated.codes, got.codes]), axis=0)
    assert len(pairs) == len(evaluated.levels) == len(got.levels)
