"""The thin plate basis of ``s(x)`` against brms 2.18's standata (fixtures/smooths/tp.json).

``Xs``, ``Zs`` and their new-data versions must equal R's to 1e-8, column signs included (they
follow rounding-level quantities in LAPACK's ``dsyevr``, which brmsjax reproduces with mgcv's
and reference LAPACK's rounding, see :mod:`brmsjax.formula.smooths.rlapack`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from brmsjax.formula.smooths import tp_smooth, tprs_predict
from brmsjax.formula.smooths.tprs import eta_const, null_space_dimension, poly_powers

FIXTURE = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "smooths" / "tp.json").read_text()
)

CASES = [
    # (case, variable, k, knots, null columns)
    ("tp_default", "x", -1, 8, 1),
    ("tp_k5", "x", 5, 3, 1),
    ("boston_s", "lstat", -1, 8, 1),
]


def _matrix(values: list, n: int) -> np.ndarray:
    return np.asarray(values, dtype=float).reshape(n, -1)


@pytest.mark.parametrize(("case", "var", "k", "knots", "null"), CASES)
def test_tp_standata_matches_brms(case: str, var: str, k: int, knots: int, null: int) -> None:
    ref = FIXTURE[case]
    x = np.asarray(ref["data"][var], dtype=float)
    basis, fit = tp_smooth(x, k)
    sd = ref["standata"]
    n = x.shape[0]
    assert sd["knots_1"] == [knots] and sd["nb_1"] == 1 and sd["Ks"] == null
    np.testing.assert_allclose(fit.Xf, _matrix(sd["Xs"], n), rtol=0, atol=1e-8)
    Zs = _matrix(sd["Zs_1_1"], n)
    assert fit.Zs.shape == Zs.shape == (n, knots)
    np.testing.assert_allclose(fit.Zs, Zs, rtol=0, atol=1e-8)
    # new data: mgcv's PredictMat path, then the same constraint and reparameterization
    xn = np.asarray(ref["newdata"][var], dtype=float)[:, None]
    Xf, Zn = fit.transform(tprs_predict(basis, xn))
    new = ref["new"]
    np.testing.assert_allclose(Xf, _matrix(new["Xs"], len(xn)), rtol=0, atol=1e-8)
    np.testing.assert_allclose(Zn, _matrix(new["Zs_1_1"], len(xn)), rtol=0, atol=1e-8)


def test_tp_at_the_data_reproduces_the_fit() -> None:
    """Evaluating the basis at the fitting data (the prediction path) gives the fit's columns."""
    x = np.asarray(FIXTURE["tp_default"]["data"]["x"], dtype=float)
    basis, fit = tp_smooth(x)
    Xf, Zs = fit.transform(tprs_predict(basis, x[:, None]))
    np.testing.assert_allclose(Xf, fit.Xf, atol=1e-8)
    np.testing.assert_allclose(Zs, fit.Zs, atol=1e-8)


@pytest.mark.parametrize(
    ("m", "d", "value"),
    [
        (2, 1, 1 / 12),  # |r|^3 / 12: the cubic spline's radial function
        (2, 2, 1 / (8 * np.pi)),  # r^2 log(r) / (8 pi)
        (3, 1, -1 / 240),
    ],
)
def test_eta_const(m: int, d: int, value: float) -> None:
    assert eta_const(m, d) == pytest.approx(value, rel=1e-14)


@pytest.mark.parametrize(
    ("d", "m", "M", "powers"),
    [
        (1, 2, 2, [[0], [1]]),
        (2, 2, 3, [[0, 0], [1, 0], [0, 1]]),
        (1, 0, 2, [[0], [1]]),
    ],
)
def test_null_space(d: int, m: int, M: int, powers: list[list[int]]) -> None:
    assert null_space_dimension(d, m) == M
    order = m if 2 * m > d else 2
    np.testing.assert_array_equal(poly_powers(M, order, d), powers)


def test_too_few_unique_values() -> None:
    with pytest.raises(ValueError, match="fewer unique covariate combinations"):
        tp_smooth(np.repeat([1.0, 2.0, 3.0], 5))
