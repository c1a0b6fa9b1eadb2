"""The porter on nlf() models: ``from_r("brm(bf(...) + nlf(...) + lf(...), ...)")`` translates
to brms's model (make_standata equal to brms 2.18's, tests/fixtures/nlf) and to Python source
written as brms's sum (``bj.bf(...) + bj.nlf(...) + bj.lf(...)``)."""

from __future__ import annotations

import numpy as np
import pytest

import brmsjax as bj
from brmsjax.formula.terms.brmsterms import BrmsFormula
from brmsjax.port.translate import from_r
from tests.nlf.fixtures import CASES, FAMILIES, case, data_set


@pytest.mark.parametrize("case_id", CASES)
def test_ported_call_builds_brms_standata(case_id: str) -> None:
    c = case(case_id)
    call = from_r(f"brm({c['formula']}, data = d, family = {c['family']}())")
    assert isinstance(call.formula, BrmsFormula) and call.formula.nlf
    got = bj.make_standata(call.formula, data_set(), family=FAMILIES[c["family"]])
    assert list(got) == c["names"]
    for key in (k for k in c["names"] if k.startswith("C_")):
        np.testing.assert_allclose(got[key], c["values"][key], rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("code", "python"),
    [
        (
            "brm(bf(y ~ x) + nlf(sigma ~ a * exp(b * z)) + lf(a + b ~ 1), data = d)",
            'bj.bf("y ~ x") + bj.nlf("sigma ~ a * exp(b * z)") + bj.lf("a ~ 1", "b ~ 1")',
        ),
        (
            "brm(bf(y ~ x, nu ~ z, nlf(sigma ~ a * z), lf(a ~ 1)) + student(), data = d)",
            'bj.bf("y ~ x", "nu ~ z", family="student") + bj.nlf("sigma ~ a * z") + bj.lf("a ~ 1")',
        ),
        (
            "brm(bf(y ~ a1 * exp(b1 * x), a1 + b1 ~ 1, nl = TRUE) + nlf(sigma ~ a2 * z, "
            "a2 ~ 1), data = d)",
            'bj.bf("y ~ a1 * exp(b1 * x)", "a1 ~ 1", "b1 ~ 1", nl=True) '
            '+ bj.nlf("sigma ~ a2 * z") + bj.lf("a2 ~ 1")',
        ),
    ],
)
def test_to_python_writes_brms_sum(code: str, python: str) -> None:
    call = from_r(code)
    assert call.formula_call.to_python() == python
    assert str(call.formula) == python.replace("bj.", "").replace('"', "").replace(
        ", family=student", ""
    ).replace(", nl=True", ", nl = TRUE")
