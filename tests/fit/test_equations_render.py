"""Level notation rendered: pinned text, family lines, LaTeX through mathtext, input errors."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.mathtext import math_to_image

from brmsjax.datasets import load, sleepstudy
from brmsjax.formula.errors import FormulaTermError, ModelError
from brmsjax.lecture.equations import equations
from tests.fit.test_equations import DATA, SEED, SEED_LABELS

SLEEP_TEXT = """\
Reactionᵢₖ ~ Norm(μᵢₖ, σ)
μᵢₖ = β₀ₖ + β₁ₖ Daysᵢ

β₀ₖ = γ₀₀ + η₀ₖ
β₁ₖ = γ₁₀ + η₁ₖ
(η₀ₖ, η₁ₖ)ᵀ ~ MVNorm(0, Φ P Φ)
Φ = ⎡ϕ₀  0 ⎤
    ⎣0   ϕ₁⎦
P = ⎡1    ρ₀₁⎤
    ⎣ρ₀₁  1  ⎦

i indexes observations; k indexes Subject (18 levels)."""

SLEEP_UNCORR_TEXT = """\
Reactionᵢₖ ~ Norm(μᵢₖ, σ)
μᵢₖ = β₀ₖ + β₁ₖ Daysᵢ

β₀ₖ = γ₀₀ + η₀ₖ
β₁ₖ = γ₁₀ + η₁ₖ
η₀ₖ ~ Norm(0, ϕ₀)
η₁ₖ ~ Norm(0, ϕ₁)

i indexes observations; k indexes Subject (18 levels)."""

# Classes nested in schools: exp belongs to class, urban to school.
NESTED_TEXT = """\
scoreᵢₖₗ ~ Norm(μᵢₖₗ, σ)
μᵢₖₗ = β₀ₖ + β₀ₗ + β₁ₖ ageᵢ

β₀ₖ = γ₀₀ + γ₀₁ expₖ + η₀ₖ
β₁ₖ = γ₁₀ + η₁ₖ
(η₀ₖ, η₁ₖ)ᵀ ~ MVNorm(0, Φ⁽ᵏ⁾ P⁽ᵏ⁾ Φ⁽ᵏ⁾)
Φ⁽ᵏ⁾ = ⎡ϕ₀⁽ᵏ⁾  0    ⎤
       ⎣0      ϕ₁⁽ᵏ⁾⎦
P⁽ᵏ⁾ = ⎡1       ρ₀₁⁽ᵏ⁾⎤
       ⎣ρ₀₁⁽ᵏ⁾  1     ⎦

β₀ₗ = γ₀₂ urbanₗ + η₀ₗ
η₀ₗ ~ Norm(0, ϕ₀⁽ˡ⁾)

i indexes observations; k indexes class (60 levels); l indexes school (20 levels)."""

# A fixed-only slope (beta_1, no eta), a cross-level interaction with school, a slope that
# varies only by school.
MIXED_TEXT = """\
scoreᵢₖₗ ~ Norm(μᵢₖₗ, σ)
μᵢₖₗ = β₀ₖ + β₀ₗ + β₁ ageᵢ + (β₂ₖ + β₂ₗ) femaleᵢ

β₀ₖ = γ₀₀ + η₀ₖ
β₁ = γ₁₀
β₂ₖ = γ₂₀ + η₂ₖ
η₀ₖ ~ Norm(0, ϕ₀⁽ᵏ⁾)
η₂ₖ ~ Norm(0, ϕ₂⁽ᵏ⁾)

β₀ₗ = γ₀₁ urbanₗ + η₀ₗ
β₂ₗ = γ₂₁ urbanₗ
η₀ₗ ~ Norm(0, ϕ₀⁽ˡ⁾)

i indexes observations; k indexes class (60 levels); l indexes school (20 levels)."""


@pytest.mark.parametrize(
    ("formula", "data", "expected"),
    [
        ("Reaction ~ Days + (Days | Subject)", sleepstudy(), SLEEP_TEXT),
        ("Reaction ~ Days + (Days || Subject)", sleepstudy(), SLEEP_UNCORR_TEXT),
        ("score ~ age + exp + urban + (age | class) + (1 | school)", DATA, NESTED_TEXT),
        (
            "score ~ age + female*urban + (1 | class) + (0 + female | class) + (1 | school)",
            DATA,
            MIXED_TEXT,
        ),
    ],
)
def test_text_is_pinned(formula: str, data: pd.DataFrame, expected: str) -> None:
    eq = equations(formula, data)
    assert eq.text() == expected
    assert str(eq) == expected


@pytest.mark.parametrize(
    ("formula", "family", "first_lines"),
    [
        (
            "Reaction ~ Days + (1 | Subject)",
            "gaussian",
            [
                r"\text{Reaction}_{ik} \sim \text{Norm}(\mu_{ik}, \sigma)",
                r"\mu_{ik} = \beta_{0k} + \beta_1 \text{Days}_i",
            ],
        ),
        (
            "Reaction ~ Days + (1 | Subject)",
            "student",
            [
                r"\text{Reaction}_{ik} \sim \text{StudentT}(\nu, \mu_{ik}, \sigma)",
                r"\mu_{ik} = \beta_{0k} + \beta_1 \text{Days}_i",
            ],
        ),
        (
            "y ~ trt + V4 + offset(lage) + (1 | subject)",
            "poisson",
            [
                r"y_{ik} \sim \text{Poisson}(\lambda_{ik})",
                r"\log(\lambda_{ik}) = \beta_{0k} + \beta_1 \text{V4}_i + \text{lage}_i",
            ],
        ),
        (
            "bf(Reaction ~ Days + (1 | Subject), nu = 4)",
            "student",
            [
                r"\text{Reaction}_{ik} \sim \text{StudentT}(4, \mu_{ik}, \sigma)",
                r"\mu_{ik} = \beta_{0k} + \beta_1 \text{Days}_i",
            ],
        ),
        (
            "incidence | trials(size) ~ period + (1 | herd)",
            "binomial",
            [
                r"\text{incidence}_{ik} \sim \text{Binomial}(\text{size}_i, p_{ik})",
                r"\operatorname{logit}(p_{ik}) = \beta_{0k} + \beta_1 \text{period[p2]}_i +"
                r" \beta_2 "
                r"\text{period[p3]}_i + \beta_3 \text{period[p4]}_i",
            ],
        ),
    ],
)
def test_family_lines(formula: str, family: str, first_lines: list[str]) -> None:
    data = {"poisson": "epil", "binomial": "cbpp"}.get(family, "sleepstudy")
    eq = equations(formula, load(data), family=family)
    assert eq.latex().split("\n")[:2] == first_lines
    aux = {"gaussian": ["sigma"], "student": ["sigma", "nu"]}.get(family, [])
    kinds = eq.table()["kind"].tolist()
    assert [k for k in kinds if k not in {"gamma", "phi", "rho"}] == [
        a for a in aux if a not in eq.levels.fixed
    ]


RENDER_CASES = [
    (SEED, DATA, SEED_LABELS),
    ("score ~ age + exp + urban + (age | class) + (1 | school)", DATA, {}),
    (
        "score ~ I(age^2) + log(exp + 1) + (1 | class) + (0 + age | class)",
        DATA,
        {"score": "test_score", "log(exp + 1)": "log #exp & {x} 100%"},
    ),
    ("Reaction ~ Days + (Days || Subject)", sleepstudy(), {}),
]


@pytest.mark.parametrize(("formula", "data", "labels"), RENDER_CASES)
def test_every_latex_line_renders_with_mathtext(
    formula: str, data: pd.DataFrame, labels: dict[str, str], tmp_path: Path
) -> None:
    lines = equations(formula, data, labels=labels).latex().split("\n")
    for k, line in enumerate(lines):
        path = tmp_path / f"line{k}.png"
        math_to_image(f"${line}$", path, format="png")
        assert path.stat().st_size > 100


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"family": "weibull"},
            ModelError,
            "equations() has no likelihood line for the family 'weibull'; it writes: bernoulli, "
            "binomial, gaussian, poisson, student.",
        ),
        (
            {"family": 3},
            ModelError,
            "family must be a family name such as 'gaussian' or a family "
            "object with name and link, not 3.",
        ),
        (
            {"labels": {"teacher": "Teacher"}},
            ModelError,
            "labels names 'teacher', which is neither a variable of the model nor a data"
            " column; the "
            "model's variables are: age, black, exp, female, propblack, size, tblack, tfemale.",
        ),
        (
            {"labels": {"age": ""}},
            ModelError,
            "The label of 'age' must be a non-empty string, not ''.",
        ),
        (
            {"formula": "score ~ age + (1 | class) + (age | class)"},
            FormulaTermError,
            "Duplicated group-level effects are not allowed.\nOccured for effect 'Intercept' of "
            "group 'class'.",
        ),
        (
            {"formula": "bf(score ~ age + (1 | class), sigma ~ female)"},
            ModelError,
            "equations() writes models in which only mu has predictors; 'sigma' has its own"
            " formula "
            "here.",
        ),
    ],
)
def test_bad_input_errors(kwargs: dict[str, object], error: type[Exception], message: str) -> None:
    args: dict[str, object] = {"formula": SEED, "data": DATA, **kwargs}
    with pytest.raises(error, match=re.escape(message)):
        equations(**args)  # type: ignore[arg-type]


def test_relabel_merges_labels() -> None:
    eq = equations("Reaction ~ Days + (Days | Subject)", sleepstudy()).relabel({"Days": "D"})
    assert eq.latex().split("\n")[1] == r"\mu_{ik} = \beta_{0k} + \beta_{1k} D_i"
    assert eq.relabel({"Reaction": "RT"}).labels == {"Days": "D", "Reaction": "RT"}
