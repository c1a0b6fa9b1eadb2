"""brms's errors instead of silent acceptance: duplicated group-level effects, fixed parameters
that the family lacks.

brms 2.18 (recorded in tests/fixtures/intercept0): R's terms keep one of identical group terms
(``(1 | g) + (1 | g)`` is one term); otherwise a group, coefficient and dpar may appear only
once (``tidy_ranef``), whatever the IDs: ``(1 | g) + (0 + x | g)`` is allowed (two IDs),
``(1 | g) + (x | g)`` is not.
"""

from __future__ import annotations

import re

import pytest

import brmsjax as bj
from brmsjax.formula import FormulaTermError
from brmsjax.port import from_r

from .brms_cases import assert_prior_rows, assert_standata, case, data

ALLOWED = ["dup_disjoint", "dup_same", "dup_dpar"]
REFUSED = ["dup_slope", "dup_id", "dup_nested", "dup_gr"]


@pytest.mark.parametrize("case_id", ALLOWED)
def test_allowed_repeats_match_brms(case_id: str) -> None:
    assert_standata(case(case_id))
    assert_prior_rows(case(case_id))


def _caret(text: str, term: str) -> str:
    """The caret lines under the last occurrence of ``term`` in ``text``."""
    return f"  {text}\n" + " " * (2 + text.rindex(term)) + "^" * len(term)


@pytest.mark.parametrize(
    ("case_id", "term"),
    [
        ("dup_slope", "(x | g)"),
        ("dup_id", "(x | p | g)"),
        ("dup_nested", "(1 | g)"),
        ("dup_gr", "(1 | gr(g, cor = FALSE))"),
    ],
)
def test_duplicated_effects_give_brms_error(case_id: str, term: str) -> None:
    c = case(case_id)
    message = f"{c['error']}\n{_caret(c['formula'], term)}"
    with pytest.raises(FormulaTermError, match=f"^{re.escape(message)}$"):
        bj.make_standata(c["formula"], data(c["data"]))


def test_duplicates_in_a_distributional_formula_point_at_it() -> None:
    message = (
        "Duplicated group-level effects are not allowed.\nOccured for effect 'Intercept' of "
        "group 'g'.\n" + _caret("sigma ~ (1 | g) + (1 + x | g)", "(1 + x | g)")
    )
    with pytest.raises(FormulaTermError, match=f"^{re.escape(message)}$"):
        bj.make_standata(bj.bf("y ~ x", "sigma ~ (1 | g) + (1 + x | g)"), data("toy"))


def test_identical_terms_are_one_term() -> None:
    got = bj.make_standata("y ~ x + (1 | g) + (1|g)", data("toy"))
    assert [k for k in got if k.startswith("J_")] == ["J_1"]


@pytest.mark.parametrize("case_id", ["fix_bias", "fix_bias_formula"])
def test_parameters_the_family_lacks_give_brms_error(case_id: str) -> None:
    c = case(case_id)
    with pytest.raises(FormulaTermError, match=f"^{re.escape(c['error'])}"):
        bj.make_standata(c["formula"], data(c["data"]))


def test_the_porter_reports_duplicates_when_run() -> None:
    call = from_r("brm(y ~ x + (1 | g) + (x | g), data = d)")
    with pytest.raises(FormulaTermError, match="Duplicated group-level effects"):
        bj.make_standata(call.formula, data("toy"))
