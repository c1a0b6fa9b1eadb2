"""Every case of formula_cases.json (R 4.2.2, lme4 1.1-31, brms 2.18) as a table-driven test."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from brmsjax.formula.design.design import build_design, model_matrix
from brmsjax.formula.design.ir import Design
from brmsjax.formula.design.standata import standata
from tests.formula.formula_fixtures import case_frame, cases

FIXED = cases("fixed")
LME4 = cases("random_lme4")
BRMS = cases("random_brms")


def _matrix(case: dict) -> np.ndarray:
    return np.array(case["matrix"], dtype=float).reshape(len(case["rows_kept"]), -1)


@pytest.mark.parametrize("case", FIXED, ids=[c["id"] for c in FIXED])
def test_model_matrix_equals_r(case: dict) -> None:
    mm = model_matrix(case["formula"], case_frame(case))
    assert list(mm.columns) == case["columns"]
    assert [i + 1 for i in mm.index] == case["rows_kept"]
    np.testing.assert_allclose(mm.to_numpy(), _matrix(case), rtol=1e-8, atol=1e-10)


def _design(case: dict) -> Design:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=re.escape("Rows containing NAs"))
        return build_design(case["formula"], case_frame(case))


def _lme4_key(column: str) -> tuple[frozenset[tuple[str, str]], str]:
    """'g2:g1[u:A]:(Intercept)' -> ({('g2','u'), ('g1','A')}, 'Intercept')."""
    match = re.fullmatch(r"(.+?)\[(.+?)\]:(.+)", column)
    assert match is not None
    group, level, coef = match.groups()
    names = group.replace("(", "").replace(")", "").split(":")
    pairs = frozenset(zip(names, level.split(":"), strict=True))
    return pairs, coef.replace("(", "").replace(")", "")


def _brms_columns(design: Design) -> dict[tuple[frozenset[tuple[str, str]], str], np.ndarray]:
    out = {}
    for block in design.groups:
        names = block.group.split(":")
        for j, level in enumerate(block.levels):
            values = level.split("_") if len(names) > 1 else [level]
            pairs = frozenset(zip(names, values, strict=True))
            rows = block.J == j
            for m, coef in enumerate(block.coefs):
                col = np.where(rows, block.Z[:, m], 0.0)
                out[(pairs, coef)] = col
    return out


# Where lme4 and brms differ, brms is followed: lme4 splits (a || g1) into (1 | g1) +
# (0 + a | g1) with full dummies for a; brms keeps one uncorrelated term coded as ~ a.
LME4_ONLY_COLUMNS = {"re011": {"g1[A]:ahi", "g1[B]:ahi", "g1[C]:ahi"}}


@pytest.mark.parametrize("case", LME4, ids=[c["id"] for c in LME4])
def test_lme4_cases_x_and_z_agree_up_to_brms_naming(case: dict) -> None:
    """X equals lme4's; Z has lme4's columns, with brms's group naming and term rules."""
    design = _design(case)
    x = design.fixed[0]
    expected = [c.replace("(Intercept)", "Intercept") for c in case["columns"]]
    assert list(x.columns) == expected
    np.testing.assert_allclose(x.X, _matrix(case), rtol=1e-8, atol=1e-10)
    ours = _brms_columns(design)
    z = np.array(case["Z"], dtype=float)
    lme4_only = LME4_ONLY_COLUMNS.get(case["id"], set())
    assert len(ours) == len(case["Z_columns"]) - len(lme4_only)
    for j, column in enumerate(case["Z_columns"]):
        if column in lme4_only:
            continue
        key = _lme4_key(column)
        assert key in ours, column
        np.testing.assert_allclose(ours[key], z[:, j], atol=1e-10)


def test_double_bar_stays_one_uncorrelated_term_as_in_brms() -> None:
    case = next(c for c in LME4 if c["id"] == "re011")
    (block,) = _design(case).groups
    assert (block.group, block.coefs, block.cor) == ("g1", ("Intercept", "alo", "amid"), False)


@pytest.mark.parametrize("case", BRMS, ids=[c["id"] for c in BRMS])
def test_brms_cases_give_brms_standata(case: dict) -> None:
    design = _design(case)
    sd = standata(design)
    assert list(sd) == case["standata_names"]
    assert list(sd["X"].columns) == case["columns"]
    np.testing.assert_allclose(sd["X"].to_numpy(), _matrix(case), atol=1e-10)
    for name, values in {**case["standata_Z"], **case["standata_J"]}.items():
        np.testing.assert_allclose(sd[name], values, err_msg=name)
    groups = {b.group: list(b.levels) for b in design.groups}
    assert groups == case["group_levels"]
    ranef = [
        (str(b.id), b.group, c, b.cor, d)
        for b in design.groups
        for c, d in zip(b.coefs, b.dpars, strict=True)
    ]
    expected = [(r["id"], r["group"], r["coef"], r["cor"], r["dpar"]) for r in case["brms_ranef"]]
    assert ranef == expected
