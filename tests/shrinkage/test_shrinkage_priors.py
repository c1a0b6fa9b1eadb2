"""horseshoe(), R2D2() and lasso() as brms 2.18 reads them: arguments, tables, data, messages.

The references are brms 2.18.0's own (``tests/fixtures/shrinkage/make_fixtures.R``): the
``make_standata`` fields, ``prior_summary`` of empty fits, and the error messages.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brmsjax import get_prior, make_standata, prior
from brmsjax.backend.priors.parse import parse_prior, prior_display
from brmsjax.formula.errors import PriorError
from brmsjax.port import from_r

FIXTURE = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "shrinkage" / "brms_shrinkage.json").read_text()
)
DATA = pd.DataFrame(FIXTURE["data"])
NAN = math.nan


@pytest.mark.parametrize(
    ("text", "args", "shown"),
    [
        ("horseshoe(1)", (1, 1, 1, 2, 4, NAN, 1), "horseshoe(1)"),
        ("horseshoe()", (1, 1, 1, 2, 4, NAN, 1), "horseshoe()"),
        (
            "horseshoe(df = 3, par_ratio = 0.1, autoscale = FALSE)",
            (3, 1, 1, 2, 4, 0.1, 0),
            "horseshoe(df = 3, par_ratio = 0.1, autoscale = FALSE)",
        ),
        ("horseshoe(2,0.5,3,1.5,6)", (2, 0.5, 3, 1.5, 6, NAN, 1), "horseshoe(2, 0.5, 3, 1.5, 6)"),
        ("horseshoe(scale_slab=1, 3)", (3, 1, 1, 1, 4, NAN, 1), "horseshoe(scale_slab = 1, 3)"),
        ("horseshoe(par_ratio = NULL)", (1, 1, 1, 2, 4, NAN, 1), "horseshoe(par_ratio = NULL)"),
        ("R2D2()", (0.5, 2, 1, 1), "R2D2()"),
        ("R2D2(0.3, 3, c(1, 2.5))", (0.3, 3, 1, 1, 2.5), "R2D2(0.3, 3, c(1, 2.5))"),
        ("R2D2(autoscale = F)", (0.5, 2, 0, 1), "R2D2(autoscale = FALSE)"),
        ("lasso()", (1, 1), "lasso()"),
        ("lasso(2, scale = 0.5)", (2, 0.5), "lasso(2, scale = 0.5)"),
    ],
)
def test_arguments_match_as_in_r(text: str, args: tuple[float, ...], shown: str) -> None:
    spec = parse_prior(text)
    np.testing.assert_array_equal(np.asarray(spec.args), np.asarray(args, dtype=float))
    assert prior_display(text) == shown
    assert str(prior(text)) == f"b ~ {shown}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("horseshoe(foo = 1)", "unused argument (foo = 1)"),
        ("lasso(1, 2, 3)", "unused argument (3)"),
        ("horseshoe(df = 1, df = 2)", 'formal argument "df" matched by multiple actual arguments'),
        (
            "horseshoe(1, autoscale = c(1, 0))",
            "Cannot coerce 'autoscale' to a single logical value.",
        ),
        ("R2D2(mean_R2 = NULL)", "Cannot coerce 'mean_R2' to a single numeric value."),
        ("R2D2(prec_R2 = c(1, 2))", "Cannot coerce 'prec_R2' to a single numeric value."),
        ("horseshoe(yes)", "object 'yes' not found"),
        ("normal(mu = 0, 1)", "The arguments of 'normal' must be numbers in Stan's order, as in"),
    ],
)
def test_argument_errors(text: str, message: str) -> None:
    with pytest.raises(PriorError) as err:
        parse_prior(text)
    assert str(err.value).startswith(message)
    assert f"\n  {text}\n" in str(err.value)


@pytest.mark.parametrize("case", FIXTURE["standata"], ids=lambda c: c["id"])
def test_standata_as_brms(case: dict) -> None:
    sd = make_standata(case["formula"], DATA, family=case["family"], prior=case["prior"])
    assert list(sd) == case["names"]
    for key, value in case["data"].items():
        np.testing.assert_allclose(np.asarray(sd[key], dtype=float), value, rtol=1e-12)


@pytest.mark.parametrize("case", FIXTURE["prior_summary"], ids=lambda c: c["id"])
def test_prior_table_as_brms_prior_summary(case: dict) -> None:
    table = get_prior(case["formula"], DATA, prior=case["prior"])
    got = table[["prior", "class", "coef", "source"]].to_dict("records")
    assert got == case["rows"]


@pytest.mark.parametrize("case", FIXTURE["errors"], ids=lambda c: c["prior"])
def test_brms_messages(case: dict) -> None:
    check = make_standata if "cons_D2 = c" in case["prior"] else get_prior
    with pytest.raises(Exception) as err:  # noqa: PT011 - PriorError, or RCodeError from R code
        check(case["formula"], DATA, prior=case["prior"])
    assert str(err.value).split("\n")[0] == case["message"]


@pytest.mark.parametrize(
    ("priors", "message"),
    [
        (
            prior("horseshoe(1)", dpar="sigma"),
            "The prior 'horseshoe(1)' on class 'b' of dpar 'sigma' is not supported yet in "
            "brmsjax (brms allows it); brmsjax takes shrinkage priors on the coefficients of mu "
            "only.",
        ),
        (
            prior("lasso()", class_="sd"),
            "Prior 'lasso()' is used in an invalid context. See ?set_prior for details on how to "
            "use special priors.",
        ),
    ],
)
def test_brmsjax_refusals(priors: object, message: str) -> None:
    with pytest.raises(PriorError, match=f"^{re.escape(message)}$"):
        get_prior(
            "bf(y ~ x1 + x2 + (1 | g), sigma ~ x1)",
            DATA,
            prior=priors,  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(
    ("r_prior", "python"),
    [
        ("prior(horseshoe(1), class = b)", 'bj.prior("horseshoe(1)", class_="b")'),
        (
            'set_prior("horseshoe(df = 3, par_ratio = 0.1)")',
            'bj.prior("horseshoe(df = 3, par_ratio = 0.1)", class_="b")',
        ),
        (
            "prior(R2D2(0.3, cons_D2 = c(1, 2)), class = b)",
            'bj.prior("R2D2(0.3, cons_D2 = c(1, 2))", class_="b")',
        ),
        ("prior(lasso(2), class = b)", 'bj.prior("lasso(2)", class_="b")'),
    ],
)
def test_porter_translates_shrinkage_priors(r_prior: str, python: str) -> None:
    call = from_r(f"brm(y ~ x1 + x2, data = d, prior = {r_prior})")
    assert python in call.to_python()
    priors = call.to_python()
    assert "prior=[" in priors
