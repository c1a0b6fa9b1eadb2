"""mixture() designs: make_standata and get_prior equal brms 2.18's, and brms's checks.

References: brms 2.18.0 / R 4.2.2 ``make_standata()`` and ``get_prior()`` in
tests/fixtures/mixture (recorded by its make_fixtures.R on the data set stored there as
data.json).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.families.mixture import Mixture
from brmsjax.formula.errors import BrmsjaxError, FormulaTermError, ModelError, PriorError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "mixture"

#: The fixture cases' families, as brmsjax writes them.
FAMILIES: dict[str, Mixture] = {
    "gauss2": bj.mixture("gaussian", "gaussian"),
    "mu_formulas": bj.mixture("gaussian", "gaussian"),
    "theta_pred": bj.mixture("gaussian", "gaussian"),
    "theta_fixed": bj.mixture("gaussian", "gaussian"),
    "nmix3_groups": bj.mixture("gaussian", nmix=3),
    "student": bj.mixture(bj.gaussian, bj.student),
    "counts": bj.mixture("poisson", "negbinomial"),
    "dpar_formulas": bj.mixture("gaussian", "gaussian", order="none"),
    "lognormal": bj.mixture("lognormal", "lognormal"),
    "dirichlet": bj.mixture("gaussian", "gaussian"),
}
CASES = sorted(FAMILIES)


@cache
def mixture_data() -> pd.DataFrame:
    """The data set the fixtures were made with."""
    raw = json.loads((FIXTURES / "data.json").read_text())
    cols: dict[str, Any] = {}
    for name, values in raw["columns"].items():
        cols[name] = values if name in raw["character"] else np.asarray(values, dtype=float)
    return pd.DataFrame(cols)


def _case(case_id: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{case_id}.json").read_text())


def _formula(text: str) -> Any:
    return text  # bf(...) texts are read by the formula parser


def _prior(case: dict[str, Any]) -> str | None:
    return case["prior"] or None


@pytest.mark.parametrize("case_id", CASES)
def test_standata_equals_brms(case_id: str) -> None:
    case = _case(case_id)
    got = bj.make_standata(
        _formula(case["formula"]), mixture_data(), FAMILIES[case_id], _prior(case)
    )
    assert list(got) == case["names"]
    for key, expected in case["values"].items():
        ours = got[key]
        if isinstance(ours, pd.DataFrame):
            colnames = expected["colnames"]
            assert list(ours.columns) == ([colnames] if isinstance(colnames, str) else colnames)
            ours = ours.to_numpy()
        want = np.ravel(expected["rows"] if isinstance(expected, dict) else expected)
        np.testing.assert_allclose(
            np.asarray(ours, dtype=float).reshape(-1),
            np.asarray(want, dtype=float),
            rtol=0,
            atol=1e-12,
            err_msg=key,
        )


@pytest.mark.parametrize("case_id", CASES)
def test_get_prior_equals_brms(case_id: str) -> None:
    case = _case(case_id)
    table = bj.get_prior(_formula(case["formula"]), mixture_data(), FAMILIES[case_id])
    want = pd.DataFrame(case["get_prior"])
    columns = ["prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub"]
    want["prior"] = want["prior"].replace("(flat)", "")
    got = table[columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want[columns].astype(str), check_dtype=False)


# (formula, family, error, message start)
ERRORS: list[tuple[str, Any, type[BrmsjaxError], str]] = [
    (
        "bf(y ~ x, theta1 = 1)",
        bj.mixture("gaussian", "gaussian"),
        ModelError,
        "Can only fix no or all mixing proportions.",
    ),
    (
        "bf(y ~ x, theta2 ~ w, theta3 ~ 1)",
        bj.mixture("gaussian", nmix=4),
        ModelError,
        "Can only predict all but one mixing proportion.",
    ),
    (
        "bf(y ~ x, mu ~ z)",
        bj.mixture("gaussian", "gaussian"),
        FormulaTermError,
        "The parameter 'mu' is not a valid distributional or non-linear parameter.",
    ),
    (
        "bf(y ~ x, sigma3 ~ z)",
        bj.mixture("gaussian", "gaussian"),
        FormulaTermError,
        "The parameter 'sigma3' is not a valid distributional or non-linear parameter.",
    ),
    (
        "bf(y ~ x, sigma1 ~ z)",
        "gaussian",
        FormulaTermError,
        "The parameter 'sigma1' is not a valid distributional or non-linear parameter.",
    ),
]


@pytest.mark.parametrize(("formula", "family", "error", "message"), ERRORS)
def test_mixture_design_errors(
    formula: str, family: Any, error: type[BrmsjaxError], message: str
) -> None:
    with pytest.raises(error, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        bj.make_standata(formula, mixture_data(), family)


# (constructor arguments, message): brms's mixture() checks
FAMILY_ERRORS: list[tuple[tuple[Any, ...], dict[str, Any], str]] = [
    (("gaussian",), {}, "Expecting at least 2 mixture components."),
    (("gaussian", "poisson"), {}, "Cannot mix families with real and integer support."),
    (
        ("gaussian", "gaussian"),
        {"order": "sigma"},
        "Argument 'order' is invalid. Valid options are: 'none', 'mu'",
    ),
    (
        ("gaussian", "poisson"),
        {"nmix": (1, 2, 3)},
        "The length of 'nmix' should be the same as the number of mixture components.",
    ),
    (("cumulative", "cumulative"), {}, "The cumulative family cannot be a mixture component"),
]


@pytest.mark.parametrize(("families", "kwargs", "message"), FAMILY_ERRORS)
def test_mixture_family_errors(
    families: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ModelError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        bj.mixture(*families, **kwargs)


@pytest.mark.parametrize(
    ("families", "kwargs", "order", "dpars"),
    [
        (("gaussian", "gaussian"), {}, "mu", ("mu1", "sigma1", "mu2", "sigma2")),
        (("gaussian", "student"), {}, "none", ("mu1", "sigma1", "mu2", "sigma2", "nu2")),
        (("gaussian", "gaussian"), {"order": False}, "none", ("mu1", "sigma1", "mu2", "sigma2")),
        (("poisson",), {"nmix": 2}, "mu", ("mu1", "mu2")),
    ],
)
def test_mixture_family(
    families: tuple[Any, ...], kwargs: dict[str, Any], order: str, dpars: tuple[str, ...]
) -> None:
    family = bj.mixture(*families, **kwargs)
    assert family.order == order
    assert family.dpars == (*dpars, "theta1", "theta2")


def test_dirichlet_prior_only_on_theta() -> None:
    with pytest.raises(PriorError, match="only valid prior for simplex parameters"):
        bj.get_prior(
            "y ~ x",
            mixture_data(),
            bj.mixture("gaussian", "gaussian"),
            "prior(normal(0, 1), theta)",
        )


def test_ordering_needs_intercepts() -> None:
    with pytest.raises(ModelError, match="^Identifying mixture components via ordering requires"):
        bj.brm(
            "y ~ 0 + x",
            mixture_data(),
            family=bj.mixture("gaussian", "gaussian"),
            chains=1,
            iter=20,
            warmup=10,
            progress=False,
        )
