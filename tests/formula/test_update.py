"""update(): R's update.formula rules and brms's refit semantics.

Formula ground truth: tests/fixtures/update/update_formula.json, made by make_update_formula.R
(R's ``update(old, new)``). The refits use a tiny simulated regression (2 chains, 200 draws) and
check against the simulated truth that new data, formulas and settings take effect, and that new
data of the same shape compiles nothing (``trace_count`` does not move).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.backend.model.lower import trace_count
from brmsjax.fit import BrmsFit
from brmsjax.formula.errors import FormulaSyntaxError
from brmsjax.formula.terms.brmsterms import BrmsFormula, bf
from brmsjax.formula.terms.update import update_brms_formula, update_formula
from brmsjax.methods.refit import UpdateError, _merge_priors, update

CASES = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "update" / "update_formula.json").read_text()
)
SETTINGS: dict[str, Any] = {"chains": 2, "iter": 200, "seed": 5, "cores": 1}


@pytest.mark.parametrize("case", CASES, ids=[f"{c['old']} | {c['new']}" for c in CASES])
def test_update_formula_matches_r(case: dict[str, str]) -> None:
    assert update_formula(case["old"], case["new"]) == case["result"]


BRMS_CASES = [
    ("bf(y ~ x, sigma ~ x)", ". ~ . + z", BrmsFormula(("y ~ x + z", "sigma ~ x"))),
    (bf("y ~ x", "sigma ~ x"), bf(". ~ .", "sigma ~ 1"), BrmsFormula(("y ~ x", "sigma ~ 1"))),
    ("y ~ x", bf(". ~ . - x", "sigma ~ g"), BrmsFormula(("y ~ 1", "sigma ~ g"))),
    (bf("y ~ x", "sigma ~ x"), bf(". ~ .", sigma=2.0), BrmsFormula(("y ~ x",), {"sigma": 2.0})),
    ("y ~ x", "~ . + (1 | g)", "y ~ x + (1 | g)"),
]


@pytest.mark.parametrize(("old", "new", "expected"), BRMS_CASES)
def test_update_brms_formula(old: Any, new: Any, expected: Any) -> None:
    assert update_brms_formula(old, new) == expected


def test_update_formula_rejects_bf_update() -> None:
    with pytest.raises(
        FormulaSyntaxError,
        match=re.escape(
            "The new formula must be a single formula such as '. ~ . + x' here, not a bf() call."
        ),
    ):
        update_formula("y ~ x", "bf(. ~ ., sigma ~ x)")


def _data(shift: float = 0.0, n: int = 40, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=n), rng.normal(size=n)
    y = 1.0 + shift + 2.0 * x - 1.5 * z + rng.normal(0, 0.5, n)
    return pd.DataFrame({"y": y, "x": x, "z": z})


def _brm(*args: Any, **kwargs: Any) -> BrmsFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        return bj.brm(*args, **kwargs)


def _update(fit: BrmsFit, *args: Any, **kwargs: Any) -> BrmsFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        return fit.update(*args, **kwargs)


def _est(fit: BrmsFit) -> dict[str, float]:
    table = fit.fixef()
    return dict(zip(map(str, table.index), table["Estimate"].to_numpy(float), strict=True))


@pytest.fixture(scope="module")
def fit() -> BrmsFit:
    return _brm(
        "y ~ x",
        _data(),
        prior=bj.prior("normal(0, 5)", coef="x"),
        control={"adapt_delta": 0.9},
        **SETTINGS,
    )


def test_new_data_of_same_shape_compiles_nothing(fit: BrmsFit) -> None:
    traces = trace_count()
    new = _update(fit, newdata=_data(shift=5.0))
    assert trace_count() == traces
    shift = _est(new)["Intercept"] - _est(fit)["Intercept"]
    assert 4.5 < shift < 5.5
    assert new.info.data_name == "newdata"
    assert new.brm_args["seed"] == 5 and new.brm_args["control"]["adapt_delta"] == 0.9


def test_formula_update_adds_a_term_and_merges_priors(fit: BrmsFit) -> None:
    new = _update(fit, ". ~ . + z", prior=bj.prior("normal(0, 3)", coef="z"))
    assert new.info.formula == "y ~ x + z"
    est = _est(new)
    np.testing.assert_allclose([est["x"], est["z"]], [2.0, -1.5], atol=0.4)
    assert new.brm_args["prior"] == [
        bj.prior("normal(0, 3)", coef="z"),
        bj.prior("normal(0, 5)", coef="x"),
    ]


def test_settings_update(fit: BrmsFit) -> None:
    new = _update(fit, iter=100, control={"max_treedepth": 6})
    assert (new.info.iter, new.info.warmup, new.ndraws) == (100, 50, 100)
    assert new.brm_args["control"] == {"adapt_delta": 0.9, "max_treedepth": 6}
    assert new.info.formula == "y ~ x"


PRIOR_CASES = [
    (
        "y ~ z",
        [bj.prior("normal(0, 2)", class_="Intercept")],
        [bj.prior("normal(0, 2)", class_="Intercept"), bj.prior("normal(0, 1)", coef="z")],
    ),
    ("y ~ x", [bj.prior("normal(0, 1)", coef="x")], [bj.prior("normal(0, 1)", coef="x")]),
    ("y ~ x + z", None, [bj.prior("normal(0, 5)", coef="x"), bj.prior("normal(0, 1)", coef="z")]),
]


@pytest.mark.parametrize(("formula", "new", "expected"), PRIOR_CASES)
def test_priors_merge_and_stale_ones_drop(formula: str, new: Any, expected: list[Any]) -> None:
    old = [bj.prior("normal(0, 5)", coef="x"), bj.prior("normal(0, 1)", coef="z")]
    assert _merge_priors(new, old, formula, _data(), "gaussian") == expected


ERRORS = [
    ({"data": _data()}, "update() takes new data as 'newdata', not 'data'; pass newdata=."),
    (
        {"adapt_delta": 0.9},
        "update() got unknown argument(s) adapt_delta; it takes formula, "
        "newdata and the brm() arguments family, prior, chains",
    ),
    ({"formula": ". ~ . + w"}, "Unknown variable 'w'"),
    ({"formula": ". ~ . + w"}, "The fit's data lacks it: pass the data again with newdata=."),
]


@pytest.mark.parametrize(("kwargs", "message"), ERRORS)
def test_errors(fit: BrmsFit, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(UpdateError, match=re.escape(message)):
        fit.update(**kwargs)


def test_fit_without_brm_args_cannot_update(fit: BrmsFit) -> None:
    bare = BrmsFit(fit.draws(), fit.info)
    with pytest.raises(
        UpdateError,
        match=re.escape(
            "This fit does not keep its brm() arguments and data, so it cannot be updated; fit the "
            "model again with brm()."
        ),
    ):
        update(bare, iter=100)
