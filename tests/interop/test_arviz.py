"""fit.to_arviz(): the InferenceData groups, checked by ArviZ's own loo, compare, plots and
netCDF files on two short sleepstudy fits."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import arviz as az
import matplotlib
import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.methods.arviz_data import ArvizConversionError

matplotlib.use("Agg")

SLEEP = pd.read_csv("brmsjax/data/sleepstudy.csv")


@pytest.fixture(scope="module")
def fits() -> tuple[Any, Any]:
    # Short fits: ArviZ reads their numbers; convergence is not under test here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        full = bj.brm(
            "Reaction ~ Days + (Days | Subject)", SLEEP, chains=2, iter=200, seed=5, progress=False
        )
        plain = bj.brm("Reaction ~ Days", SLEEP, chains=2, iter=200, seed=5, progress=False)
    return full, plain


@pytest.fixture(scope="module")
def idata(fits: tuple[Any, Any]) -> Any:
    return fits[0].to_arviz(seed=3)


def test_groups_and_names(fits: tuple[Any, Any], idata: Any) -> None:
    fit = fits[0]
    assert set(idata.groups()) == {
        "posterior",
        "sample_stats",
        "log_likelihood",
        "posterior_predictive",
        "observed_data",
        "constant_data",
    }
    names = list(idata.posterior.data_vars)
    assert names[:2] == ["b_Intercept", "b_Days"]
    assert {"sd_Subject__Intercept", "cor_Subject__Intercept__Days", "sigma", "r_Subject"} <= set(
        names
    )
    assert not any("[" in n for n in names)
    assert "lp__" not in names
    r = idata.posterior["r_Subject"]
    assert r.dims == ("chain", "draw", "Subject", "Subject_coef")
    assert r.shape == (2, 100, 18, 2)
    assert list(r["Subject_coef"].values) == ["Intercept", "Days"]
    for var in ("log_likelihood", "posterior_predictive", "observed_data"):
        assert list(idata[var].data_vars) == ["Reaction"]
    assert idata.posterior_predictive["Reaction"].shape == (2, 100, 180)
    np.testing.assert_array_equal(idata.observed_data["Reaction"], SLEEP["Reaction"])
    np.testing.assert_array_equal(idata.constant_data["Days"], SLEEP["Days"])
    assert idata.constant_data["Subject"].values[0] == str(SLEEP["Subject"].iloc[0])
    np.testing.assert_array_equal(
        idata.sample_stats["lp"].values.ravel(), fit.draws()["lp__"].to_numpy()
    )


def test_group_effects_equal_brms_named_draws(fits: tuple[Any, Any], idata: Any) -> None:
    draws = fits[0].draws()
    r = idata.posterior["r_Subject"]
    for level in ("s308", "s309", "s372"):
        for coef in ("Intercept", "Days"):
            got = r.sel(Subject=level, Subject_coef=coef).values.ravel()
            np.testing.assert_array_equal(got, draws[f"r_Subject[{level},{coef}]"].to_numpy())
    np.testing.assert_array_equal(
        idata.posterior["b_Days"].values.ravel(), draws["b_Days"].to_numpy()
    )


def test_log_likelihood_and_predictions_are_the_fit_methods(
    fits: tuple[Any, Any], idata: Any
) -> None:
    fit = fits[0]
    np.testing.assert_array_equal(
        idata.log_likelihood["Reaction"].values.reshape(200, 180), fit.log_lik()
    )
    np.testing.assert_array_equal(
        idata.posterior_predictive["Reaction"].values.reshape(200, 180),
        fit.posterior_predict(seed=3),
    )


def test_az_loo_equals_fit_loo(fits: tuple[Any, Any], idata: Any) -> None:
    fit = fits[0]
    with warnings.catch_warnings():  # ArviZ warns about high Pareto k
        warnings.simplefilter("ignore", UserWarning)
        assert az.loo(idata, reff=1.0).elpd_loo == pytest.approx(
            fit.loo(r_eff=1.0).elpd, rel=0, abs=1e-8
        )
        # ArviZ's default r_eff: the posterior's mean ESS over the number of draws
        ess = az.ess(idata.posterior, method="mean")
        reff = np.hstack([ess[v].values.ravel() for v in ess.data_vars]).mean() / 200
        assert az.loo(idata).elpd_loo == pytest.approx(fit.loo(r_eff=reff).elpd, rel=0, abs=1e-8)


def test_az_compare_runs(fits: tuple[Any, Any], idata: Any) -> None:
    with warnings.catch_warnings():  # high Pareto k; ArviZ 0.23's own pandas deprecation
        warnings.simplefilter("ignore", UserWarning)
        # pandas 3's Pandas4Warning (pandas 2.2, the lowest allowed, has none)
        warnings.simplefilter("ignore", getattr(pd.errors, "Pandas4Warning", FutureWarning))
        table = az.compare({"full": idata, "plain": fits[1].to_arviz(posterior_predictive=False)})
    assert list(table.index) == ["full", "plain"]


# ArviZ 0.23's own plot code calls a matplotlib 3.11 API that warns of its deprecation.
@pytest.mark.filterwarnings("ignore::matplotlib.MatplotlibDeprecationWarning")
def test_az_plots_run(idata: Any) -> None:
    import matplotlib.pyplot as plt

    assert az.plot_ppc(idata, num_pp_samples=20) is not None
    assert az.plot_forest(idata, var_names=["b_Days", "r_Subject"]) is not None
    plt.close("all")


def test_netcdf_round_trip(idata: Any, tmp_path: Path) -> None:
    path = tmp_path / "idata.nc"
    idata.to_netcdf(str(path))
    back = az.from_netcdf(str(path))
    assert set(back.groups()) == set(idata.groups())
    for group in idata.groups():
        for name, var in idata[group].data_vars.items():
            np.testing.assert_array_equal(back[group][name].values, var.values)
    assert list(back.posterior["r_Subject"]["Subject"].values) == list(
        idata.posterior["r_Subject"]["Subject"].values
    )


def test_cheap_conversion_and_missing_design(fits: tuple[Any, Any]) -> None:
    idata = fits[1].to_arviz(log_likelihood=False, posterior_predictive=False)
    assert "log_likelihood" not in idata.groups()
    assert "posterior_predictive" not in idata.groups()
    assert "observed_data" in idata.groups()
    bare = bj.BrmsFit(fits[1].draws(), fits[1].info, fits[1].sampler_stats)
    assert set(bare.to_arviz().groups()) == {"posterior", "sample_stats"}
    with pytest.raises(ArvizConversionError, match="design and data"):
        bare.to_arviz(log_likelihood=True)


def test_prior_only_fit_fills_the_prior_groups() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        fit = bj.brm(
            "Reaction ~ Days",
            SLEEP,
            prior=bj.prior("normal(0, 10)", class_="b"),
            sample_prior="only",
            chains=2,
            iter=200,
            seed=1,
            progress=False,
        )
    idata = fit.to_arviz(seed=1)
    assert set(idata.groups()) == {
        "prior",
        "sample_stats_prior",
        "prior_predictive",
        "observed_data",
        "constant_data",
    }
    np.testing.assert_array_equal(
        idata.prior["b_Days"].values.ravel(), fit.draws()["b_Days"].to_numpy()
    )
