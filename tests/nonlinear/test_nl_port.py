"""The R porter on non-linear formulas: ``bf(..., nl = TRUE)`` read from R, printed as Python."""

from __future__ import annotations

import re

import pytest

import brmsjax as bj
from brmsjax.formula.terms.brmsterms import BrmsFormula
from brmsjax.port import RCodeError, from_r

ORANGE = (
    "brm(bf(circumference ~ phi1 / (1 + exp(-(age - phi2) / phi3)), phi1 ~ 1 + (1 | Tree), "
    'phi2 ~ 1, phi3 ~ 1, nl = TRUE), data = d, prior = c(prior(normal(200, 50), nlpar = "phi1"), '
    'prior(normal(700, 200), nlpar = "phi2"), prior(normal(350, 100), nlpar = "phi3")), '
    "control = list(adapt_delta = 0.95))"
)
ORANGE_PY = """fit = bj.brm(
    bj.bf("circumference ~ phi1/(1 + exp(-(age - phi2)/phi3))", "phi1 ~ 1 + (1 | Tree)", \
"phi2 ~ 1", "phi3 ~ 1", nl=True),
    data=d,
    prior=[
        bj.prior("normal(200, 50)", nlpar="phi1", class_="b"),
        bj.prior("normal(700, 200)", nlpar="phi2", class_="b"),
        bj.prior("normal(350, 100)", nlpar="phi3", class_="b"),
    ],
    control={"adapt_delta": 0.95},
    data_name="d",
)
"""


def test_orange_call_prints_runnable_python() -> None:
    call = from_r(ORANGE)
    assert call.to_python(imports=False) == ORANGE_PY
    made: dict[str, object] = {}

    class _Recorder:
        bf = staticmethod(bj.bf)
        prior = staticmethod(bj.prior)

        @staticmethod
        def brm(*args: object, **kwargs: object) -> None:
            made.update(kwargs, formula=args[0])

    exec(ORANGE_PY, {"bj": _Recorder(), "d": "data"})  # noqa: S102
    assert made["formula"] == call.formula
    assert made["prior"] == call.prior


@pytest.mark.parametrize(
    ("code", "formulas"),
    [
        (
            "brm(bf(y ~ b1 * exp(b2 * x), b1 + b2 ~ 1 + (1 | g), nl = TRUE), data = d)",
            ("y ~ b1 * exp(b2 * x)", "b1 ~ 1 + (1 | g)", "b2 ~ 1 + (1 | g)"),
        ),
        (
            "brm(bf(y ~ a * exp(b * x), lf(a ~ z), nl = TRUE) + lf(b ~ 1 + (1 | g)), data = d)",
            ("y ~ a * exp(b * x)", "a ~ z", "b ~ 1 + (1 | g)"),
        ),
        (
            "brm(bf(y ~ a * exp(b * x), a ~ 1, b ~ 1, sigma ~ x, nl = FALSE), data = d)",
            ("y ~ a * exp(b * x)", "a ~ 1", "b ~ 1", "sigma ~ x"),
        ),
    ],
)
def test_nlpar_formulas_read_as_brms_splits_them(code: str, formulas: tuple[str, ...]) -> None:
    formula = from_r(code).formula
    assert isinstance(formula, BrmsFormula)
    assert formula.formulas == formulas
    assert formula.nl == ("nl = TRUE" in code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "brm(bf(y ~ a * t, nl = TRUE) + lf(a ~ 1) + set_rescor(TRUE), data = d)",
            "Adding formula parts with '+' other than lf() and nlf() (bf(), set_rescor(), ...) "
            "is not supported by brmsjax; write one bf() with lf() and nlf() parts.",
        ),
        (
            'brm(bf(y ~ a * t, lf(a ~ 1, dpar = "x"), nl = TRUE), data = d)',
            "The lf() argument 'dpar' is not supported yet; give lf() formulas only.",
        ),
    ],
)
def test_unsupported_formula_parts_are_refused(code: str, message: str) -> None:
    with pytest.raises(RCodeError, match="^" + re.escape(message)):
        from_r(code)
