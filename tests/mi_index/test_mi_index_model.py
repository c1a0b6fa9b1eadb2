"""The model of mi(x, idx) with subset() and index(): its log likelihood equals brms's Stan
program (tests/fixtures/mi_index/mi_index.stan) computed with scipy, and the fit's
predictions read the matched latent values (brms's ``Yl_chl[idxl_bmi_chl_1[n]]``)."""

from __future__ import annotations

import warnings

import jax
import numpy as np
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.model.lower import lower
from brmsjax.backend.model.terms.latent import mv_missing as mv_mi
from brmsjax.mv_api import mv_design_for, mv_priors
from tests.mi_mv.standata_table import formula

from .test_mi_index_standata import CASES, nhanes

SE = CASES["mi_index"]["formula"].replace("age * mi(chl, idx)", "age + mi(chl, idx)")
NOSE = CASES["mi_index_nose"]["formula"]


def _stan_log_lik(P: dict[str, np.ndarray], latent: bool) -> tuple[float, float]:
    """brms's model block: bmi on all rows with mu reading Yl_chl[idxl], chl on its subset
    rows (X centred by the subset's means), and mi(se)'s noise term."""
    d = nhanes()
    sub = np.flatnonzero(d["sub"])
    age = d["age"].to_numpy(dtype=float)
    bmi = d["bmi"].to_numpy(dtype=float).copy()
    bmi[np.isnan(bmi)] = P["Ymi_bmi"]
    chl = d["chl"].to_numpy(dtype=float)[sub]
    if latent:
        ylc = P["Yl_chl"]
    else:
        ylc = chl.copy()
        ylc[np.isnan(ylc)] = P["Ymi_chl"]
    idxl = np.array([list(d["id"].iloc[sub]).index(i) for i in d["idx"]])
    mu_b = P["Intercept_bmi"] + (age - age.mean()) * P["b_bmi"][0] + P["bsp_bmi"][0] * ylc[idxl]
    mu_c = P["Intercept_chl"] + (age[sub] - age[sub].mean()) * P["b_chl"][0]
    ll = stats.norm.logpdf(bmi, mu_b, P["sigma_bmi"]).sum()
    ll += stats.norm.logpdf(ylc, mu_c, P["sigma_chl"]).sum()
    ok = ~np.isnan(chl)
    se = d["se"].to_numpy()[sub]
    noise = stats.norm.logpdf(chl[ok], ylc[ok], se[ok]).sum() if latent else 0.0
    return float(ll), float(noise)


@pytest.mark.parametrize(("code", "latent"), [(SE, True), (NOSE, False)], ids=["mi(se)", "mi()"])
def test_log_lik_equals_the_stan_program(code: str, latent: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        design, fam = mv_design_for(formula(code), nhanes(), get_family("gaussian"))
        lowered = lower(design, fam, mv_priors(design, fam, None))
    prog = lowered.program
    data, prior_args = lowered.model_args
    for seed in (1, 2):
        u = np.random.default_rng(seed).uniform(-1.0, 1.0, prog.dim)
        with jax.enable_x64(True):
            params = prog.assemble(prog.constrain(u), prior_args, data)
            plans = prog.structure.mv_missing
            latent_y = {**data, "y": mv_mi.latent_mv_response(plans, params, data)}
            got = float(prog.log_lik(params, latent_y))
            noise = float(mv_mi.mv_noise_log_lik(plans, params, data))
        want = _stan_log_lik({k: np.asarray(v) for k, v in params.items()}, latent)
        np.testing.assert_allclose((got, noise), want, rtol=1e-9)


@pytest.mark.slow
def test_predictions_read_the_matched_latent_values() -> None:
    """bmi's epred uses chl's Ymi draws at the rows matched by idx; chl's draws have its 23
    subset rows (brms's N_chl); newdata with mi(x, idx) is refused."""
    d = nhanes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm(formula(NOSE), d, chains=1, iter=200, seed=1, progress=False)
        epred = fit.posterior_epred(resp="bmi")
        epred_chl = fit.posterior_epred(resp="chl")
        predict_chl = fit.posterior_predict(resp="chl")
    dr = fit.draws()
    sub = np.flatnonzero(d["sub"])
    chl = np.broadcast_to(d["chl"].to_numpy(dtype=float)[sub], (len(dr), len(sub))).copy()
    jmi = CASES["mi_index_nose"]["standata"]["Jmi_chl"]
    chl[:, np.asarray(jmi) - 1] = dr[[f"Ymi_chl[{j}]" for j in jmi]].to_numpy()
    idxl = np.asarray(CASES["mi_index_nose"]["standata"]["idxl_bmi_chl_1"]) - 1
    b0, b_age, b_chl = (
        dr[c].to_numpy()[:, None] for c in ("b_bmi_Intercept", "b_bmi_age", "bsp_bmi_michlidx")
    )
    want = b0 + b_age * d["age"].to_numpy()[None] + b_chl * chl[:, idxl]
    np.testing.assert_allclose(epred, want, rtol=1e-6)
    c0, c_age = (dr[c].to_numpy()[:, None] for c in ("b_chl_Intercept", "b_chl_age"))
    np.testing.assert_allclose(epred_chl, c0 + c_age * d["age"].to_numpy()[sub][None], rtol=1e-6)
    assert predict_chl.shape == (len(dr), len(sub))
    assert fit.summary().fixed.shape[0] == 5
    with pytest.raises(bj.ModelError, match="newdata of mi\\(x, idx\\) terms"):
        fit.posterior_epred(newdata=d.dropna().head(3), resp="bmi")
