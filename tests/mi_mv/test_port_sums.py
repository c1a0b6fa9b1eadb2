"""The porter's formula sums with a family or set_mecor() (brms_multivariate-3, me-2), and
brm()'s old threshold argument, refused as brms 2.18 does."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.errors import FormulaTermError
from brmsjax.port import RCodeError, from_r
from brmsjax.port.translate import r_formula
from brmsjax.rcode.rparse import parse_r


@pytest.mark.parametrize(
    ("code", "python"),
    [
        (
            "bf(y ~ me(x1, sdx) + me(x2, sdx)) + set_mecor(FALSE)",
            'bj.bf("y ~ me(x1, sdx) + me(x2, sdx)") + bj.set_mecor(False)',
        ),
        (
            "bf(y ~ x1 + (1|p|g)) + lf(sigma ~ 0 + x2) + skew_normal()",
            'bj.bf("y ~ x1 + (1 | p | g)", "sigma ~ 0 + x2", family="skew_normal")',
        ),
        ("bf(y ~ x1) + gaussian()", 'bj.bf("y ~ x1", family="gaussian")'),
        (  # brms's man/brmsformula-helpers.Rd: specify 'nl' later on
            "bf(y ~ a * inv_logit(x * b)) +\n  lf(a + b ~ z) +\n  set_nl(TRUE)",
            'bj.bf("y ~ a * inv_logit(x * b)", "a ~ z", "b ~ z", nl=True)',
        ),
        (
            "bf(y ~ a * exp(b * x)) + lf(a ~ 1) + lf(b ~ 1) + set_nl(TRUE) + poisson()",
            'bj.bf("y ~ a * exp(b * x)", "a ~ 1", "b ~ 1", nl=True, family="poisson")',
        ),
    ],
)
def test_porter_reads_family_and_mecor_in_a_formula_sum(code: str, python: str) -> None:
    assert r_formula(parse_r(code), code).to_python() == python


@pytest.mark.parametrize(
    ("code", "error", "message"),
    [
        ("bf(y ~ x1) + gaussian() + poisson()", RCodeError, "A formula takes one family"),
        ("bf(y ~ me(x1, sdx)) + set_mecor(NA)", RCodeError, "set_mecor() must be TRUE or FALSE"),
        ("bf(y ~ x) + set_nl(maybe)", RCodeError, "set_nl() must be TRUE or FALSE"),
        (  # a non-linear formula takes one parameter on its left
            "bf(y ~ 1) + nlf(sigma + nu ~ a * exp(b * x)) + lf(a ~ x, b ~ z)",
            RCodeError,
            "nlf() takes one parameter on the left of '~', such as sigma ~ a * x.",
        ),
    ],
)
def test_porter_errors(code: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        r_formula(parse_r(code), code)


def test_old_threshold_argument_is_refused_as_brms_2_18() -> None:
    """brms 2.18's brm() has no threshold argument: it reaches rstan::sampling(), whose
    check stops with 'passing unknown arguments: threshold.' (after compiling)."""
    code = (
        "brm(rating ~ period + carry + cs(treat) + (1|subject), data = inhaler, "
        'family = sratio, threshold = "equidistant")'
    )
    with pytest.raises(RCodeError, match=re.escape("passing unknown arguments: threshold.")):
        from_r(code)


def test_set_nl_without_parameters_gets_brms_error() -> None:
    """bf(y1 ~ x) + set_nl(TRUE) translates as brms reads it; its design stops with brms
    2.18's message (make_standata in R)."""
    call = from_r("brm(bf(y1 ~ x) + set_nl(TRUE), data = d)")
    data = pd.DataFrame({"y1": np.linspace(0, 1, 10), "x": np.linspace(1, 2, 10)})
    with pytest.raises(FormulaTermError, match=re.escape("No non-linear parameters specified.")):
        bj.make_standata(call.formula, data)
