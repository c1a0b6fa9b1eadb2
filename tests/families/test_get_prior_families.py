"""get_prior tables and resolved priors for every family against brms 2.18.

References: brms 2.18.0 / R 4.2.2 ``get_prior()`` tables in tests/fixtures/get_prior/families
(recorded by tests/fixtures/get_prior/make_fixtures.R on the data set stored there as
data.json).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.registry import Family, get_family
from brmsjax.backend.priors.resolve import prior, prior_table, resolve_priors
from brmsjax.formula.design.design import build_design
from brmsjax.formula.design.ir import Design
from brmsjax.formula.errors import PriorError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "get_prior" / "families"
CASES = sorted(p.stem for p in FIXTURES.glob("*.json") if p.stem != "data")
COLUMNS = ["prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub", "source"]


@cache
def family_data() -> pd.DataFrame:
    """The data set the fixtures were made with."""
    raw = json.loads((FIXTURES / "data.json").read_text())
    return pd.DataFrame(
        {
            name: np.asarray(values, dtype=np.float64) if name in raw["numeric"] else values
            for name, values in raw["columns"].items()
        }
    )


@cache
def fixture(case_id: str) -> tuple[dict[str, Any], Design, Family]:
    case = json.loads((FIXTURES / f"{case_id}.json").read_text())
    family = get_family(case["family"])
    assert family.link == case["link"]
    return case, build_design(case["formula"], family_data(), family=family), family


@pytest.mark.parametrize("case_id", CASES)
def test_get_prior_equals_brms(case_id: str) -> None:
    case, design, family = fixture(case_id)
    expected = pd.DataFrame(case["rows"], columns=COLUMNS)
    got = prior_table(design, family)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)


# (case, param, specs): what the lowering reads, defaults only.
STUDENT = PriorSpec("student_t", (3.0, 0.0, 2.5))
RESOLVED = [
    ("cumulative", "Intercept", (STUDENT,) * 3),
    ("cumulative", "b", (PriorSpec("flat"),)),
    ("ordinal_thres", "Intercept", (STUDENT,) * 5),
    ("categorical", "Intercept_mub", (STUDENT,)),
    ("categorical", "b_muc", (PriorSpec("flat"),)),
    ("categorical", "sd_2", (PriorSpec("student_t", (3.0, 0.0, 2.5), 0.0),)),
    ("student", "nu", (PriorSpec("gamma", (2.0, 0.1), 1.0),)),
    ("student", "sigma", (PriorSpec("student_t", (3.0, 0.0, 2.6), 0.0),)),
    ("zero_inflated_poisson", "zi", (PriorSpec("beta", (1.0, 1.0), 0.0, 1.0),)),
    ("hurdle_gamma", "hu", (PriorSpec("beta", (1.0, 1.0), 0.0, 1.0),)),
    ("negbinomial", "shape", (PriorSpec("gamma", (0.01, 0.01), 0.0),)),
    ("beta", "phi", (PriorSpec("gamma", (0.01, 0.01), 0.0),)),
    ("skew_normal", "alpha", (PriorSpec("normal", (0.0, 4.0)),)),
    ("dist_zi", "Intercept_zi", (PriorSpec("logistic", (0.0, 1.0)),)),
    ("dist_nu", "Intercept_nu", (PriorSpec("normal", (2.7, 0.8)),)),
    ("dist_phi", "Intercept_phi", (STUDENT,)),
    ("dist_shape", "Intercept_shape", (STUDENT,)),
    ("dist_sigma", "Intercept_sigma", (STUDENT,)),
    ("dist_zi", "b_zi", (PriorSpec("flat"),)),
]


@pytest.mark.parametrize(("case_id", "param", "specs"), RESOLVED)
def test_resolved_defaults(case_id: str, param: str, specs: tuple[PriorSpec, ...]) -> None:
    _, design, family = fixture(case_id)
    assert resolve_priors(design, family)[param].specs == specs


# (case, params the lowering must not sample)
ABSENT = [
    ("fixed_nu", "nu"),
    ("se_fixed_sigma", "sigma"),
    ("cumulative", "disc"),
    ("cumulative", "Intercept_disc"),
    ("categorical", "Intercept"),
    ("categorical", "b"),
    ("dist_sigma", "sigma"),
    ("exponential", "shape"),
]


@pytest.mark.parametrize(("case_id", "param"), ABSENT)
def test_fixed_and_absent_params(case_id: str, param: str) -> None:
    _, design, family = fixture(case_id)
    assert param not in resolve_priors(design, family)


def test_user_priors_on_thresholds_and_categories() -> None:
    _, design, family = fixture("cumulative")
    user = prior("normal(0, 5)", class_="Intercept") + prior(
        "normal(1, 2)", class_="Intercept", coef="2"
    )
    specs = resolve_priors(design, family, user)["Intercept"].specs
    assert specs == (
        PriorSpec("normal", (0.0, 5.0)),
        PriorSpec("normal", (1.0, 2.0)),
        PriorSpec("normal", (0.0, 5.0)),
    )
    _, design, family = fixture("categorical")
    user = prior("normal(0, 3)", class_="b", dpar="muc")
    resolved = resolve_priors(design, family, user)
    assert (resolved["b_muc"].specs, resolved["b_mub"].specs) == (
        (PriorSpec("normal", (0.0, 3.0)),),
        (PriorSpec("flat"),),
    )
    # brms 2.18 (make_stancode) applies mu's class-level priors to every category without its
    # own: lprior += normal_lpdf(b_mub | 0, 5); ... normal_lpdf(Intercept_muc | 1, 2)
    user = (
        prior("normal(0, 5)", class_="b")
        + prior("normal(1, 2)", class_="Intercept")
        + prior("normal(0, 3)", class_="b", dpar="muc")
    )
    resolved = resolve_priors(design, family, user)
    assert [resolved[k].specs[0] for k in ("b_mub", "b_muc", "Intercept_mub", "Intercept_muc")] == [
        PriorSpec("normal", (0.0, 5.0)),
        PriorSpec("normal", (0.0, 3.0)),
        PriorSpec("normal", (1.0, 2.0)),
        PriorSpec("normal", (1.0, 2.0)),
    ]


PRIOR_ERRORS = [
    (
        "cumulative",
        prior("normal(0, 1)", class_="Intercept", coef="4"),
        "The prior for class 'Intercept' names coefficient '4', which the model lacks; its "
        "coefficients are: 1, 2, 3.",
    ),
    (
        "fixed_nu",
        prior("gamma(2, 0.1)", class_="nu"),
        "'nu' is fixed to 4 by the formula; it takes no prior.",
    ),
    (
        "se_fixed_sigma",
        prior("exponential(1)", class_="sigma"),
        "'sigma' is fixed to 0 by the formula; it takes no prior.",
    ),
    (
        "categorical",
        prior("normal(0, 1)", class_="b", dpar="mud"),
        "The model has no distributional parameter 'mud'; its parameters are: mub, muc.",
    ),
]


@pytest.mark.parametrize(
    ("case_id", "user", "message"), PRIOR_ERRORS, ids=[e[0] for e in PRIOR_ERRORS]
)
def test_prior_errors(case_id: str, user: Any, message: str) -> None:
    _, design, family = fixture(case_id)
    with pytest.raises(PriorError, match="^" + re.escape(message) + "$"):
        resolve_priors(design, family, user)
