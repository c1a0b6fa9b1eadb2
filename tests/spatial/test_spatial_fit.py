"""sar() and car() end to end: fits recover a simulated spatial parameter on a small lattice;
draws, summary, posterior_epred/predict, log_lik and loo; brms's messages for new data."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.errors import BrmsjaxError


def lattice(side: int) -> np.ndarray:
    """The binary rook adjacency of a ``side x side`` lattice."""
    n = side * side
    W = np.zeros((n, n))
    for i in range(side):
        for j in range(side):
            k = i * side + j
            if i + 1 < side:
                W[k, k + side] = W[k + side, k] = 1.0
            if j + 1 < side:
                W[k, k + 1] = W[k + 1, k] = 1.0
    return W


def _sar_data(kind: str, rho: float, seed: int = 5) -> tuple[pd.DataFrame, np.ndarray]:
    W = lattice(7)
    Wr = W / W.sum(axis=1, keepdims=True)
    n = len(W)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    B = np.eye(n) - rho * Wr
    eps = 0.5 * rng.normal(size=n)
    mu = 1.0 + 0.5 * x
    y = np.linalg.solve(B, mu + eps) if kind == "lag" else mu + np.linalg.solve(B, eps)
    return pd.DataFrame({"y": y, "x": x}), Wr


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["lag", "error"])
def test_sar_fit_recovers_rho(kind: str) -> None:
    data, Wr = _sar_data(kind, 0.6)
    fit = bj.brm(
        f'y ~ x + sar(Wr, type = "{kind}")',
        data,
        data2={"Wr": Wr},
        chains=2,
        iter=600,
        seed=2,
        progress=False,
    )
    param = f"{kind}sar"
    assert list(fit.draws().columns[:4]) == ["b_Intercept", "b_x", param, "sigma"]
    cor = fit.summary().cor_pars
    assert list(cor.index) == [param]
    assert cor.loc[param, "l-95% CI"] < 0.6 < cor.loc[param, "u-95% CI"]
    assert abs(cor.loc[param, "Estimate"] - 0.6) < 0.25
    fixed = fit.summary().fixed
    assert fixed.loc["x", "l-95% CI"] < 0.5 < fixed.loc["x", "u-95% CI"]
    n = len(data)
    epred, pp, ll = fit.posterior_epred(), fit.posterior_predict(), fit.log_lik()
    assert epred.shape == pp.shape == ll.shape == (600, n)
    assert np.isfinite(ll).all()
    # lag: E y = (I - rho W)^-1 mu, above mu where rho > 0 and mu > 0
    mu = fit.posterior_linpred()
    if kind == "lag":
        assert (epred.mean(0) - mu.mean(0)).mean() > 0.5
    else:
        np.testing.assert_allclose(epred, mu)
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])
    with pytest.raises(BrmsjaxError, match=re.escape("sar()'s matrix M belongs to them")):
        fit.posterior_epred(newdata=data.iloc[:3])


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["escar", "esicar", "icar", "bym2"])
def test_car_fit_runs_and_predicts(kind: str) -> None:
    W = lattice(4)
    locs = [f"L{i:02d}" for i in range(1, 17)]
    rng = np.random.default_rng(1)
    g = np.repeat(locs, 2)
    phi = np.linspace(-1, 1, 16)  # a smooth spatial gradient
    x = rng.normal(size=32)
    y = rng.poisson(np.exp(1.0 + 0.3 * x + np.repeat(phi, 2)))
    data = pd.DataFrame({"y": y, "x": x, "g": g})
    data2 = {"W": pd.DataFrame(W, index=locs, columns=locs)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm(
            f'y ~ x + car(W, gr = g, type = "{kind}")',
            data,
            "poisson",
            data2=data2,
            chains=1,
            iter=500,
            seed=3,
            progress=False,
        )
    names = fit.variables()
    scalars = {"escar": ["car", "sdcar"], "bym2": ["rhocar", "sdcar"]}.get(kind, ["sdcar"])
    assert [v for v in names if v in ("car", "rhocar", "sdcar")] == scalars
    rcar = [f"rcar[{i}]" for i in range(1, 17)]
    assert [v for v in names if v.startswith("rcar")] == rcar
    r = fit.draws()[rcar].to_numpy().mean(axis=0)
    assert np.corrcoef(r, phi)[0, 1] > 0.6  # the CAR effects follow the gradient
    epred = fit.posterior_epred()
    assert epred.shape == (250, 32) and np.isfinite(fit.log_lik()).all()
    plain = fit.posterior_epred(incl_autocor=False)  # brms: without the CAR effects
    b = fit.draws()[["b_Intercept", "b_x"]].to_numpy()
    np.testing.assert_allclose(plain, np.exp(b[:, :1] + b[:, 1:] * x[None, :]), rtol=1e-6)
    new = pd.DataFrame({"x": [0.0, 0.0], "g": ["L01", "L16"]})
    ep_new = fit.posterior_epred(newdata=new)
    assert ep_new[:, 0].mean() < ep_new[:, 1].mean()  # phi rises from L01 to L16
    with pytest.raises(BrmsjaxError, match="Cannot handle new locations in CAR models."):
        fit.posterior_epred(newdata=pd.DataFrame({"x": [0.0], "g": ["L99"]}))
