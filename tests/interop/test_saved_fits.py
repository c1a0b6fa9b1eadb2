"""Fits saved by an earlier brmsjax load after modules move (pickles name classes by module)."""

import json
from pathlib import Path

import numpy as np
import pytest

import brmsjax as bj

FITS = Path(__file__).parents[1] / "fixtures" / "fits"


@pytest.mark.parametrize("name", ["sleepstudy_before_move"])
def test_fit_saved_before_the_move_loads_with_the_same_numbers(name: str) -> None:
    expected = json.loads((FITS / f"{name}.json").read_text())
    fit = bj.load(FITS / f"{name}.pkl")
    assert isinstance(fit, bj.BrmsFit)
    fixef = fit.fixef().to_dict(orient="index")
    for coef, row in expected["fixef"].items():
        np.testing.assert_allclose(list(fixef[coef].values()), list(row.values()), rtol=1e-9)
    sd = fit.VarCorr()["Subject"]["sd"].to_dict(orient="index")
    for coef, row in expected["VarCorr_sd"].items():
        np.testing.assert_allclose(list(sd[coef].values()), list(row.values()), rtol=1e-9)
    np.testing.assert_allclose(
        fit.ranef()["Subject"].values.ravel()[:8], expected["ranef_first"], rtol=1e-9
    )
    # The design travelled too: fitted() rebuilds the linear predictor from it.
    fitted = fit.fitted().iloc[:3].to_dict(orient="list")
    for column, values in expected["fitted_first"].items():
        np.testing.assert_allclose(fitted[column], values, rtol=1e-9)
