"""Level notation of flat formulas (issue 6): the seed model's levels, betas, gammas and table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from brmsjax.datasets import star
from brmsjax.formula.design.design import DataWarning
from brmsjax.lecture.equations import equations
from brmsjax.lecture.levels import Gamma, Level2Equation

SEED = (
    "score ~ age*size + exp + female*tfemale + black*tblack + black*propblack"
    " + (age + female + black | class)"
)
SEED_LABELS = {
    "score": "S",
    "age": "Age",
    "female": "Female",
    "black": "Black",
    "size": "Size",
    "exp": "Exp",
    "tfemale": "TeacherFemale",
    "tblack": "TeacherBlack",
    "propblack": "PropBlack",
}


def simulate_star(n_class: int = 60, n_student: int = 15, seed: int = 6) -> pd.DataFrame:
    """The seed's columns for ``n_class`` classes of ``n_student`` students, 3 classes a school.

    Class-level columns (size, exp, tfemale, tblack, propblack) are constant within class and
    ``urban`` within school; age, female and black vary within class.
    """
    rng = np.random.default_rng(seed)
    k = np.repeat(np.arange(n_class), n_student)
    n = k.size
    black = rng.integers(0, 2, n)
    frame = pd.DataFrame(
        {
            "age": rng.normal(6.5, 0.4, n).round(3),
            "female": rng.integers(0, 2, n),
            "black": black,
            "class": [f"c{j:02d}" for j in k],
            "school": [f"s{j // 3:02d}" for j in k],
            "size": rng.integers(12, 26, n_class)[k].astype(float),
            "exp": rng.integers(0, 30, n_class)[k].astype(float),
            "tfemale": rng.integers(0, 2, n_class)[k],
            "tblack": rng.integers(0, 2, n_class)[k],
            "propblack": pd.Series(black).groupby(k).transform("mean").to_numpy(),
            "urban": rng.integers(0, 2, n_class // 3)[k // 3],
        }
    )
    frame["score"] = (
        540
        - 1.5 * frame["size"]
        - 5 * frame["age"]
        + 10 * frame["female"]
        - 20 * frame["black"]
        + rng.normal(0, 30, n)
    )
    return frame


DATA = simulate_star()

# The lecture's equations (its "Two-level model: estimates" and "Covariance structure" slides).
LECTURE_LINES = [
    r"S_{ik} \sim \text{Norm}(\mu_{ik}, \sigma)",
    r"\mu_{ik} = \beta_{0k} + \beta_{1k} \text{Age}_i + \beta_{2k} \text{Female}_i + \beta_{3k} "
    r"\text{Black}_i",
    r"\beta_{0k} = \gamma_{00} + \gamma_{01} \text{Size}_k + \gamma_{02} \text{Exp}_k + "
    r"\gamma_{03} \text{TeacherFemale}_k + \gamma_{04} \text{TeacherBlack}_k + "
    r"\gamma_{05} \text{PropBlack}_k + \eta_{0k}",
    r"\beta_{1k} = \gamma_{10} + \gamma_{11} \text{Size}_k + \eta_{1k}",
    r"\beta_{2k} = \gamma_{20} + \gamma_{21} \text{TeacherFemale}_k + \eta_{2k}",
    r"\beta_{3k} = \gamma_{30} + \gamma_{31} \text{TeacherBlack}_k + \gamma_{32} \text{PropBlack}_k"
    r" + \eta_{3k}",
    r"\begin{bmatrix} \eta_{0k} \\ \eta_{1k} \\ \eta_{2k} \\ \eta_{3k} \end{bmatrix} \sim "
    r"\text{MVNorm} \left(\begin{bmatrix} 0 \\ 0 \\ 0 \\ 0 \end{bmatrix}, \Phi P \Phi \right)",
    r"\Phi = \begin{bmatrix} \phi_0 & 0 & 0 & 0 \\ 0 & \phi_1 & 0 & 0 \\ 0 & 0 & \phi_2 & 0 \\ "
    r"0 & 0 & 0 & \phi_3 \end{bmatrix}",
    r"P = \begin{bmatrix} 1 & \rho_{01} & \rho_{02} & \rho_{03} \\ \rho_{01} & 1 & \rho_{12} & "
    r"\rho_{13} \\ \rho_{02} & \rho_{12} & 1 & \rho_{23} \\ \rho_{03} & \rho_{13} & \rho_{23} & 1 "
    r"\end{bmatrix}",
]

SEED_LEVEL2 = (
    Level2Equation(
        0,
        "Intercept",
        (
            Gamma(0, None, "b_Intercept"),
            Gamma(1, "size", "b_size"),
            Gamma(2, "exp", "b_exp"),
            Gamma(3, "tfemale", "b_tfemale"),
            Gamma(4, "tblack", "b_tblack"),
            Gamma(5, "propblack", "b_propblack"),
        ),
        True,
    ),
    Level2Equation(1, "age", (Gamma(0, None, "b_age"), Gamma(1, "size", "b_age:size")), True),
    Level2Equation(
        2,
        "female",
        (
            Gamma(0, None, "b_female"),
            Gamma(1, "tfemale", "b_female:tfemale"),
        ),
        True,
    ),
    Level2Equation(
        3,
        "black",
        (
            Gamma(0, None, "b_black"),
            Gamma(1, "tblack", "b_black:tblack"),
            Gamma(2, "propblack", "b_black:propblack"),
        ),
        True,
    ),
)


def test_seed_model_gives_the_lectures_level2_equations() -> None:
    eq = equations(SEED, DATA)
    assert eq.level2 == SEED_LEVEL2
    assert [(b.group, b.letter, b.n_levels) for b in eq.blocks] == [("class", "k", 60)]
    levels = {v.label: (v.level, v.group) for v in eq.levels.variables.values()}
    assert levels == {
        "age": (1, None),
        "female": (1, None),
        "black": (1, None),
        "size": (2, "class"),
        "exp": (2, "class"),
        "tfemale": (2, "class"),
        "tblack": (2, "class"),
        "propblack": (2, "class"),
    }


def test_seed_model_latex_is_the_lectures() -> None:
    eq = equations(SEED, DATA, labels=SEED_LABELS)
    assert eq.latex(bmatrix=True).split("\n") == LECTURE_LINES
    assert eq._repr_latex_().startswith("$$\\begin{aligned}\n& S_{ik} \\sim")


def test_level2_is_read_after_rows_with_missing_values_are_dropped() -> None:
    data = DATA.copy()
    data.loc[0, "exp"] = 99.0  # breaks exp's constancy in class c00 ...
    data.loc[0, "score"] = np.nan  # ... on a row the model drops
    with pytest.warns(DataWarning, match="Rows containing NAs were excluded"):
        eq = equations(SEED, data)
    assert eq.level2 == SEED_LEVEL2
    data.loc[0, "score"] = 500.0
    eq = equations(SEED, data)
    assert eq.levels.variables["exp"].level == 1
    assert eq.level2[0].gammas[1:] == (
        Gamma(1, "size", "b_size"),
        Gamma(2, "tfemale", "b_tfemale"),
        Gamma(3, "tblack", "b_tblack"),
        Gamma(4, "propblack", "b_propblack"),
    )


RATERS = DATA.assign(
    rater=[f"r{j % 7}" for j in range(len(DATA))], strict=[j % 7 // 4 for j in range(len(DATA))]
)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        # Nested: exp is constant within school:class only, urban within school (the coarser).
        (
            "score ~ age + exp + urban + (1 | school/class)",
            {"age": (1, None), "exp": (2, "school:class"), "urban": (2, "school")},
        ),
        # Crossed: raters grade students of every class.
        (
            "score ~ age + exp + strict + (1 | class) + (1 | rater)",
            {"age": (1, None), "exp": (2, "class"), "strict": (2, "rater")},
        ),
        # A varying slope makes its variable level 1, even if it is constant within the group.
        ("score ~ size + (1 + size | class)", {"size": (1, "class")}),
        # Without grouping factors every variable is level 1.
        ("score ~ age + size", {"age": (1, None), "size": (1, None)}),
    ],
)
def test_variable_levels(formula: str, expected: dict[str, tuple[int, str | None]]) -> None:
    variables = equations(formula, RATERS).levels.variables
    assert {v.label: (v.level, v.group) for v in variables.values()} == expected


def test_table_maps_symbols_to_brms_names() -> None:
    table = equations(SEED, DATA).table()
    assert list(table.index) == [
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
        "phi_0",
        "phi_1",
        "phi_2",
        "phi_3",
        "rho_01",
        "rho_02",
        "rho_12",
        "rho_03",
        "rho_13",
        "rho_23",
        "sigma",
    ]
    picked = table.loc[["gamma_00", "gamma_11", "phi_1", "rho_01", "sigma"]]
    assert picked["parameter"].tolist() == [
        "b_Intercept",
        "b_age:size",
        "sd_class__age",
        "cor_class__Intercept__age",
        "sigma",
    ]
    assert picked["symbol"].tolist() == ["γ₀₀", "γ₁₁", "ϕ₁", "ρ₀₁", "σ"]
    assert picked["meaning"].tolist() == [
        "Expected score when all covariates are zero",
        "Effect of size on the age slope",
        "Between-class SD of the age slope",
        "Between-class correlation of the intercept and the age slope",
        "Residual standard deviation",
    ]


def test_real_star_varying_only_slope_and_brms_correlation_order() -> None:
    formula = (
        "score ~ age*size + exp + black*tblack + black*propblack + (age + female + black | class)"
    )
    with pytest.warns(DataWarning):
        eq = equations(formula, star())
    assert eq.level2[3] == Level2Equation(3, "female", (), True)
    table = eq.table()
    # brms orders the class coefficients Intercept, age, female, black; the betas put black
    # (beta 2) before female (beta 3).
    assert table.loc[["phi_2", "phi_3", "rho_23", "rho_12"], "parameter"].tolist() == [
        "sd_class__black",
        "sd_class__female",
        "cor_class__female__black",
        "cor_class__age__black",
    ]


def test_factor_predictors_and_a_varying_level2_variable() -> None:
    data = DATA.assign(
        cltype=np.where(DATA["size"] < 17, "small", "regular"),
        sex=np.where(DATA["female"] == 1, "F", "M"),
    )
    eq = equations("score ~ sex + cltype + (1 + size | class)", data, labels={"cltype": "Type"})
    assert eq.level2 == (
        Level2Equation(
            0,
            "Intercept",
            (
                Gamma(0, None, "b_Intercept"),
                Gamma(1, "cltypesmall", "b_cltypesmall"),
            ),
            True,
        ),
        Level2Equation(1, "sexM", (Gamma(0, None, "b_sexM"),), False),
        Level2Equation(2, "size", (), True),
    )
    assert eq.latex().split("\n")[1:5] == [
        r"\mu_{ik} = \beta_{0k} + \beta_1 \text{sex[M]}_i + \beta_{2k} \text{size}_k",
        r"\beta_{0k} = \gamma_{00} + \gamma_{01} \text{Type[small]}_k + \eta_{0k}",
        r"\beta_1 = \gamma_{10}",
        r"\beta_{2k} = \eta_{2k}",
    ]
