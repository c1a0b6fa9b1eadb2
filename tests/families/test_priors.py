"""brms 2.18 default priors and the get_prior table, on designs built without the formula layer.

References: brms 2.18.0 / R 4.2.2 outputs in tests/fixtures/get_prior (recorded by its
make_fixtures.R) and the brms fits in tests/fixtures/brms.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.registry import Family, gaussian
from brmsjax.backend.priors.defaults import scale_prior
from brmsjax.backend.priors.resolve import prior, prior_table, resolve_priors
from brmsjax.formula.design.ir import Design, FixedBlock, GroupBlock, Response

FIXTURES = Path(__file__).parents[1] / "fixtures"
GET_PRIOR = FIXTURES / "get_prior"
DATA = Path(__file__).parents[2] / "brmsjax" / "data"


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


# --- designs built without the formula layer -------------------------------------------------


@cache
def sleep_design(cor: bool = True) -> Design:
    """``Reaction ~ Days + (Days | Subject)`` from brms's standata (``||`` when not ``cor``)."""
    sd = _json(FIXTURES / "brms" / "sleep_rs.standata.json")
    names = [s["variable"] for s in _json(FIXTURES / "brms" / "sleep_rs.json")["summary"]]
    levels = tuple(
        m.group(1) for n in names if (m := re.fullmatch(r"r_Subject\[(\w+),Intercept\]", n))
    )
    group = GroupBlock(
        id=1,
        group="Subject",
        levels=levels,
        coefs=("Intercept", "Days"),
        dpars=("", ""),
        cor=cor,
        J=np.asarray(sd["J_1"], dtype=np.int32) - 1,
        Z=np.column_stack([sd["Z_1_1"], sd["Z_1_2"]]).astype(np.float64),
    )
    fixed = FixedBlock("", ("Intercept", "Days"), np.asarray(sd["X"], dtype=np.float64), True)
    y = np.asarray(sd["Y"], dtype=np.float64)
    return Design(Response("Reaction", y), (fixed,), (group,), np.arange(y.size))


def _column(df: pd.DataFrame, name: str) -> np.ndarray:
    """A brms design column: Intercept, a numeric variable, a dummy, or an a:b product."""
    if name == "Intercept":
        return np.ones(len(df))
    if ":" in name:
        return np.prod([_column(df, part) for part in name.split(":")], axis=0)
    if name in df.columns:
        return df[name].to_numpy(dtype=np.float64)
    for var in df.columns:
        if name.startswith(var) and not pd.api.types.is_numeric_dtype(df[var]):
            level = name[len(var) :]
            return (df[var].str.replace("+", "P") == level).to_numpy(dtype=np.float64)
    raise KeyError(name)


def make_design(
    df: pd.DataFrame,
    y: str,
    fixed: Mapping[str, Sequence[str]],
    groups: tuple[tuple[str, tuple[str, ...], str, bool], ...] = (),
    offset: str | None = None,
) -> Design:
    """A Design from data: ``fixed`` maps dpar to columns, ``groups`` are (group, coefs, dpar,
    cor) in brms ID order."""
    blocks = tuple(
        FixedBlock(
            dpar,
            tuple(cols),
            np.column_stack([_column(df, c) for c in cols]),
            intercept=cols[0] == "Intercept",
            offset=None if offset is None or dpar else df[offset].to_numpy(dtype=np.float64),
        )
        for dpar, cols in fixed.items()
    )
    gbs = []
    for k, (g, coefs, dpar, cor) in enumerate(groups, start=1):
        codes, levels = pd.factorize(df[g], sort=True)
        gbs.append(
            GroupBlock(
                k,
                g,
                tuple(levels),
                coefs,
                (dpar,) * len(coefs),
                cor,
                codes.astype(np.int32),
                np.column_stack([_column(df, c) for c in coefs]),
            )
        )
    resp = Response(y, df[y].to_numpy(dtype=np.float64))
    return Design(resp, blocks, tuple(gbs), np.arange(len(df)))


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name)


def poisson(link: str = "log") -> Family:
    return Family("poisson", link)


FAMILIES: dict[str, Family] = {
    "gaussian_inverse": gaussian("inverse"),
    "gaussian_log_negative": gaussian("log"),
    "gaussian_softplus": gaussian("softplus"),
    "inverse_gaussian": Family("inverse.gaussian", "1/mu^2", ("shape",), {}, {"shape": (0, None)}),
    "gamma_inverse": Family("gamma", "inverse", ("shape",), {}, {"shape": (0, None)}),
    "gamma_log": Family("gamma", "log", ("shape",), {}, {"shape": (0, None)}),
    "poisson_identity": poisson("identity"),
    "poisson_log_zero": poisson(),
    "lognormal": Family("lognormal", "identity", ("sigma",), {}, {"sigma": (0, None)}),
    "student": Family(
        "student", "identity", ("sigma", "nu"), {}, {"sigma": (0, None), "nu": (1, None)}
    ),
    "negbinomial": Family("negbinomial", "log", ("shape",), {}, {"shape": (0, None)}),
    "bernoulli": Family("bernoulli", "logit"),
    "weibull": Family("weibull", "log", ("shape",), {}, {"shape": (0, None)}),
    "skew_normal": Family("skew_normal", "identity", ("sigma", "alpha"), {}, {"sigma": (0, None)}),
    "hurdle_poisson": Family("hurdle_poisson", "log", ("hu",), {}, {"hu": (0, 1)}),
}


def fixture_case(case_id: str) -> tuple[Design, Family]:
    """The Design and Family of a recorded get_prior case."""
    sleep, gauss = "sleepstudy.csv", gaussian()
    if case_id in ("sleep_rs", "sleep_uncorr"):
        return sleep_design(cor=case_id == "sleep_rs"), gauss
    if case_id.startswith("sleep_"):
        df = _csv(sleep)
        mu = {"": ("Intercept", "Days")}
        return {
            "sleep_noint": (make_design(df, "Reaction", {"": ("Days",)}), gauss),
            "sleep_log": (make_design(df, "Reaction", mu), gaussian("log")),
            "sleep_offset": (make_design(df, "Reaction", mu, offset="Days"), gauss),
            "sleep_sigma": (
                make_design(
                    df,
                    "Reaction",
                    {"": ("Intercept", "Days"), "sigma": ("Intercept", "Days")},
                    (
                        ("Subject", ("Intercept",), "", True),
                        ("Subject", ("Intercept",), "sigma", True),
                    ),
                ),
                gauss,
            ),
        }[case_id]
    if case_id == "star_two_groups":
        df = _csv("star1.csv").dropna(subset=["score", "cltype", "age", "school", "class"])
        cols: tuple[str, ...] = ("Intercept", "cltyperegPA", "cltypesmall", "age")
        groups = (("school", ("Intercept",), "", True), ("class", ("Intercept", "age"), "", True))
        return make_design(df, "score", {"": cols}, groups), gauss
    if case_id.startswith("epil_"):
        df = _csv("epil.csv")
        one = (("subject", ("Intercept",), "", True),)
        if case_id == "epil_sqrt":
            return make_design(df, "y", {"": ("Intercept", "lbase")}, one), poisson("sqrt")
        cols = ("Intercept", "trtprogabide", "lbase", "lage", "V4", "trtprogabide:lbase")
        return make_design(df, "y", {"": cols}, one), poisson()
    if case_id == "cbpp_binom":
        cols = ("Intercept", "periodp2", "periodp3", "periodp4")
        design = make_design(
            _csv("cbpp.csv"), "incidence", {"": cols}, (("herd", ("Intercept",), "", True),)
        )
        return design, Family("binomial", "logit")
    data = _json(GET_PRIOR / f"{case_id}.json")["data"]
    df = pd.DataFrame({k: np.asarray(v, dtype=np.float64) for k, v in data.items()})
    if case_id == "sim_sigma":
        return make_design(df, "y", {"": ("Intercept", "x"), "sigma": ("Intercept", "x")}), gauss
    return make_design(df, "y", {"": ("Intercept", "x")}), FAMILIES[case_id.removeprefix("link_")]


TABLE_CASES = sorted(
    p.stem for p in GET_PRIOR.glob("*.json") if p.stem not in {"r_round_mad", "r_collate"}
)


# --- default priors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "link", "center", "offset", "args"),
    [
        ("sleep", "identity", False, None, (3.0, 288.7, 59.3)),
        ("sleep", "identity", True, None, (3.0, 0.0, 59.3)),
        ("sleep", "log", False, None, (3.0, 5.7, 2.5)),
        ("sleep", "identity", False, "days", (3.0, 284.2, 59.3)),
        ("sleep", "logit", False, None, (3.0, 0.0, 2.5)),
        ("sleep", "softplus", True, None, (3.0, 0.0, 2.5)),
        ([0.0, 1.0, 2.0, 4.0], "inverse", False, None, (3.0, 0.8, 2.5)),  # 1/y: 10, 1, .5, .25
        ([0.0, 1.0, 2.0, 4.0], "1/mu^2", False, None, (3.0, 0.6, 2.5)),  # 100, 1, .25, .0625
        ([1.0, 4.0, 9.0, 100.0], "sqrt", False, None, (3.0, 2.5, 2.5)),
        ([-1.0, 4.0, 9.0], "log", False, None, (3.0, 0.0, 2.5)),  # NaN -> defaults
        ([0.0, 10.0, 20.0, 40.0], "identity", False, None, (3.0, 15.0, 14.8)),
    ],
)
def test_scale_prior(
    y: Any, link: str, center: bool, offset: str | None, args: tuple[float, ...]
) -> None:
    design = sleep_design()
    values = design.response.y if isinstance(y, str) else np.asarray(y)
    off = design.fixed[0].X[:, 1] if offset else None
    assert scale_prior(values, link, center=center, offset=off) == PriorSpec("student_t", args)


def test_scale_prior_factor_response() -> None:
    spec = scale_prior(np.array([1.0, 2.0, 3.0, 3.0]), "identity", center=False, factor_like=True)
    assert spec == PriorSpec("student_t", (3.0, 0.0, 2.5))


def test_sleep_defaults_match_brms_stan_code() -> None:
    stan = (FIXTURES / "brms" / "sleep_rs.stan").read_text()
    resolved = resolve_priors(sleep_design(), gaussian())
    assert "student_t_lpdf(Intercept | 3, 288.7, 59.3)" in stan
    assert resolved["Intercept"].specs == (PriorSpec("student_t", (3.0, 288.7, 59.3)),)
    half_t = PriorSpec("student_t", (3.0, 0.0, 59.3), lb=0.0)
    assert "student_t_lpdf(sd_1 | 3, 0, 59.3)" in stan
    assert resolved["sd_1"].specs == (half_t, half_t)
    assert resolved["sigma"].specs == (half_t,)
    assert resolved["b"].specs == (PriorSpec("flat"),)
    assert "lkj_corr_cholesky_lpdf(L_1 | 1)" in stan
    assert resolved["L_1"].specs == (PriorSpec("lkj", (1.0,)),)
    assert list(resolved) == ["Intercept", "b", "sigma", "sd_1", "L_1"]


# --- the get_prior table ---------------------------------------------------------------------


@pytest.mark.parametrize("case_id", TABLE_CASES)
def test_prior_table_matches_brms(case_id: str) -> None:
    design, family = fixture_case(case_id)
    want = pd.DataFrame(_json(GET_PRIOR / f"{case_id}.json")["rows"]).astype(object)
    got = prior_table(design, family)
    assert list(got.columns) == list(want.columns)
    assert got.astype(object).to_dict("records") == want.to_dict("records")


def test_prior_table_with_user_priors() -> None:
    user = (
        prior("normal(0,5)", lb=-5, ub=5)
        + prior("normal(0, 10)", coef="Days")
        + prior("lkj_corr_cholesky(2)", class_="cor")
        + prior("exponential(1)", class_="sd", group="Subject")
    )
    got = prior_table(sleep_design(), gaussian(), user)
    cols = ["prior", "class", "coef", "group", "lb", "ub", "source"]
    assert got[cols].values.tolist() == [
        ["normal(0, 5)", "b", "", "", "-5", "5", "user"],
        ["normal(0, 10)", "b", "Days", "", "", "", "user"],
        ["lkj_corr_cholesky(2)", "cor", "", "", "", "", "user"],
        ["", "cor", "", "Subject", "", "", "default"],
        ["student_t(3, 288.7, 59.3)", "Intercept", "", "", "", "", "default"],
        ["student_t(3, 0, 59.3)", "sd", "", "", "0", "", "default"],
        ["exponential(1)", "sd", "", "Subject", "", "", "user"],
        ["", "sd", "Days", "Subject", "", "", "default"],
        ["", "sd", "Intercept", "Subject", "", "", "default"],
        ["student_t(3, 0, 59.3)", "sigma", "", "", "0", "", "default"],
    ]
