"""Group terms with a ``by`` factor, ``(1 + x | gr(g, by = f))``: make_standata, get_prior and
the draws' names equal brms 2.18's, brms's errors, the log density equals brms's Stan program
(written with scipy) at a fixed parameter point, and the porter translates the calls.

The references are recorded by ``tests/fixtures/group_by/make_fixtures.R`` (brms 2.18.0) on
brms's ``epilepsy`` data (``epilepsy.csv`` of that folder); its ``*.stan`` files are brms's
programs that :func:`brms_target` follows.
"""

from __future__ import annotations

import json
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
from brmsjax.formula.design.special.group_by import by_names
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.port import from_r

HERE = Path(__file__).parents[1] / "fixtures" / "group_by"
REFERENCE = json.loads((HERE / "cases.json").read_text())
CASES = ("cor", "uncor", "icpt")


def epilepsy() -> pd.DataFrame:
    """brms's epilepsy data (count, Trt, zBase, zAge, patient, visit); Trt as a factor."""
    d = pd.read_csv(HERE / "epilepsy.csv")
    d["Trt"] = d["Trt"].astype(str)
    return d


@pytest.mark.parametrize("case", CASES)
def test_standata_equals_brms(case: str) -> None:
    ref = REFERENCE[case]
    got = brmsjax.make_standata(ref["formula"], epilepsy())
    assert list(got) == ref["standata_names"]
    for key, value in ref["standata"].items():
        np.testing.assert_allclose(
            np.asarray(got[key], dtype=float).reshape(-1), np.asarray(value, float), err_msg=key
        )


@pytest.mark.parametrize("case", CASES)
def test_get_prior_equals_brms(case: str) -> None:
    ref = pd.DataFrame(REFERENCE[case]["prior"])
    table = brmsjax.get_prior(REFERENCE[case]["formula"], epilepsy())
    cols = ["prior", "class", "coef", "group", "lb", "ub"]
    got = table[cols].astype(str).replace({"nan": "", "None": ""}).to_dict("records")
    assert got == ref[cols].astype(str).to_dict("records")


def test_draw_names_are_brms() -> None:
    """``sd_patient__Intercept:Trt0``, ... and one ``cor`` per level (brms's change_re)."""
    design = design_for(REFERENCE["cor"]["formula"], epilepsy(), get_family("gaussian"))
    sds, cors = by_names(design.groups[0].spec)
    assert sds == REFERENCE["names"]["sd"]
    assert cors == REFERENCE["names"]["cor"]


ERRORS = [
    (
        "count ~ (1 | gr(patient, by = visit))",
        "Some levels of 'patient' correspond to multiple levels of 'visit'.",
    ),
    ("count ~ (1 | gr(patient, by = nope))", "Unknown variable 'nope'"),
]


@pytest.mark.parametrize(("formula", "message"), ERRORS)
def test_brms_errors(formula: str, message: str) -> None:
    with pytest.raises(BrmsjaxError) as err:
        brmsjax.make_standata(formula, epilepsy())
    assert message in str(err.value)


PRIORS = [
    prior("normal(1, 3)", "Intercept"),
    prior("normal(0, 2)", "b"),
    prior("student_t(3, 0, 2.5)", "sd"),
    prior("student_t(3, 0, 5)", "sigma"),
    prior("lkj(2)", "cor"),
]


def _lkj_cholesky_2(L: np.ndarray, eta: float) -> float:
    """Stan's ``lkj_corr_cholesky_lpdf`` of a 2 x 2 factor: ``c(eta) L22^(2 eta - 2)`` with
    the density of ``r`` on (-1, 1), ``c = 1 / (2^(2 eta - 1) B(eta, eta))``."""
    c = -(2 * eta - 1) * np.log(2.0) - special.betaln(eta, eta)
    return float(c + (2 * eta - 2) * np.log(L[1, 1]))


def brms_target(sdata: dict, v: dict) -> float:
    """brms's Stan ``target`` of ``cor.stan`` with :data:`PRIORS`, in numpy and scipy."""
    X = np.asarray(sdata["X"], float)[:, 1:]
    Xc = X - X.mean(axis=0)
    J, Jby = np.asarray(sdata["J_1"]) - 1, np.asarray(sdata["Jby_1"]) - 1
    sd = np.asarray(v["sd_1"]).reshape(sdata["Nby_1"], sdata["M_1"]).T  # matrix[M_1, Nby_1]
    r = np.stack(
        [sd[:, Jby[j]] * (v["L_1"][Jby[j]] @ v["z_1"][:, j]) for j in range(sdata["N_1"])]
    )  # scale_r_cor_by
    mu = v["Intercept"] + Xc @ v["b"] + r[J, 0] * sdata["Z_1_1"] + r[J, 1] * sdata["Z_1_2"]
    half_t = stats.t.logsf(0.0, 3, 0.0, 2.5)
    lprior = (
        stats.norm.logpdf(v["Intercept"], 1, 3)
        + stats.norm.logpdf(v["b"], 0, 2).sum()
        + stats.t.logpdf(v["sd_1"], 3, 0, 2.5).sum()
        - sdata["M_1"] * half_t  # brms: "- 2 * student_t_lccdf(0 | 3, 0, 2.5)"
        + stats.t.logpdf(v["sigma"], 3, 0, 5)
        - stats.t.logsf(0.0, 3, 0.0, 5)
        + sum(_lkj_cholesky_2(L, 2.0) for L in v["L_1"])
    )
    loglik = stats.norm.logpdf(sdata["Y"], mu, v["sigma"]).sum()
    return float(loglik + lprior + stats.norm.logpdf(v["z_1"]).sum()), float(lprior)


def test_log_density_is_brms() -> None:
    """At a fixed point, the program's log density and lprior are brms's (``cor.stan``)."""
    d, fam = epilepsy(), get_family("gaussian")
    formula = REFERENCE["cor"]["formula"]
    design = design_for(formula, d, fam)
    lowered = lower(design, fam, resolve_priors(design, fam, PRIORS))
    assert [s.name for s in lowered.sites if s.name.endswith("_1")] == ["sd_1", "z_1", "L_1"]
    rng = np.random.default_rng(4)
    angles = rng.uniform(-1.2, 1.2, 2)
    L = np.array([[[1.0, 0.0], [np.sin(a), np.cos(a)]] for a in angles])
    v = {
        "Intercept": 4.0,
        "b": np.array([-0.4]),
        "sigma": 5.5,
        "sd_1": np.array([4.5, 7.0, 4.2, 6.1]),
        "z_1": rng.normal(size=(2, 59)),
        "L_1": L,
    }
    data, prior_args = lowered.model_args
    with jax.enable_x64(True):
        got = float(lowered.program.log_density(v, data, prior_args))
        params = lowered.program.assemble(v, prior_args, data)
        lprior = float(lowered.program.lprior(params, prior_args))
    sdata = brmsjax.make_standata(formula, d, prior=PRIORS)
    target, brms_lprior = brms_target(sdata, v)
    assert lprior == pytest.approx(brms_lprior, rel=1e-10)
    assert got == pytest.approx(target, rel=1e-10)


def test_by_groups_get_no_marginal_form() -> None:
    d, fam = epilepsy(), get_family("gaussian")
    design = design_for("count ~ (1 | gr(patient, by = Trt))", d, fam)
    lowered = lower(design, fam, resolve_priors(design, fam, None))
    assert lowered.forms["likelihood"] != "marginal"
    assert [g.nby for g in lowered.structure.groups] == [2]


def test_porter_translates_gr_by() -> None:
    call = from_r("brm(count ~ Trt + (1|gr(patient, by = Trt)), data = epilepsy)")
    text = call.to_python()
    assert '"count ~ Trt + (1 | gr(patient, by = Trt))"' in text
    standata = brmsjax.make_standata(call.formula, epilepsy())
    assert (standata["Nby_1"], standata["N_1"]) == (2, 59)
