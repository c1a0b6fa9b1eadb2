"""get_prior, make_standata, messages and the porter of wiener models, against brms 2.18.

The seven models of tests/fixtures/wiener/make_fixtures.R (scalar and predicted bs/ndt/bias,
fixed values, dec() as numbers, a factor, characters and logicals, a group term, a bias on the
identity link) are read with the porter, as from R, and built on the fixtures' data.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.port import from_r
from tests.wiener.fixtures import brms_fixture, wiener_data

COLUMNS = ["prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub", "source"]
CASES = range(len(brms_fixture()["cases"]))


def _model(case: int) -> tuple[Any, Any, dict[str, Any]]:
    ref = brms_fixture()["cases"][case]
    formula = ref["formula"]
    text = formula if formula.startswith("bf(") else f"bf({formula})"
    family = from_r(f"brm(y ~ 1, data = d, family = {ref['family']})").family.resolve()
    return from_r(text).formula, family, ref


# brms 2.18 gives a predicted bias on the identity link its scalar default beta(1, 1) (warning
# that the intercept is unbounded); brmsjax refuses that prior as for every family.
UNBOUNDED_BETA = 6


@pytest.mark.parametrize("case", [c for c in CASES if c != UNBOUNDED_BETA])
def test_get_prior_equals_brms(case: int) -> None:
    formula, family, ref = _model(case)
    got = bj.get_prior(formula, wiener_data(), family=family)
    want = pd.DataFrame(ref["rows"], columns=COLUMNS)
    pd.testing.assert_frame_equal(got[COLUMNS].reset_index(drop=True), want)


def test_bounded_default_of_an_unbounded_intercept_is_refused() -> None:
    formula, family, _ = _model(UNBOUNDED_BETA)
    with pytest.raises(bj.BrmsjaxError) as err:
        bj.get_prior(formula, wiener_data(), family=family)
    assert str(err.value).startswith(
        "The prior 'beta(1, 1)' for class 'Intercept' of dpar 'bias' has support [0, 1], but the"
        " parameter is unbounded; use a prior on the whole real line."
    )


@pytest.mark.parametrize("case", CASES)
def test_standata_equals_brms(case: int) -> None:
    formula, family, ref = _model(case)
    got = bj.make_standata(formula, wiener_data(), family=family)
    assert list(got) == ref["standata"]["names"]
    for key, want in ref["standata"]["values"].items():
        ours = got[key]
        ours = ours.to_numpy() if isinstance(ours, pd.DataFrame) else ours
        np.testing.assert_allclose(
            np.asarray(ours, dtype=float).reshape(-1, order="F"), want, atol=1e-12, err_msg=key
        )


def _stan_parameters(code: str) -> list[str]:
    """The names the ``parameters`` block of brms's Stan code declares."""
    block = code.split("\nparameters {", 1)[1].split("\n}", 1)[0]
    return re.findall(r"(\w+)(?:\[[^\]]*\])?;", block)


@pytest.mark.parametrize(
    ("case", "parameters"),
    [
        (0, ["b", "Intercept", "bs", "ndt", "bias"]),
        (1, ["b", "Intercept", "Intercept_bs", "Intercept_ndt", "Intercept_bias", "sd_1", "z_1"]),
        (5, ["b", "Intercept", "ndt"]),
    ],
)
def test_stan_parameters_are_brms(case: int, parameters: list[str]) -> None:
    """brms's Stan parameters (as the fixture's Stan code declares them), whose draws brmsjax
    names as brms: b_<dpar>_Intercept for predicted dpars, scalar bs/ndt/bias."""
    assert _stan_parameters(brms_fixture()["cases"][case]["stancode"]) == parameters


@pytest.mark.parametrize(
    ("formula", "data", "message"),
    [
        ("rt ~ x", None, "no_dec"),
        ("rt | dec(respx) ~ x", {"respx": ["yes", "no"] * 30}, "bad_levels"),
        (
            "rt | dec(resp) ~ x",
            {"rt": [-1.0] + [0.5] * 59},
            "The response 'rt' contains -1, but the wiener family needs positive values.",
        ),
        (
            "rt | dec(resp) + trials(resp) ~ x",
            None,
            "Argument 'trials' is not supported for family 'wiener(identity)'.",
        ),
    ],
)
def test_bad_data_is_named(formula: str, data: dict[str, Any] | None, message: str) -> None:
    """brms's messages (recorded by the fixture script where brms has one)."""
    frame = wiener_data().assign(**(data or {}))
    want = brms_fixture()["errors"].get(message, message)
    with pytest.raises(bj.BrmsjaxError) as err:
        bj.make_standata(formula, frame, family=bj.wiener())
    assert want in str(err.value)


@pytest.mark.parametrize(
    ("call", "links"),
    [
        ("wiener()", {"bs": "log", "ndt": "log", "bias": "logit"}),
        (
            'wiener(link_bs = "identity", link_bias = "identity")',
            {"bs": "identity", "ndt": "log", "bias": "identity"},
        ),  # fmt: skip
        ('"wiener"', {"bs": "log", "ndt": "log", "bias": "logit"}),
        (
            'brmsfamily("wiener", link_ndt = "softplus")',
            {"bs": "log", "ndt": "softplus", "bias": "logit"},
        ),  # fmt: skip
    ],
)
def test_porter_reads_the_family(call: str, links: dict[str, str]) -> None:
    family = from_r(f"brm(rt | dec(resp) ~ x, data = d, family = {call})").family.resolve()
    assert (family.name, family.link, dict(family.dpar_links)) == ("wiener", "identity", links)


def test_porter_writes_python() -> None:
    call = from_r(
        "fit <- brm(bf(rt | dec(resp) ~ x + (1 | id), bias ~ 1), data = d, family = wiener(),"
        " chains = 2)"
    )
    assert call.to_python() == (
        "import brmsjax as bj\n"
        "\n"
        "fit = bj.brm(\n"
        '    bj.bf("rt | dec(resp) ~ x + (1 | id)", "bias ~ 1"),\n'
        "    data=d,\n"
        '    family="wiener",\n'
        "    chains=2,\n"
        '    data_name="d",\n'
        ")\n"
    )


def test_bad_link_is_named() -> None:
    with pytest.raises(bj.ModelError, match=re.escape("Link 'log' is not allowed for 'bias'")):
        bj.wiener(link_bias="log")
