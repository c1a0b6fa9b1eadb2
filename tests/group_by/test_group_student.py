"""Student-t group effects ``gr(g, dist = "student")``: make_standata and get_prior equal brms
2.18's, the log density equals brms's Stan program (scale mixture ``dfm_k = sqrt(df_k udf_k)``
with ``udf_k ~ inv_chi_square(df_k)``, written with scipy) at a fixed point, brms's ``df_g``
name and summary row, the porter, and (slow) recovery of simulated heavy-tailed effects.

References: ``tests/fixtures/group_student/make_fixtures.R`` (brms 2.18.0) on the epilepsy data
of ``tests/fixtures/group_by``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import jax
import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import brmsjax
from brmsjax.api import design_for, get_family, resolve_priors
from brmsjax.backend.model.lower import lower
from brmsjax.backend.priors.user import prior
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.port import from_r

FIXTURES = Path(__file__).parents[1] / "fixtures"
REFERENCE = json.loads((FIXTURES / "group_student" / "cases.json").read_text())


def epilepsy() -> pd.DataFrame:
    d = pd.read_csv(FIXTURES / "group_by" / "epilepsy.csv")
    d["Trt"] = d["Trt"].astype(str)
    return d


@pytest.mark.parametrize("case", ["cor", "two"])
def test_standata_and_get_prior_equal_brms(case: str) -> None:
    ref = REFERENCE[case]
    assert list(brmsjax.make_standata(ref["formula"], epilepsy())) == ref["standata_names"]
    table = brmsjax.get_prior(ref["formula"], epilepsy())
    cols = ["prior", "class", "coef", "group", "lb", "ub"]
    got = table[cols].astype(str).replace({"nan": "", "None": ""}).to_dict("records")
    assert got == pd.DataFrame(ref["prior"])[cols].astype(str).to_dict("records")


ERRORS = [
    ('count ~ (1 | gr(patient, dist = "cauchy"))', "should be one of 'gaussian', 'student'"),
    (
        'count ~ (1 | p | gr(patient, dist = "student")) + (0 + zBase | p | patient)',
        "must have the same distribution",
    ),
]


@pytest.mark.parametrize(("formula", "message"), ERRORS)
def test_errors(formula: str, message: str) -> None:
    with pytest.raises(BrmsjaxError) as err:
        brmsjax.make_standata(formula, epilepsy())
    assert message in str(err.value)


PRIORS = [
    prior("normal(4, 3)", "Intercept"),
    prior("normal(0, 2)", "b"),
    prior("student_t(3, 0, 2.5)", "sd"),
    prior("student_t(3, 0, 5)", "sigma"),
    prior("lkj(2)", "cor"),
]


def test_log_density_is_brms() -> None:
    """``cor.stan`` at a fixed point: r = dfm * (diag(sd) L z)', udf's inv_chi_square, df's
    gamma(2, 0.1) truncated at 1."""
    d, fam = epilepsy(), get_family("gaussian")
    formula = REFERENCE["cor"]["formula"]
    design = design_for(formula, d, fam)
    lowered = lower(design, fam, resolve_priors(design, fam, PRIORS))
    names = [s.name for s in lowered.sites]
    assert {"df_1", "udf_1", "sd_1", "z_1", "L_1"} <= set(names)
    assert [f"df_{g.group}" for g in lowered.names.groups] == [REFERENCE["df_names"]]
    rng = np.random.default_rng(7)
    L = np.array([[1.0, 0.0], [0.6, 0.8]])
    v = {
        "Intercept": 4.2,
        "b": np.array([-0.3]),
        "sigma": 5.1,
        "df_1": 4.5,
        "udf_1": rng.uniform(0.05, 0.8, 59),
        "sd_1": np.array([4.0, 6.5]),
        "z_1": rng.normal(size=(2, 59)),
        "L_1": L,
    }
    data, prior_args = lowered.model_args
    with jax.enable_x64(True):
        got = float(lowered.program.log_density(v, data, prior_args))
    sd = brmsjax.make_standata(formula, d, prior=PRIORS)
    X = np.asarray(sd["X"], float)[:, 1:]
    dfm = np.sqrt(v["df_1"] * v["udf_1"])
    r = dfm[:, None] * (np.diag(v["sd_1"]) @ L @ v["z_1"]).T
    J = np.asarray(sd["J_1"]) - 1
    mu = v["Intercept"] + (X - X.mean(axis=0)) @ v["b"]
    mu = mu + r[J, 0] * sd["Z_1_1"] + r[J, 1] * sd["Z_1_2"]
    lkj2 = -3 * np.log(2.0) - special.betaln(2, 2) + 2 * np.log(L[1, 1])
    target = (
        stats.norm.logpdf(sd["Y"], mu, v["sigma"]).sum()
        + stats.norm.logpdf(v["Intercept"], 4, 3)
        + stats.norm.logpdf(v["b"], 0, 2).sum()
        + stats.t.logpdf(v["sigma"], 3, 0, 5)
        - stats.t.logsf(0, 3, 0, 5)
        + stats.gamma.logpdf(v["df_1"], 2, scale=10)
        - stats.gamma.logsf(1, 2, scale=10)
        + stats.t.logpdf(v["sd_1"], 3, 0, 2.5).sum()
        - 2 * stats.t.logsf(0, 3, 0, 2.5)
        + lkj2
        + stats.invgamma.logpdf(v["udf_1"], v["df_1"] / 2, scale=0.5).sum()  # inv_chi_square
        + stats.norm.logpdf(v["z_1"]).sum()
    )
    assert got == pytest.approx(target, rel=1e-10)


def test_porter_translates_dist_student() -> None:
    call = from_r('brm(count ~ Trt + (1 | gr(patient, dist = "student")), data = epilepsy)')
    assert '"count ~ Trt + (1 | gr(patient, dist = \\"student\\"))"' in call.to_python()
    standata = brmsjax.make_standata(call.formula, epilepsy())
    assert standata["N_1"] == 59


def simulated(n_groups: int = 120, per: int = 6, seed: int = 3) -> pd.DataFrame:
    """y = 2 + r[g] + N(0, 0.5) with r = 1.0 * t_3 (heavy tails)."""
    rng = np.random.default_rng(seed)
    r = 1.0 * rng.standard_t(3, n_groups)
    g = np.repeat(np.arange(n_groups), per)
    y = 2.0 + r[g] + rng.normal(0.0, 0.5, g.size)
    return pd.DataFrame({"y": y, "g": g})


def _fit(chains: int, iter: int, frame: pd.DataFrame) -> brmsjax.BrmsFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return brmsjax.brm(
            'y ~ 1 + (1 | gr(g, dist = "student"))',
            frame,
            chains=chains,
            iter=iter,
            seed=2,
            progress=False,
        )


def test_names_summary_and_predictions() -> None:
    frame = simulated(n_groups=20, per=3)
    fit = _fit(1, 150, frame)
    columns = list(fit.draws().columns)
    assert columns[:4] == ["b_Intercept", "sd_g__Intercept", "df_g", "sigma"]
    assert not any(c.startswith(("udf", "dfm")) for c in columns)  # brms excludes them
    assert list(fit.summary().random["g"].index) == ["df", "sd(Intercept)"]
    d = fit.draws()
    r = np.stack([d[f"r_g[{k},Intercept]"] for k in frame["g"]], axis=1)
    np.testing.assert_allclose(
        fit.posterior_epred(), d["b_Intercept"].to_numpy()[:, None] + r, rtol=1e-8
    )
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])
    new = pd.DataFrame({"y": [0.0], "g": [999]})
    with pytest.raises(BrmsjaxError, match=r"draws normal effects, but those of 'g' are student"):
        fit.posterior_epred(newdata=new, allow_new_levels=True, sample_new_levels="gaussian")
    assert fit.posterior_epred(newdata=new, allow_new_levels=True).shape == (fit.ndraws, 1)


@pytest.mark.slow
def test_recovers_heavy_tailed_effects() -> None:
    fit = _fit(2, 1000, simulated())
    d = fit.draws()
    lo, hi = np.quantile(d["sd_g__Intercept"], [0.025, 0.975])
    assert lo < 1.0 < hi
    lo, hi = np.quantile(d["df_g"], [0.025, 0.975])
    assert lo < 3.0 < hi
    assert np.median(d["df_g"]) < 10  # heavy tails found (the prior's median is 16.8)
