"""The porter reads brm()'s data2 = list(...) and passes the R objects through from Python."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from brmsjax.port import BrmCall, RCodeError, Ref, from_r
from tests.data2.data2_fixtures import cov_matrix, data2_data


@pytest.mark.parametrize(
    ("code", "args", "python"),
    [
        (
            "brm(y ~ x + (1 | gr(g, cov = A)), data = d, data2 = list(A = A))",
            {"A": Ref("A")},
            'data2={"A": A},',
        ),
        (
            "brm(y ~ x + sar(COL.nb), data = d, data2 = list(COL.nb = COL.nb))",
            {"COL.nb": Ref("COL.nb")},
            'data2={"COL.nb": COL_nb},',
        ),
        ("brm(y ~ x, data = d, data2 = extra)", Ref("extra"), "data2=extra,"),
        ("brm(y ~ x, data = d, data2 = NULL)", None, "data2=None,"),
    ],
)
def test_data2_translates(code: str, args: object, python: str) -> None:
    call = from_r(code)
    assert isinstance(call, BrmCall)
    assert call.args["data2"] == args
    assert python in call.to_python()


@pytest.mark.parametrize("value", ["list()", "list(A)", "3"])
def test_bad_data2_is_refused(value: str) -> None:
    message = "The brm() argument 'data2' must be a named list of R objects"
    with pytest.raises(RCodeError, match=re.escape(message)):
        from_r(f"brm(y ~ x, data = d, data2 = {value})")


def test_ported_call_runs_with_data2_from_python() -> None:
    call = from_r(
        "brm(y ~ x + (1 | gr(g, cov = A)), data = d, data2 = list(A = A), chains = 1, "
        "iter = 60, seed = 1)"
    )
    assert isinstance(call, BrmCall)
    with warnings.catch_warnings():  # 30 draws: R-hat warnings
        warnings.simplefilter("ignore")
        fit = call.run(env={"d": data2_data(), "A": cov_matrix()}, progress=False)
        refit = fit.update(iter=40, warmup=20)  # data2 is kept
    assert fit.ndraws == 30
    names = [c for c in fit.draws().columns if c.startswith("r_g[")]
    assert len(names) == 5  # the five species with data, not sp6
    assert np.isfinite(fit.draws()[names].to_numpy()).all()
    assert refit.ndraws == 20


@pytest.mark.parametrize(
    ("autocor", "term", "name"),
    [
        ("cor_fixed(V)", "fcor(V)", "V"),
        ("cor_sar(W)", 'sar(W, type = "lag")', "W"),
        ('cor_sar(W, type = "error")', 'sar(W, type = "error")', "W"),
        ("cor_lagsar(W)", 'sar(W, type = "lag")', "W"),
        ("cor_errorsar(W)", 'sar(W, type = "error")', "W"),
        ("cor_car(W)", 'car(W, type = "escar")', "W"),
        ("cor_car(W, ~ 1 | g)", 'car(W, gr = g, type = "escar")', "W"),
        ("cor_icar(W, ~ 1 | g)", 'car(W, gr = g, type = "icar")', "W"),
    ],
)
def test_cor_brms_converts_as_brms_does(autocor: str, term: str, name: str) -> None:
    """brms 2.18: autocor = cor_*(M) becomes a formula term, M joins data2 (with a note)."""
    call = from_r(f"brm(y ~ x, data = d, autocor = {autocor}, data2 = list(A = A))")
    assert isinstance(call, BrmCall)
    assert call.formula == f"y ~ x + {term}"
    assert call.args["data2"] == {"A": Ref("A"), name: Ref(name)}
    assert any("deprecated in brms 2.18" in n for n in call.notes)


def test_cor_fixed_call_fits_as_fcor() -> None:
    call = from_r("brm(y ~ x, data = d, autocor = cor_fixed(V), chains = 1, iter = 40)")
    assert isinstance(call, BrmCall)
    V = 0.5 ** np.abs(np.subtract.outer(range(20), range(20)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = call.run(env={"d": data2_data(), "V": V}, progress=False, seed=2)
    assert fit.ndraws == 20
    assert fit.log_lik().shape == (20, 20)
