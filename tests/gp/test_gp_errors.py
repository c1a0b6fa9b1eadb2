"""gp() arguments brms refuses, with brms's messages where it has them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from brmsjax.formula import DesignError, FormulaTermError, build_design
from brmsjax.formula.design.gp import EXACT_GP_WARN
from tests.gp.gp_fixtures import gp_data


@pytest.mark.parametrize(
    ("formula", "error", "message"),
    [
        ("y ~ gp(x1, k = 0, c = 1)", FormulaTermError, "'k' must be positive."),
        (
            "y ~ gp(x1, k = 10)",
            FormulaTermError,
            "'c' must be specified for approximate GPs. A good default could be c = 5/4",
        ),
        (
            "y ~ gp(x1, x2, k = 5, c = c(1, 2, 3))",
            FormulaTermError,
            "'c' must be of the same length as the number of covariates.",
        ),
        ("y ~ gp(x1, k = 5, c = -1)", FormulaTermError, "'c' must be positive."),
        ('y ~ gp(x1, cov = "matern32")', FormulaTermError, 'cov = "exp_quad"'),
        ("y ~ gp(x1, lengthscale = 2)", FormulaTermError, "gp() has no argument 'lengthscale'"),
        ("y ~ gp(x1, iso = 2)", FormulaTermError, "gp(iso = ) must be TRUE or FALSE."),
        ("y ~ gp()", FormulaTermError, "gp() needs at least one covariate"),
        ("y ~ gp(f)", DesignError, "Predictors of Gaussian processes should be numeric vectors"),
        (
            "y ~ gp(one)",
            DesignError,
            "Could not scale GP covariates. Please set 'scale' to FALSE in 'gp'.",
        ),
    ],
)
def test_gp_errors(formula: str, error: type, message: str) -> None:
    data = gp_data().assign(one=1.0)
    with pytest.raises(error) as info:
        build_design(formula, data)
    assert message in str(info.value)


def test_a_large_exact_gp_recommends_the_approximation() -> None:
    data = pd.DataFrame({"x": np.arange(EXACT_GP_WARN + 1.0), "y": 0.0})
    with pytest.warns(UserWarning, match=r"has 501 latent points; .* gp\(\.\.\., k = 20"):
        build_design("y ~ gp(x)", data)
