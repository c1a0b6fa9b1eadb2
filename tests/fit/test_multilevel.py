"""Level equations to a flat formula, and the table of estimates (issue 6)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from brmsjax.datasets import sleepstudy, star
from brmsjax.formula.design.design import DataWarning, build_design, model_matrix
from brmsjax.formula.design.standata import standata
from brmsjax.formula.errors import DesignError, FormulaError, FormulaTermError, ModelError
from brmsjax.lecture.equations import equations
from brmsjax.lecture.multilevel import multilevel
from brmsjax.lecture.multilevel_table import multilevel_table
from tests.fit.test_equations import DATA, SEED, SEED_LEVEL2

SEED_ARGS: dict[str, object] = {
    "level1": "score ~ age + female + black",
    "level2": {
        "1": "size + exp + tfemale + tblack + propblack",
        "age": "size",
        "female": "tfemale",
        "black": "tblack + propblack",
    },
    "group": "class",
    "varying": ["1", "age", "female", "black"],
}
EXPANDED = (
    "score ~ age + female + black + size + exp + tfemale + tblack + propblack + age:size"
    " + female:tfemale + black:tblack + black:propblack + (age + female + black | class)"
)


def test_seed_levels_give_the_expanded_formula() -> None:
    assert multilevel(**SEED_ARGS, data=DATA) == EXPANDED  # type: ignore[arg-type]


def test_expanded_formula_has_the_seed_formulas_model_matrix() -> None:
    ours, seed = model_matrix(EXPANDED, DATA), model_matrix(SEED, DATA)
    assert sorted(ours.columns) == sorted(seed.columns)
    pd.testing.assert_frame_equal(ours[seed.columns], seed)


def test_expanded_formula_has_the_seed_formulas_standata() -> None:
    ours = standata(build_design(EXPANDED, DATA))
    seed = standata(build_design(SEED, DATA))
    assert list(ours) == list(seed)
    for key, value in seed.items():
        if key == "X":
            pd.testing.assert_frame_equal(ours["X"][value.columns], value)
        else:
            np.testing.assert_array_equal(ours[key], value, err_msg=key)


def test_equations_of_the_expanded_formula_round_trip() -> None:
    ours, seed = equations(EXPANDED, DATA), equations(SEED, DATA)
    assert ours.level2 == SEED_LEVEL2
    assert ours.blocks == seed.blocks
    assert ours.table()["parameter"].tolist() == seed.table()["parameter"].tolist()


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # The example: female has no level-2 predictor.
        (
            {
                "level1": "score ~ age + female + black",
                "level2": {
                    "1": "size + exp + tblack + propblack",
                    "age": "size",
                    "black": "tblack + propblack",
                },
                "varying": ["1", "age", "female", "black"],
                "cor": True,
            },
            "score ~ age + female + black + size + exp + tblack + propblack + age:size +"
            " black:tblack"
            " + black:propblack + (age + female + black | class)",
        ),
        (
            {"level1": "score ~ age", "level2": {"Intercept": "size"}},
            "score ~ age + size + (1 | class)",
        ),
        (
            {"level1": "score ~ age + female", "varying": "female", "cor": False},
            "score ~ age + female + (0 + female || class)",
        ),
        (
            {"level1": "score ~ age", "level2": {"age": "0 + size"}, "varying": ["1", "age"]},
            "score ~ age:size + (age | class)",
        ),
        (
            {"level1": "score ~ age", "level2": {"1": "0 + size"}, "varying": []},
            "score ~ 0 + age + size",
        ),
        (
            {
                "level1": "score ~ age*female",
                "level2": {"female:age": "tfemale + size*exp"},
                "varying": ["1", "age:female"],
            },
            "score ~ age + female + age:female + age:female:tfemale + age:female:size + "
            "age:female:exp + age:female:size:exp + (age:female | class)",
        ),
        (
            {"level1": "log(score) | weights(age) ~ female + offset(exp)", "group": "school:class"},
            "log(score) | weights(age) ~ female + offset(exp) + (1 | school:class)",
        ),
    ],
)
def test_formulas(kwargs: dict[str, object], expected: str) -> None:
    args: dict[str, object] = {"group": "class", **kwargs}
    assert multilevel(**args) == expected  # type: ignore[arg-type]


def test_real_star_data_check_passes_and_round_trips() -> None:
    formula = multilevel(
        "score ~ age + black",
        {"1": "size + tblack", "black": "tblack"},
        group="class",
        varying=["1", "black"],
    )
    with pytest.warns(DataWarning):
        assert (
            multilevel(
                "score ~ age + black",
                {"1": "size + tblack", "black": "tblack"},
                group="class",
                varying=["1", "black"],
                data=star(),
            )
            == formula
        )
    with pytest.warns(DataWarning):
        eq = equations(formula, star())
    assert [(e.beta, e.term, [g.predictor for g in e.gammas], e.varying) for e in eq.level2] == [
        (0, "Intercept", [None, "size", "tblack"], True),
        (1, "age", [None], False),
        (2, "black", [None, "tblack"], True),
    ]


LEVEL1 = "score ~ age + female + black"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"level2": {"1": "exp + urban + age2"}, "data": DATA.assign(age2=DATA["age"] ** 2)},
            DesignError,
            "The level-2 predictor 'age2' varies within class 'c00' (it takes 15 different values "
            "there); a level-2 predictor must be constant within every level of class. Move it to "
            "level1 or use its mean by class.",
        ),
        (
            {
                "level2": {"1": "urban"},
                "group": "class",
                "data": DATA.assign(urban=DATA["age"] > 6.5),
            },
            DesignError,
            "The level-2 predictor 'urban' varies within class 'c00'",
        ),
        (
            {"level2": {"gender": "tfemale"}},
            FormulaTermError,
            "level2 names 'gender', which is not a term of level1; its terms are: 1, age, female, "
            "black.",
        ),
        (
            {"level2": {"age:female": "size"}},
            FormulaTermError,
            "level2 names 'age:female', which is not a term of level1",
        ),
        (
            {"varying": ["1", "gender"]},
            FormulaTermError,
            "varying names 'gender', which is not a term of level1; its terms are: 1, age, female, "
            "black.",
        ),
        (
            {"level2": {"1": "size + female"}},
            FormulaTermError,
            "'female' is a level-1 variable (level1 uses it), so it cannot be a level-2"
            " predictor of "
            "'1'; give level-2 equations only variables of the group.\n  size + female\n     "
            "    ^^^^^^",
        ),
        (
            {"level2": {"1": "size + (1 | school)"}},
            FormulaTermError,
            "The level-2 predictors of '1' must be plain terms such as 'size + exp'",
        ),
        (
            {"level2": {"1": "size", "Intercept": "exp"}},
            FormulaTermError,
            "level2 gives the predictors of 'Intercept' twice.",
        ),
        (
            {"level2": ["size"]},
            FormulaTermError,
            "level2 must map level-1 terms to their level-2 predictors, such as {'1': 'size +"
            " exp', "
            "'age': 'size'}, not list.",
        ),
        (
            {"varying": ["1", 2]},
            FormulaTermError,
            "varying must name level-1 terms as strings, not 2.",
        ),
        (
            {"group": "school/class"},
            FormulaTermError,
            "group must be one grouping factor such as 'class' or 'school:class', not"
            " 'school/class'",
        ),
        (
            {"group": ""},
            FormulaTermError,
            "group must name the grouping factor, such as 'class', not ''.",
        ),
        (
            {"level1": "score ~ age + (1 | class)"},
            FormulaTermError,
            "level1 has a group-level term; name the varying terms with varying= instead.",
        ),
        (
            {"level1": "bf(score ~ age, sigma ~ female)"},
            FormulaTermError,
            "level1 must be one formula such as 'y ~ x', not bf().",
        ),
        ({"level1": "score ~ age +"}, FormulaError, "score ~ age +"),
        ({"level2": {"1": "sizee"}, "data": DATA}, FormulaError, "sizee"),
    ],
)
def test_bad_input_errors(kwargs: dict[str, object], error: type[Exception], message: str) -> None:
    args: dict[str, object] = {"level1": LEVEL1, "group": "class", **kwargs}
    with pytest.raises(error, match=re.escape(message)):
        multilevel(**args)  # type: ignore[arg-type]


# -- the table of estimates -------------------------------------------------------------------

SLEEP = equations("Reaction ~ Days + (Days | Subject)", sleepstudy())


def _draws(names: list[str], n: int = 401, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: rng.normal(k, 1 + k, n) for k, name in enumerate(names)})
    frame[".chain"] = 1
    frame["lp__"] = 0.0
    return frame


@pytest.mark.parametrize("prob", [0.9, 0.5, 0.95])
def test_table_numbers_are_means_and_quantiles(prob: float) -> None:
    eq = equations(SEED, DATA)
    draws = _draws(eq.table()["parameter"].tolist())
    table = multilevel_table(draws, eq, prob=prob)
    both = pd.concat([table.coefficients, table.variance])
    width = f"{prob * 100:g}"
    lower, upper = (1 - prob) / 2, 1 - (1 - prob) / 2
    params = both["parameter"].tolist()
    np.testing.assert_allclose(both["Mean"], draws[params].mean().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        both[f"l-{width}% CI"], np.quantile(draws[params], lower, axis=0), rtol=1e-12
    )
    np.testing.assert_allclose(
        both[f"u-{width}% CI"], np.quantile(draws[params], upper, axis=0), rtol=1e-12
    )
    assert table.coefficients.index.tolist() == [
        "gamma_00",
        "gamma_01",
        "gamma_02",
        "gamma_03",
        "gamma_04",
        "gamma_05",
        "gamma_10",
        "gamma_11",
        "gamma_20",
        "gamma_21",
        "gamma_30",
        "gamma_31",
        "gamma_32",
    ]
    assert table.variance["parameter"].tolist()[::9] == [
        "sd_class__Intercept",
        "cor_class__female__black",
    ]
    assert table.coefficients.loc[
        ["gamma_00", "gamma_01", "gamma_10", "gamma_11"], "meaning"
    ].tolist() == [
        "Expected score when all covariates are zero",
        "Baseline effect of size",
        "Baseline effect of age",
        "Effect of size on the age slope",
    ]


SLEEP_TABLE = "\n".join(
    [
        "Coefficients (posterior mean and 90% credible interval):",
        "     parameter      Mean  l-90% CI  u-90% CI  meaning",
        "γ₀₀  b_Intercept  252.00    250.20    253.80  Expected Reaction when all covariates"
        " are zero",
        "γ₁₀  b_Days        10.50     10.14     10.86  Baseline effect of Days",
        "",
        "Variance parameters:",
        "     parameter                      Mean  l-90% CI  u-90% CI  meaning",
        "ϕ₀   sd_Subject__Intercept         25.00     24.10     25.90  Between-Subject SD of the "
        "intercept",
        "ϕ₁   sd_Subject__Days               6.00      5.82      6.18  Between-Subject SD of the "
        "Days slope",
        "ρ₀₁  cor_Subject__Intercept__Days   0.10     -0.08      0.28  Between-Subject correlation "
        "of the intercept and the Days slope",
        "σ    sigma                         26.00     25.10     26.90  Residual standard deviation",
    ]
)


def test_table_text_is_pinned() -> None:
    step = np.arange(5.0) - 2
    draws = pd.DataFrame(
        {
            "b_Intercept": 252 + step,
            "b_Days": 10.5 + 0.2 * step,
            "sd_Subject__Intercept": 25 + 0.5 * step,
            "sd_Subject__Days": 6 + 0.1 * step,
            "cor_Subject__Intercept__Days": 0.1 + 0.1 * step,
            "sigma": 26 + 0.5 * step,
        }
    )
    assert str(multilevel_table(draws, SLEEP)) == SLEEP_TABLE


@pytest.mark.parametrize(
    ("draws", "prob", "message"),
    [
        (
            pd.DataFrame({"b_Intercept": [1.0]}),
            0.9,
            "The draws lack 'b_Days', 'sd_Subject__Intercept', 'sd_Subject__Days', "
            "'cor_Subject__Intercept__Days', 'sigma', which the equations need; pass the"
            " draws of a "
            "fit of the model the equations describe.",
        ),
        (pd.DataFrame(), 1.5, "prob must be a single number in [0, 1]; got 1.5."),
        ([1.0, 2.0], 0.9, "draws must be a pandas DataFrame of draws, not list."),
    ],
)
def test_table_errors(draws: object, prob: float, message: str) -> None:
    with pytest.raises(ModelError, match=re.escape(message)):
        multilevel_table(draws, SLEEP, prob=prob)  # type: ignore[arg-type]
