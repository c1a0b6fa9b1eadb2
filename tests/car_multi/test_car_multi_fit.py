"""Fits of ``car()`` per response and per mixture component: brms's draws names
(``sdcar_y``, ``rcar_y[1]``, ``car_mu1``, ...), the CAR effects following the simulated
spatial field of their own response, and predictions adding ``rcar_<s>[Jloc]`` to the right
predictor (fitted rows, new data by location, ``incl_autocor = False``)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.errors import BrmsjaxError

LOCS = [f"L{i:02d}" for i in range(1, 17)]


def _lattice() -> pd.DataFrame:
    """The binary rook adjacency of a 4 x 4 grid, rows named by location."""
    W = np.zeros((16, 16))
    for i in range(16):
        r, c = divmod(i, 4)
        for j in (i + 1, i + 4):
            if j < 16 and (j == i + 4 or j // 4 == r) and (j != i + 1 or c < 3):
                W[i, j] = W[j, i] = 1.0
    return pd.DataFrame(W, index=LOCS, columns=LOCS)


def _data(rows_per_loc: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Two responses with opposite spatial gradients ``phi`` and ``-phi`` (per location)."""
    rng = np.random.default_rng(seed)
    phi = np.linspace(-1, 1, 16)
    g = np.repeat(np.arange(16), rows_per_loc)
    x = rng.normal(size=g.size)
    y = 1.0 + 0.5 * x + phi[g] + rng.normal(0, 0.3, g.size)
    y2 = -1.0 + 0.2 * x - phi[g] + rng.normal(0, 0.3, g.size)
    frame = pd.DataFrame({"y": y, "y2": y2, "x": x, "g": np.asarray(LOCS)[g]})
    return frame, phi, g


def _fit(formula: object, data: pd.DataFrame, family: object, iter: int) -> bj.BrmsFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few draws: R-hat and ESS warnings
        return bj.brm(
            formula,
            data,
            family,
            data2={"W": _lattice()},
            chains=1,
            iter=iter,
            seed=7,
            progress=False,
        )


@pytest.mark.slow
def test_multivariate_car_recovers_each_response_field_and_predicts() -> None:
    data, phi, g = _data(3, 1)
    formula = bj.bf("mvbind(y, y2) ~ x + car(W, gr = g)") + bj.set_rescor(False)
    fit = _fit(formula, data, "gaussian", 600)
    names = fit.variables()
    assert [v for v in names if "car_" in v and "[" not in v] == [
        "car_y",
        "sdcar_y",
        "car_y2",
        "sdcar_y2",
    ]
    cor = fit.summary().cor_pars  # brms's "Correlation Structures"
    assert list(cor.index) == ["car_y", "sdcar_y", "car_y2", "sdcar_y2"]
    for resp, field in (("y", phi), ("y2", -phi)):
        rcar = [f"rcar_{resp}[{i}]" for i in range(1, 17)]
        assert [v for v in names if v.startswith(f"rcar_{resp}[")] == rcar
        r = fit.draws()[rcar].to_numpy()
        assert np.corrcoef(r.mean(axis=0), field)[0, 1] > 0.8  # its own response's field
    draws = fit.draws()
    epred = fit.posterior_epred()
    assert epred.shape == (300, len(data), 2)
    for k, resp in enumerate(("y", "y2")):
        b = draws[[f"b_{resp}_Intercept", f"b_{resp}_x"]].to_numpy()
        r = draws[[f"rcar_{resp}[{i}]" for i in range(1, 17)]].to_numpy()
        want = b[:, :1] + b[:, 1:] * data["x"].to_numpy()[None, :] + r[:, g]
        np.testing.assert_allclose(epred[:, :, k], want, rtol=1e-6, atol=1e-8)
        plain = fit.posterior_epred(incl_autocor=False)[:, :, k]
        np.testing.assert_allclose(plain, want - r[:, g], rtol=1e-6, atol=1e-8)
    new = pd.DataFrame({"x": [0.0, 0.0], "g": ["L01", "L16"]})
    ep_new = fit.posterior_epred(newdata=new)
    assert ep_new[:, 0, 0].mean() < ep_new[:, 1, 0].mean()  # y rises from L01 to L16
    assert ep_new[:, 0, 1].mean() > ep_new[:, 1, 1].mean()  # y2 falls
    assert np.isfinite(fit.log_lik()).all()
    with pytest.raises(BrmsjaxError, match=re.escape("Cannot handle new locations in CAR")):
        fit.posterior_epred(newdata=pd.DataFrame({"x": [0.0], "g": ["L99"]}))


@pytest.mark.slow
def test_mixture_car_draws_names_and_predictions() -> None:
    data, _, g = _data(2, 2)
    fit = _fit("y ~ x + car(W, gr = g)", data, bj.mixture("gaussian", "gaussian"), 60)
    names = fit.variables()
    scalars = [v for v in names if "car_" in v and "[" not in v]
    assert scalars == ["car_mu1", "sdcar_mu1", "car_mu2", "sdcar_mu2"]
    for s in ("mu1", "mu2"):
        assert [v for v in names if v.startswith(f"rcar_{s}[")] == [
            f"rcar_{s}[{i}]" for i in range(1, 17)
        ]
    draws = fit.draws()
    x = data["x"].to_numpy()[None, :]
    mus = []
    for s in ("mu1", "mu2"):
        b = draws[[f"b_{s}_Intercept", f"b_{s}_x"]].to_numpy()
        r = draws[[f"rcar_{s}[{i}]" for i in range(1, 17)]].to_numpy()
        mus.append(b[:, :1] + b[:, 1:] * x + r[:, g])
    theta = draws[["theta1", "theta2"]].to_numpy()
    want = theta[:, :1] * mus[0] + theta[:, 1:] * mus[1]
    np.testing.assert_allclose(fit.posterior_epred(), want, rtol=1e-6, atol=1e-8)
    mu1 = fit.posterior_epred(dpar="mu1")
    np.testing.assert_allclose(mu1, mus[0], rtol=1e-6, atol=1e-8)
    assert np.isfinite(fit.log_lik()).all()
