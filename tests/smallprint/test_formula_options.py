"""``bf(center = FALSE, cmc = FALSE, decomp = "QR")``: brms's formula options.

References: brms 2.18.0's make_standata, get_prior and Stan code (tests/fixtures/intercept0).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

import jax
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.formula import FormulaTermError
from brmsjax.formula.design.design import build_design
from brmsjax.formula.terms.brmsterms import brms_terms
from brmsjax.formula.terms.options import FormulaOptions
from brmsjax.port import from_r

from .brms_cases import assert_prior_rows, assert_standata, case, data

CASES = [
    "nc_center",
    "nc_center_ordinal",
    "nc_qr_ordinal",
    "nc_qr_one",
    "nc_qr_uncentred",
    "nc_center_sigma",
    "nc_center_group",
    "nc_cmc",
    "nc_cmc_int",
    "nc_cmc_true",
    "nc_qr",
]


@pytest.mark.parametrize("case_id", CASES)
def test_standata_matches_brms(case_id: str) -> None:
    assert_standata(case(case_id))


@pytest.mark.parametrize("case_id", CASES)
def test_get_prior_matches_brms(case_id: str) -> None:
    assert_prior_rows(case(case_id))


@pytest.mark.parametrize(
    ("formula", "options"),
    [
        ("bf(y ~ x, center = FALSE)", FormulaOptions(center=False)),
        ("bf(y ~ x, center = F, cmc = FALSE)", FormulaOptions(center=False, cmc=False)),
        ('bf(y ~ x, decomp = "QR")', FormulaOptions(decomp="QR")),
        ('bf(y ~ x, decomp = "none", center = TRUE, sparse = FALSE)', FormulaOptions()),
        ("bf(y ~ x, sigma ~ z, center = NULL)", FormulaOptions()),
    ],
)
def test_options_are_read_from_bf(formula: str, options: FormulaOptions) -> None:
    assert brms_terms(formula).options == options


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"center": False}, "bf(y ~ x, center = FALSE)"),
        ({"cmc": False, "decomp": "QR"}, 'bf(y ~ x, cmc = FALSE, decomp = "QR")'),
        ({"nu": 4, "center": True}, "bf(y ~ x, nu = 4)"),
    ],
)
def test_python_bf_takes_the_options(kwargs: dict, text: str) -> None:
    f = bj.bf("y ~ x", **kwargs)
    assert str(f) == text
    assert brms_terms(f).options == brms_terms(text).options


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("bf(y ~ x, center = 1)", "Cannot coerce 'center' to a single logical value."),
        ('bf(y ~ x, cmc = "no")', "Cannot coerce 'cmc' to a single logical value."),
        ('bf(y ~ x, decomp = "qr")', "bf() argument 'decomp' should be one of 'none', 'QR'"),
        ("bf(y ~ x, sparse = TRUE)", "bf(sparse = TRUE) is not supported yet"),
    ],
)
def test_bad_options_are_refused(formula: str, message: str) -> None:
    with pytest.raises(FormulaTermError, match=re.escape(message)):
        brms_terms(formula)


def test_center_false_applies_to_mu_only() -> None:
    """brms keeps sigma's temporary Intercept_sigma (its Stan code, recorded)."""
    c = case("nc_center_sigma")
    assert "lprior += student_t_lpdf(Intercept_sigma | 3, 0, 2.5);" in c["lprior"]
    design = build_design(c["formula"], data("toy"))
    mu, sigma = design.block(""), design.block("sigma")
    assert mu is not None and sigma is not None
    assert (mu.intercept, mu.center, mu.columns) == (False, False, ("Intercept", "x"))
    assert (sigma.intercept, sigma.center) == (True, True)


def test_center_false_puts_the_b_prior_on_the_intercept() -> None:
    """brms's Stan code: ``normal_lpdf(b[1] | 0, 5)`` for coef Intercept of class b."""
    c = case("nc_center")
    assert "lprior += normal_lpdf(b[1] | 0, 5);" in c["lprior"]
    got = bj.get_prior(c["formula"], data("toy"), prior=c["prior"])
    user = got[got["source"] == "user"]
    assert user[["prior", "class", "coef"]].values.tolist() == [["normal(0, 5)", "b", "Intercept"]]


def test_center_false_is_the_same_model_as_zero_plus_intercept() -> None:
    """brms's standata for ``bf(... , center = FALSE)`` and ``0 + Intercept + ...`` agree."""
    a, b = case("nc_center_group"), case("i0_cbpp")
    assert a["X_colnames"] == b["X_colnames"]
    assert a["standata"]["X"] == b["standata"]["X"]
    d = data("cbpp")
    x1 = build_design(a["formula"], d, bj.binomial()).block("")
    x2 = build_design(b["formula"], d, bj.binomial()).block("")
    assert x1 is not None and x2 is not None
    assert (x1.columns, x1.intercept) == (x2.columns, x2.intercept)
    np.testing.assert_array_equal(x1.X, x2.X)


def test_cmc_false_newdata_is_coded_as_in_fitting() -> None:
    from brmsjax.formula.design.newdata import encode_newdata

    design = build_design("bf(y ~ 0 + f + x, cmc = FALSE)", data("toy"))
    got = encode_newdata(design, pd.DataFrame({"f": ["a", "c"], "x": [2.0, 3.0]}))
    np.testing.assert_array_equal(got.X[""], [[0, 0, 2.0], [0, 1, 3.0]])


def test_the_porter_keeps_the_options() -> None:
    got = from_r('brm(bf(y ~ x + f, center = FALSE, decomp = "QR"), data = d)')
    assert 'bj.bf("y ~ x + f", center=False, decomp="QR")' in got.to_python()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sd = bj.make_standata(got.formula, data("toy"))
    assert list(sd["X"].columns) == ["Intercept", "x", "fb", "fc"]


def _brms_xr(X: np.ndarray) -> np.ndarray:
    """brms's ``XR = qr_thin_R(X) / sqrt(N - 1)``, Stan's R with a positive diagonal."""
    R = np.linalg.qr(X, mode="r")
    return R * np.sign(np.diag(R))[:, None] / np.sqrt(len(X) - 1)


def _normal(sd: float, index: int | None = None) -> Callable[[np.ndarray], float]:
    def lpdf(q: np.ndarray) -> float:
        return float(stats.norm.logpdf(q if index is None else q[index], 0, sd).sum())

    return lpdf


@pytest.mark.parametrize(
    ("case_id", "family", "centred", "stan", "bq_prior"),
    [
        ("nc_qr_prior", "gaussian", True, "normal_lpdf(bQ | 0, 1)", _normal(1)),
        # one slope: brms still decomposes (fixef = Intercept, x), so bQ = sd(x) * b
        ("nc_qr_one", "gaussian", True, "normal_lpdf(bQ | 0, 1)", _normal(1)),
        # center = FALSE: the QR of X itself, its Intercept column included
        ("nc_qr_uncentred", "gaussian", False, "normal_lpdf(bQ | 0, 1)", _normal(1)),
        # ordinal: every column of X centred; the prior of coef z applies to bQ[2]
        ("nc_qr_ordinal", "cumulative", True, "normal_lpdf(bQ[2] | 0, 2)", _normal(2, 1)),
    ],
)
def test_qr_priors_apply_to_bq_as_in_brms(
    case_id: str, family: str, centred: bool, stan: str, bq_prior: Callable
) -> None:
    """The b site holds brms's ``bQ`` (``b = XR^-1 bQ``) and the b prior is ``bQ``'s."""
    from brmsjax.backend.model.lower import lower
    from brmsjax.backend.priors.resolve import resolve_priors
    from brmsjax.rcode.rpriors import priors_from_r

    c = case(case_id)
    assert f"lprior += {stan};" in c["lprior"]
    fam = bj.get_family(family)
    design = build_design(c["formula"], data("toy"), fam)
    block = design.block("")
    assert block is not None and block.qr
    user = priors_from_r(c["prior"])
    lowered = lower(design, fam, resolve_priors(design, fam, user), marginalize=False)
    prog = lowered.program
    (fp,) = prog.structure.fixed
    assert fp.qr and fp.qr_prior
    X = block.X[:, 1:] if block.intercept else block.X
    XR = _brms_xr(X - X.mean(axis=0) if centred else X)
    data_, prior_args = lowered.model_args
    bq = np.linspace(-0.8, 1.1, XR.shape[0])
    with jax.enable_x64(True):
        params = prog.assemble({"b": bq, **_others(prog)}, prior_args, data_)
        got = float(prog.lprior(params, prior_args))
        at_zero = float(prog.lprior(dict(params, bQ=np.zeros_like(bq)), prior_args))
    np.testing.assert_allclose(np.asarray(params["b"]), np.linalg.solve(XR, bq), rtol=1e-10)
    rest = at_zero - bq_prior(np.zeros_like(bq))
    assert got == pytest.approx(rest + bq_prior(bq), rel=1e-12)


def _others(prog: object) -> dict:
    """Values of the other sites: an intercept, ordered thresholds, sigma."""
    out: dict = {}
    for vp in prog.structure.vectors:  # type: ignore[attr-defined]
        if vp.name == "b":
            continue
        size = vp.size
        out[vp.name] = (
            np.linspace(-1.0, 1.0, size) if vp.ordered or not vp.scalar else np.float64(0.7)
        )
    return out


@pytest.mark.parametrize(
    ("case_id", "message"),
    [("nc_qr_bound", "Cannot add bounds to class 'b' for this prior.")],
)
def test_qr_errors_are_brms(case_id: str, message: str) -> None:
    c = case(case_id)
    assert c["stancode_error"] == message
    with pytest.raises(bj.ModelError, match=re.escape(message)):
        bj.brm(c["formula"], data("toy"), prior=c["prior"], chains=1, iter=10)


def test_center_false_leaves_ordinal_thresholds_uncentred() -> None:
    """brms: ``vector[nthres] b_Intercept = Intercept;`` (no means_X shift)."""
    from brmsjax.backend.model.lower import lower
    from brmsjax.backend.priors.resolve import resolve_priors

    c = case("nc_center_ordinal")
    assert c["lprior"] == ["lprior += student_t_lpdf(Intercept | 3, 0, 2.5);"]
    fam = bj.cumulative()
    design = build_design(c["formula"], data("toy"), fam)
    lowered = lower(design, fam, resolve_priors(design, fam), marginalize=False)
    np.testing.assert_array_equal(lowered.data["means_X"][""], [0.0, 0.0])
    np.testing.assert_array_equal(lowered.data["X"][""], design.fixed[0].X)


@pytest.mark.parametrize(
    "formula", [bj.bf("y ~ x", center=False, decomp="QR"), bj.bf("y ~ x", "sigma ~ z", cmc=False)]
)
def test_saved_fits_keep_the_options(formula: bj.BrmsFormula) -> None:
    from brmsjax.fit_files import _formula_from, _formula_json

    assert _formula_from(_formula_json(formula)) == formula


@pytest.mark.parametrize(
    ("old", "new", "text"),
    [
        (bj.bf("y ~ x", center=False), ". ~ . + z", "bf(y ~ x + z, center = FALSE)"),
        ("bf(y ~ x, cmc = FALSE)", ". ~ . - x + f", "bf(y ~ f, cmc = FALSE)"),
        ("y ~ x", 'bf(. ~ . + z, decomp = "QR")', 'bf(y ~ x + z, decomp = "QR")'),
    ],
)
def test_update_keeps_the_options(old: object, new: str, text: str) -> None:
    from brmsjax.formula.terms.update import update_brms_formula

    assert str(update_brms_formula(old, new)) == text  # type: ignore[arg-type]
