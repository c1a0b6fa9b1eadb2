"""logistic_normal's model program against brms 2.18 and a hand scipy computation.

References: tests/fixtures/logistic_normal_fit/logistic_normal_fit.json (recorded by
make_fixtures.R there): brms's make_standata(), get_prior() and the names brms gives the draws
(brms's rename_pars on the program's parameters) of case A, ``cbind(p1, p2, p3) ~ x + (1 | g)``
on the data of tests/fixtures/families_multi, case B, ``cbind(q1, q2, q3, q4) ~ x`` on data
recorded in the fixture, and case C, B with ``sigmaq2 ~ x`` (log link). The log density is
brms's Stan model (make_stancode in the fixture) written out with scipy:
``student_t(3, 0, 2.5)`` intercepts, half ``student_t`` sigmas and sds,
``lkj_corr_cholesky(1)`` (uniform over correlation matrices, volume 2 for 2 x 2 and
pi^2 / 2 for 3 x 3, times the Cholesky Jacobian ``prod L_kk^(K - k)``), ``std_normal`` z and
per row ``multi_normal`` of the log ratios minus ``sum(log(y))``.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.api import design_for
from brmsjax.backend.families.compositional.logistic_normal import family_for_design
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.infer.draws import variable_names
from brmsjax.backend.model.lower import LoweredModel, lower
from brmsjax.backend.priors.resolve import resolve_priors

FIXTURES = Path(__file__).parents[1] / "fixtures"
COLUMNS = ["prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub", "source"]


@cache
def fixture() -> dict[str, Any]:
    path = FIXTURES / "logistic_normal_fit" / "logistic_normal_fit.json"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def case_data(case: str) -> pd.DataFrame:
    """The data frame of a case (A: families_multi's, B and C: recorded with the fixture)."""
    if fixture()["cases"][case]["data"] == "A":
        raw = json.loads((FIXTURES / "families_multi" / "data.json").read_text())
        return pd.DataFrame(raw["columns"])
    return pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in fixture()["data_B"].items()})


def formula(case: str) -> Any:
    """A case's formula: case C's ``bf(cbind(q1, q2, q3, q4) ~ x, sigmaq2 ~ x)`` as bf()."""
    if case == "C":
        return bj.bf("cbind(q1, q2, q3, q4) ~ x", "sigmaq2 ~ x")
    return fixture()["cases"][case]["formula"]


def lowered(case: str) -> LoweredModel:
    """brms's parameterization (no QR, non-centred z) of a case's model."""
    fam = get_family("logistic_normal")
    design = design_for(formula(case), case_data(case), fam, None)
    fam = family_for_design(fam, design)
    return lower(design, fam, resolve_priors(design, fam), reparam=False)


@pytest.mark.parametrize("case", ["A", "B", "C"])
def test_standata_equals_brms(case: str) -> None:
    ref = fixture()["cases"][case]
    got = bj.make_standata(formula(case), case_data(case), family="logistic_normal")
    assert list(got) == ref["standata"]["names"]
    for key, want in ref["standata"]["values"].items():
        ours = got[key]
        ours = ours.to_numpy() if isinstance(ours, pd.DataFrame) else ours
        dims = list(np.atleast_1d(ref["standata"]["dims"][key]))
        assert list(np.shape(ours)) == dims or np.size(ours) == 1, key
        np.testing.assert_allclose(
            np.asarray(ours, dtype=float).reshape(-1, order="F"),
            np.asarray(want, dtype=float),
            atol=1e-12,
            err_msg=key,
        )


@pytest.mark.parametrize("case", ["A", "B", "C"])
def test_get_prior_equals_brms(case: str) -> None:
    ref = fixture()["cases"][case]
    got = bj.get_prior(formula(case), case_data(case), family="logistic_normal")
    want = pd.DataFrame(ref["prior"], columns=COLUMNS)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want)


@pytest.mark.parametrize("case", ["A", "B", "C"])
def test_draw_names_equal_brms(case: str) -> None:
    """b_mup2_x, sd_g__mup2_Intercept, sigmap2, lncor__p2__p3, r_g__mup2[a,Intercept], ..."""
    assert variable_names(lowered(case).names) == fixture()["cases"][case]["variables"]


def _half_t(x: float) -> float:
    return float(stats.t.logpdf(x, 3, 0, 2.5) + math.log(2.0))


def _lkj1(L: np.ndarray) -> float:
    """``lkj_corr_cholesky_lpdf(L | 1)``: uniform over the correlation matrices times the
    Jacobian ``prod_k L_kk^(K - k)`` of the Cholesky factor."""
    K = L.shape[0]
    volume = {2: 2.0, 3: math.pi**2 / 2.0}[K]
    return -math.log(volume) + sum((K - k) * math.log(L[k - 1, k - 1]) for k in range(1, K + 1))


# A case's parameter values: per category (Intercept, b_x, sigma, sd); the correlations.
VALUES = {
    "A": ([(0.3, 0.6, 0.7, 0.4), (-0.5, -0.2, 1.3, 0.8)], np.array([[1.0, 0.35], [0.35, 1.0]])),
    "B": (
        [(0.2, 0.5, 0.6, None), (-0.3, -0.4, 0.9, None), (0.1, 0.25, 0.7, None)],
        np.array([[1.0, 0.4, -0.2], [0.4, 1.0, 0.3], [-0.2, 0.3, 1.0]]),
    ),
}
VALUES["C"] = VALUES["B"]
#: Case C's ``sigmaq2 ~ x``: its centred Intercept and slope (log link).
SIGMA_Q2 = (-0.4, 0.3)


@pytest.mark.parametrize("case", ["A", "B", "C"])
def test_log_density_equals_scipy(case: str) -> None:
    """The lowered model's log density at fixed values: brms's Stan model by hand."""
    lw = lowered(case)
    data = case_data(case)
    cats, cor = VALUES[case]
    L = np.linalg.cholesky(cor)
    cols = [c for c in data.columns if c[0] in "pq" and c[1:].isdigit()]
    y = data[cols].to_numpy(dtype=float)
    x = data["x"].to_numpy(dtype=float)
    z = np.linspace(-1.2, 1.5, 5)  # each group's z (case A: 5 levels of g)
    J = pd.factorize(data["g"], sort=True)[0] if "g" in data else None
    values: dict[str, Any] = {"L_lncor": L}
    want = _lkj1(L)
    mu = np.empty((len(y), len(cats)))
    for k, (icpt, b, sigma, sd) in enumerate(cats):
        name = cols[k + 1]
        values |= {f"Intercept_mu{name}": icpt, f"b_mu{name}": np.array([b]), f"sigma{name}": sigma}
        mu[:, k] = icpt + b * (x - x.mean())
        want += float(stats.t.logpdf(icpt, 3, 0, 2.5)) + _half_t(sigma)
        if sd is not None:
            zk = z * (k + 1) / 2.0
            values |= {f"sd_{k + 1}": np.array([sd]), f"z_{k + 1}": zk[None, :]}
            mu[:, k] += sd * zk[J]
            want += _half_t(sd) + float(np.sum(stats.norm.logpdf(zk)))
    sigmas = np.tile([c[2] for c in cats], (len(y), 1))
    if case == "C":  # sigmaq2 = exp(Intercept_sigmaq2 + b_sigmaq2 (x - mean(x)))
        icpt, b = SIGMA_Q2
        del values["sigmaq2"]
        values |= {"Intercept_sigmaq2": icpt, "b_sigmaq2": np.array([b])}
        want += float(stats.t.logpdf(icpt, 3, 0, 2.5)) - _half_t(cats[0][2])
        sigmas[:, 0] = np.exp(icpt + b * (x - x.mean()))
    ratios = np.log(y[:, 1:]) - np.log(y[:, :1])
    for n in range(len(y)):
        cov = np.diag(sigmas[n]) @ cor @ np.diag(sigmas[n])
        want += stats.multivariate_normal(mu[n], cov).logpdf(ratios[n]) - np.log(y[n]).sum()
    assert {s.name for s in lw.sites} == set(values)
    with jax.enable_x64(True):
        got = float(lw.program.log_density(values, *lw.model_args))
    np.testing.assert_allclose(got, want, rtol=1e-10)


@pytest.mark.parametrize(
    ("call", "dpar"),
    [(bj.brm, "sigma"), (bj.get_prior, "sigmaq1"), (bj.make_standata, "sigmaz")],
)
def test_sigma_of_no_category_is_refused_as_in_brms(call: Any, dpar: str) -> None:
    """brms: logistic_normal's sds are sigma<category> of the non-reference categories."""
    kwargs = {"chains": 1, "iter": 20} if call is bj.brm else {}
    with pytest.raises(bj.BrmsjaxError) as err:
        call(
            bj.bf("cbind(q1, q2, q3, q4) ~ x", f"{dpar} ~ x"),
            case_data("B"),
            family="logistic_normal",
            **kwargs,
        )
    assert str(err.value) == (
        f"The parameter '{dpar}' is not a valid distributional or non-linear parameter. Did you "
        "forget to set 'nl = TRUE'?"
    )


def test_category_sigma_of_another_family_is_refused_as_in_brms() -> None:
    with pytest.raises(bj.BrmsjaxError) as err:
        bj.make_standata(
            bj.bf("cbind(p1, p2, p3) ~ x", "sigmap2 ~ x"),
            case_data("A"),
            family="dirichlet",
        )
    assert str(err.value).startswith(
        "The parameter 'sigmap2' is not a valid distributional or non-linear parameter. Did you "
        "forget to set 'nl = TRUE'?"
    )
