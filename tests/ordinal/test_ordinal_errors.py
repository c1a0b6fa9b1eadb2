"""Errors and warnings of the ordinal families and of cs(), with brms 2.18's messages."""

from __future__ import annotations

import re
import warnings

import pytest

from brmsjax import datasets
from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families import registry as fam
from brmsjax.backend.priors.resolve import prior, resolve_priors
from brmsjax.formula.design.design import build_design
from brmsjax.formula.errors import FormulaTermError, ModelError
from brmsjax.formula.terms.category_specific import CS_WARNING


@pytest.mark.parametrize(
    ("formula", "family", "error", "message"),
    [
        (
            "rating ~ temp + cs(contact)",
            fam.gaussian(),
            FormulaTermError,
            "Category specific effects are not supported for this family. Use cs() with the "
            "sratio, cratio, acat or cumulative family, not gaussian.",
        ),
        (
            "bf(rating ~ temp, disc ~ cs(contact))",
            fam.acat(),
            FormulaTermError,
            "Category specific effects are only supported for the main parameter 'mu'.",
        ),
        (
            "rating ~ cs(contact, temp)",
            fam.sratio(),
            FormulaTermError,
            "cs() takes one term, such as cs(x) or cs(x:z).",
        ),
        (
            "rating ~ cs(contact + (1 | judge))",
            fam.sratio(),
            FormulaTermError,
            "A group-level term cannot be category specific inside cs()",
        ),
        (
            "rating ~ cs(temp):contact",
            fam.acat(),
            FormulaTermError,
            "The term 'cs(temp):contact' is invalid in brms syntax.",
        ),
        (
            "rating ~ temp + (cs(1) + temp | judge)",
            fam.acat(),
            FormulaTermError,
            "Please specify category specific effects in separate group-level terms.",
        ),
    ],
)
def test_cs_errors(formula: str, family: fam.Family, error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        build_design(formula, datasets.wine(), family=family)


def test_cs_with_cumulative_warns_as_brms() -> None:
    with pytest.warns(UserWarning, match=re.escape(CS_WARNING)):
        design = build_design("rating ~ temp + cs(contact)", datasets.wine(), fam.cumulative())
    assert design.fixed[0].cs_columns == ("contactyes",)


def test_cs_with_other_ordinal_families_is_silent() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for make in (fam.sratio, fam.cratio, fam.acat):
            build_design("rating ~ temp + cse(contact)", datasets.wine(), make())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: fam.acat(threshold="ordered"),
            "Argument 'threshold' of family 'acat' must be one of: flexible, equidistant, sum; "
            "not 'ordered'.",
        ),
        (
            lambda: fam.sratio("identity"),
            "Link 'identity' is not allowed for family 'sratio'; use one of: logit, probit, "
            "probit_approx, cloglog, cauchit.",
        ),
    ],
)
def test_family_argument_errors(make: object, message: str) -> None:
    with pytest.raises(ModelError, match=re.escape(message)):
        make()  # type: ignore[operator]


def test_cs_takes_class_b_priors_per_column() -> None:
    family = fam.acat(threshold="equidistant")
    design = build_design("rating ~ temp + cs(contact) + cs(bottle)", datasets.wine(), family)
    user = prior("normal(0, 2)", class_="b", coef="contactyes") + prior("normal(0, 5)", class_="b")
    got = resolve_priors(design, family, user)
    assert (
        got["bcs"].specs
        == (PriorSpec("normal", (0.0, 2.0)),) * 4 + (PriorSpec("normal", (0.0, 5.0)),) * 4
    )
    assert got["b"].specs == (PriorSpec("normal", (0.0, 5.0)),)
    assert got["Intercept"].specs == (PriorSpec("student_t", (3.0, 0.0, 2.5)),)
    assert got["delta"].specs == (PriorSpec("flat"),)
