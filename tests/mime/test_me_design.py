"""me() terms: make_standata and get_prior equal brms 2.18's (brms's special effects, shared
with mo()), and the messages for what brmsjax does not take yet.

The references are recorded by ``tests/fixtures/mime/make_fixtures.R`` (brms 2.18.0).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brmsjax
from brmsjax.formula.errors import BrmsjaxError, ModelError

HERE = Path(__file__).parents[1] / "fixtures" / "mime"
REFERENCE = json.loads((HERE / "brms_mime.json").read_text())
CASES = {c["id"]: c for c in REFERENCE["cases"]}
ME_CASES = ["me", "me_interaction", "me_two", "me_group", "me_mo"]


def data() -> pd.DataFrame:
    return pd.read_csv(HERE / "data.csv")


def _quiet(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.mark.parametrize("case_id", ME_CASES)
def test_standata_equals_brms(case_id: str) -> None:
    case = CASES[case_id]
    got = _quiet(brmsjax.make_standata, case["formula"], data(), family=case["family"])
    assert list(got) == list(case["standata"])
    for key, value in case["standata"].items():
        ours = got[key]
        ours = ours.to_numpy() if isinstance(ours, pd.DataFrame) else np.asarray(ours)
        np.testing.assert_allclose(
            ours.reshape(-1), np.asarray(value, dtype=float).reshape(-1), err_msg=key
        )


@pytest.mark.parametrize("case_id", ME_CASES)
def test_get_prior_equals_brms(case_id: str) -> None:
    case = CASES[case_id]
    table = _quiet(brmsjax.get_prior, case["formula"], data(), family=case["family"])
    got = table[["prior", "class", "coef", "group", "dpar"]].to_dict("records")
    assert got == case["get_prior"]


def test_sp_terms_share_the_special_effects() -> None:
    """me() and mo() terms are one sp block: bsp coefficients in brms's order, Csp of z."""
    design = _quiet(brmsjax.formula.build_design, "y ~ me(x, sdx) * z + mo(k)", data())
    sp = design.fixed[0].sp
    assert sp.coefs == ("mexsdx", "mok", "mexsdx:z")
    assert [t.me for t in sp.terms] == [(0,), (), (0,)]
    assert sp.me_labels == ("mex",)
    assert list(design.fixed[0].columns) == ["Intercept", "z"]


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("y ~ me(x)", "me() takes a variable and its measurement error, as in me(x, sdx)."),
        (  # brms 2.18's message (tests/fixtures/mecor/me_gr.R): x varies within g's levels
            "y ~ me(x, sdx, gr = g)",
            "Measured values and measurement error should be unique for each group. Occured "
            "for level 'a' of group 'g'.",
        ),
        ("y ~ me(x, g)", "The measurement errors of me(x, g) must be numeric."),
        ("y ~ me(x, -sdx)", "The measurement errors of me(x, -sdx) must be non-negative."),
        ("y ~ me(x, sdx, k = 1)", "me() has no argument 'k'; its arguments are: x, sdx, gr."),
    ],
)
def test_me_argument_errors(formula: str, message: str) -> None:
    with pytest.raises(BrmsjaxError) as err:
        _quiet(brmsjax.make_standata, formula, data())
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("bf(y ~ z, sigma ~ me(x, sdx))", "me() terms are supported in mu's formula only"),
        ("y ~ me(x, sdx):mo(k)", "Terms with both me() and mo() are not supported yet"),
    ],
)
def test_brm_refuses_me_terms_it_lacks(formula: str, message: str) -> None:
    with pytest.raises(ModelError, match="^" + re.escape(message)):
        _quiet(brmsjax.brm, formula, data(), chains=1, iter=50)


@pytest.mark.parametrize(
    ("prior", "param", "expected"),
    [
        (("normal(5, 2)", "meanme", ""), "meanme_1", ["normal(5, 2)", "normal(5, 2)"]),
        (("normal(1, 2)", "sdme", "mez"), "sdme_1", ["", "normal(1, 2)"]),  # "" is flat
        (("lkj(2)", "corme", ""), "Lme_1", ["lkj(2)"]),
        (None, "Lme_1", ["lkj(1)"]),
    ],
)
def test_me_priors_resolve_to_their_vectors(
    prior: tuple[str, str, str] | None, param: str, expected: list[str]
) -> None:
    from brmsjax.backend.families.registry import get_family
    from brmsjax.backend.priors.resolve import resolve_priors
    from brmsjax.formula.design.design import build_design

    design = _quiet(build_design, "y ~ me(x, sdx) + me(z, sdy)", data())
    user = None if prior is None else brmsjax.prior(prior[0], prior[1], prior[2])
    resolved = resolve_priors(design, get_family("gaussian"), user)
    assert [str(s) for s in resolved[param].specs] == expected
    if param == "sdme_1":
        assert resolved[param].specs[1].lb == 0.0  # truncated at sdme's bound


def test_corme_takes_lkj_priors_only() -> None:
    with pytest.raises(BrmsjaxError, match="^The prior for class 'corme' is 'normal"):
        _quiet(
            brmsjax.get_prior,
            "y ~ me(x, sdx) + me(z, sdy)",
            data(),
            prior="prior(normal(0, 1), class = corme)",
        )
