"""Models with s() terms against brms 2.18 (fixtures/smooths/priors.json, make_priors.R).

get_prior rows (class ``sds`` with the term as ``coef``), make_standata's names, ``Xs`` column
names and knots, the log density against brms's Stan program written in scipy, new data
through the fitted basis, and the errors of ``s()`` arguments brmsjax does not build.
"""

from __future__ import annotations

import json
from pathlib import Path

import jax
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.backend.families.registry import gaussian
from brmsjax.backend.model.lower import lower
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.formula import DesignError, FormulaTermError, build_design, standata
from brmsjax.formula.design.newdata import encode_newdata, from_design

FIXTURE = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "smooths" / "priors.json").read_text()
)
DATA = pd.DataFrame(FIXTURE["data"])
FORMULAS = {
    "mu": "y ~ s(x) + z",
    "dist": bj.bf("y ~ s(x)", "sigma ~ s(z, k = 6)"),
    "two": "y ~ s(x) + s(z, k = 5)",
}


@pytest.mark.parametrize("case", list(FORMULAS))
def test_get_prior_rows_match_brms(case: str) -> None:
    table = bj.get_prior(FORMULAS[case], data=DATA)
    got = table[["prior", "class", "coef", "dpar", "lb"]].to_dict("records")
    assert got == FIXTURE[case]["prior"]


@pytest.mark.parametrize("case", list(FORMULAS))
def test_standata_names_match_brms(case: str) -> None:
    sd = standata(build_design(FORMULAS[case], DATA))
    ref = FIXTURE[case]
    assert list(sd) == ref["standata_names"]
    for key, cols in ref["xs_names"].items():
        assert list(sd[key].columns) == ([cols] if isinstance(cols, str) else cols)
    for key, knots in ref["knots"].items():
        assert list(sd[key]) == knots


def _brms_log_density(design, v: dict) -> tuple[float, float]:
    """brms's Stan program for ``y ~ s(x) + z`` (gaussian), in scipy: lprior and target."""
    y = design.response.y
    X = design.fixed[0].X[:, 1:]
    Xc = X - X.mean(axis=0)
    Zs = design.smooths[0].Zs[0]
    sds = float(np.ravel(v["sds_1"])[0])
    s = sds * np.asarray(v["zs_1"])
    mu = float(v["Intercept"]) + Xc @ np.asarray(v["b"]) + Zs @ s
    sigma = float(v["sigma"])
    half_t = stats.t(3, 0, 2.5)
    lprior = (
        stats.t(3, 0.5, 2.5).logpdf(float(v["Intercept"]))
        + half_t.logpdf(sds)
        - half_t.logsf(0)
        + half_t.logpdf(sigma)
        - half_t.logsf(0)
    )
    target = lprior + stats.norm.logpdf(v["zs_1"]).sum() + stats.norm(mu, sigma).logpdf(y).sum()
    return float(lprior), float(target)


def test_log_density_equals_the_stan_program() -> None:
    design = build_design(FORMULAS["mu"], DATA)
    lowered = lower(design, gaussian(), resolve_priors(design, gaussian()), reparam=False)
    prog = lowered.program
    assert {s.name for s in prog.sites} == {"Intercept", "b", "sigma", "zs_1", "sds_1"}
    data, prior_args = lowered.model_args
    rng = np.random.default_rng(4)
    for _ in range(3):
        u = rng.uniform(-1.5, 1.5, prog.dim)
        with jax.enable_x64(True):
            v = prog.constrain(u)
            got = float(prog.log_density(v, data, prior_args))
            lprior = float(prog.lprior(prog.assemble(v, prior_args, data), prior_args))
        v = {k: np.asarray(x, dtype=float) for k, x in v.items()}
        want_lprior, want = _brms_log_density(design, v)
        assert lprior == pytest.approx(want_lprior, rel=1e-10)
        assert got == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("case", list(FORMULAS))
def test_new_data_through_the_fitted_basis(case: str) -> None:
    """The fitting data encoded as new data give the fit's own matrices (mgcv's PredictMat)."""
    design = build_design(FORMULAS[case], DATA)
    new = encode_newdata(design, DATA)
    own = from_design(design)
    for dpar, X in own.X.items():
        np.testing.assert_allclose(new.X[dpar], X, rtol=0, atol=1e-8)


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (
            'y ~ s(x, bs = "gp")',
            'The smooth basis bs = "gp" is not supported yet; brmsjax builds the bases '
            'bs = "tp" (the default), "ts", "cr", "cs", "cc", "ps", "re" and "fs".',
        ),
        ('y ~ s(x, bs = "zz")', "'zz' is not an mgcv basis; use one of tp, ts, cr"),
        (
            "y ~ s(x, pc = 3)",
            "The argument 'pc' of s() is not supported yet; s() takes the covariates, k, bs, m, "
            "by, fx (TRUE or FALSE), id and xt.",
        ),
        ("y ~ s(x, m = 1.5)", "The argument m of s() must be a whole number"),
        ('y ~ s(x, bs = "ps", m = 3)', 'The argument m of s(bs = "ps") is not supported yet'),
        ("y ~ s(x, k = 2.5)", "The argument k of s() must be a whole number"),
        ("y ~ s(k = 5)", "s() needs at least one covariate, as in s(x)."),
        (
            "y ~ z + (s(x) | z)",
            "Smooth terms s() cannot be used inside a group-level term; add them to the "
            "population-level part (a factor smooth: s(x, by = g)).",
        ),
    ],
)
def test_unsupported_smooth_arguments(formula: str, message: str) -> None:
    with pytest.raises(FormulaTermError) as err:
        build_design(formula, DATA)
    assert message in str(err.value)
    assert "^" in str(err.value)  # the caret under the argument


def test_factor_covariate_is_refused() -> None:
    data = DATA.assign(f=pd.Categorical(np.where(DATA.x > 5, "a", "b")))
    with pytest.raises(DesignError, match=r"The covariate f of s\(f\) must be numeric"):
        build_design("y ~ s(f)", data)
