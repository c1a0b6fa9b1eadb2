"""Priors: parsing, R's round/mad, brms 2.18 defaults, the get_prior table, and resolution.

References: brms 2.18.0 / R 4.2.2 outputs in tests/fixtures/get_prior (recorded by its
make_fixtures.R) and the brms fits in tests/fixtures/brms.
"""

from __future__ import annotations

import json
import math
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
from brmsjax.backend.priors.defaults import r_mad, r_median, r_round, scale_prior
from brmsjax.backend.priors.parse import parse_prior
from brmsjax.backend.priors.resolve import (
    Prior,
    PriorList,
    as_priors,
    prior,
    prior_table,
    resolve_priors,
    set_prior,
)
from brmsjax.backend.priors.rows import r_collate_key
from brmsjax.formula.design.ir import Design, FixedBlock, GroupBlock, Response
from brmsjax.formula.errors import BrmsjaxError, PriorError

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


# --- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("normal(0, 10)", PriorSpec("normal", (0.0, 10.0))),
        ("student_t(3, 0, 2.5)", PriorSpec("student_t", (3.0, 0.0, 2.5))),
        ("cauchy(0,2)", PriorSpec("cauchy", (0.0, 2.0))),
        ("exponential(1)", PriorSpec("exponential", (1.0,))),
        ("gamma(0.01, 0.01)", PriorSpec("gamma", (0.01, 0.01))),
        ("inv_gamma(0.4, 0.3)", PriorSpec("inv_gamma", (0.4, 0.3))),
        ("lognormal(-1, 1)", PriorSpec("lognormal", (-1.0, 1.0))),
        ("beta(1, 1)", PriorSpec("beta", (1.0, 1.0))),
        ("uniform(-1, 1)", PriorSpec("uniform", (-1.0, 1.0))),
        ("lkj(2)", PriorSpec("lkj", (2.0,))),
        ("lkj_corr_cholesky(2)", PriorSpec("lkj_corr_cholesky", (2.0,))),
        ("constant(1)", PriorSpec("constant", (1.0,))),
        ("logistic(0, 1)", PriorSpec("logistic", (0.0, 1.0))),
        ("double_exponential(0, 1)", PriorSpec("double_exponential", (0.0, 1.0))),
        ("weibull(2, 1)", PriorSpec("weibull", (2.0, 1.0))),
        ("chi_square(3)", PriorSpec("chi_square", (3.0,))),
        ("std_normal()", PriorSpec("std_normal")),
        ("  normal( -1.5e-3 ,\t+2E2 )  ", PriorSpec("normal", (-0.0015, 200.0))),
        ("normal(.5, 1.)", PriorSpec("normal", (0.5, 1.0))),
        ("constant(- 2)", PriorSpec("constant", (-2.0,))),
        ("", PriorSpec("flat")),
        ("flat", PriorSpec("flat")),
        ("  ", PriorSpec("flat")),
    ],
)
def test_parse_prior(text: str, spec: PriorSpec) -> None:
    assert parse_prior(text) == spec


SUPPORTED = (
    "beta, cauchy, chi_square, constant, double_exponential, exponential, flat, frechet, gamma, "
    "inv_chi_square, inv_gamma, lkj, lkj_corr_cholesky, logistic, lognormal, normal, std_normal, "
    "student_t, uniform, weibull"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "normel(0, 1)",
            f"Unknown prior distribution 'normel'; supported distributions are: "
            f"{SUPPORTED}.\n  normel(0, 1)\n  ^^^^^^",
        ),
        (
            "normal(0)",
            "The prior distribution 'normal' takes 2 arguments, normal(mu, sigma), but "
            "the prior gives 1.\n  normal(0)\n  ^^^^^^^^^",
        ),
        (
            "normal",
            "The prior distribution 'normal' takes 2 arguments, normal(mu, sigma), but the "
            "prior gives none.\n  normal\n  ^^^^^^",
        ),
        (
            "exponential(1, 2)",
            "The prior distribution 'exponential' takes 1 argument, "
            "exponential(beta), but the prior gives 2.\n  exponential(1, 2)\n  ^^^^^^^^^^^^^^^^^",
        ),
        (
            "student_t(3, 0, -2.5)",
            "The argument sigma of 'student_t' must be positive, but it is "
            "-2.5.\n  student_t(3, 0, -2.5)\n                  ^^^^",
        ),
        ("lkj(0)", "The argument eta of 'lkj' must be positive, but it is 0.\n  lkj(0)\n      ^"),
        (
            "normal(0, 1e999)",
            "The argument sigma of 'normal' must be finite.\n  normal(0, 1e999)\n            ^^^^^",
        ),
        (
            "uniform(1, -1)",
            "The bounds of 'uniform(alpha, beta)' need alpha < beta.\n"
            "  uniform(1, -1)\n  ^^^^^^^^^^^^^^",
        ),
        (
            "normal(0 10)",
            "Unexpected '10' in the prior 'normal(0 10)'; write a distribution call "
            "such as 'normal(0, 10)'.\n  normal(0 10)\n           ^^",
        ),
        (
            "normal(0, a)",
            "Unexpected 'a' in the prior 'normal(0, a)'; write a distribution call "
            "such as 'normal(0, 10)'.\n  normal(0, a)\n            ^",
        ),
        (
            "normal(0;1)",
            "Unexpected ';' in the prior 'normal(0;1)'; write a distribution call "
            "such as 'normal(0, 10)'.\n  normal(0;1)\n          ^",
        ),
        (
            "normal(0, 1",
            "The prior 'normal(0, 1' ends too early; write a distribution call such "
            "as 'normal(0, 10)'.\n  normal(0, 1\n             ^",
        ),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(PriorError, match=f"^{re.escape(message)}$"):
        parse_prior(text)


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(PriorError, match=re.escape("A prior must be a string such as")):
        parse_prior(3)  # type: ignore[arg-type]


# --- R numerics ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "digits", "r_value"),
    [  # R 4.2.2's round(); Python's round() gives 0.5, 1.1, 4.5, 5.5, 0.1 for the first five
        (0.45, 1, 0.4),
        (1.05, 1, 1.0),
        (4.45, 1, 4.4),
        (5.55, 1, 5.6),
        (0.05, 1, 0.0),
        (0.15, 1, 0.1),
        (0.25, 1, 0.2),
        (2.675, 2, 2.67),
        (59.25, 1, 59.2),
        (288.65, 1, 288.6),
        (288.75, 1, 288.8),
        (-2.675, 1, -2.7),
        (2.5, 0, 2.0),
        (-0.5, 0, -0.0),
        (1234.5, -1, 1230.0),
        (59.339285879999991, 1, 59.3),
        (288.6508, 1, 288.7),
        (1e-20, 1, 0.0),
    ],
)
def test_r_round_table(x: float, digits: int, r_value: float) -> None:
    assert r_round(x, digits) == r_value


@pytest.mark.parametrize(
    "block", _json(GET_PRIOR / "r_round_mad.json")["round"], ids=lambda b: f"digits={b['digits']}"
)
def test_r_round_matches_r(block: dict[str, Any]) -> None:
    got = [r_round(float(x), block["digits"]) for x in block["x"]]
    want = [float(r) for r in block["rounded"]]
    assert len(got) > 3000
    assert [g for g, w in zip(got, want, strict=True) if g != w] == []


@pytest.mark.parametrize("name", sorted(_json(GET_PRIOR / "r_round_mad.json")["stats"]))
def test_r_median_mad_match_r(name: str) -> None:
    case = _json(GET_PRIOR / "r_round_mad.json")["stats"][name]
    x = np.array([float(v) for v in case["x"]])
    assert r_median(x) == float(case["median"])
    assert r_mad(x) == float(case["mad"])


def test_r_median_mad_nan() -> None:
    assert math.isnan(r_median([1.0, np.nan, 2.0]))
    assert math.isnan(r_mad([1.0, np.nan, 2.0]))


def test_collation_matches_r() -> None:
    ordered = _json(GET_PRIOR / "r_collate.json")["sorted"]
    assert sorted(reversed(ordered), key=r_collate_key) == ordered


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


# --- resolution ------------------------------------------------------------------------------

T_SD = PriorSpec("student_t", (3.0, 0.0, 59.3), lb=0.0)


def _half(dist: str, *args: float) -> PriorSpec:
    return PriorSpec(dist, args, lb=0.0)


@pytest.mark.parametrize(
    ("user", "param", "specs"),
    [
        ([], "sd_1", (T_SD, T_SD)),
        (
            [prior("exponential(1)", class_="sd")],
            "sd_1",
            (_half("exponential", 1.0), _half("exponential", 1.0)),
        ),
        (
            [
                prior("exponential(1)", class_="sd"),
                prior("exponential(2)", class_="sd", group="Subject"),
            ],
            "sd_1",
            (_half("exponential", 2.0), _half("exponential", 2.0)),
        ),
        (
            [
                prior("exponential(2)", class_="sd", group="Subject"),
                prior("normal(0, 5)", class_="sd", coef="Days", group="Subject"),
                prior("exponential(1)", class_="sd"),
            ],
            "sd_1",
            (_half("exponential", 2.0), _half("normal", 0.0, 5.0)),
        ),
        (
            [prior("normal(0, 5)", class_="sd", coef="Intercept", group="Subject")],
            "sd_1",
            (_half("normal", 0.0, 5.0), T_SD),
        ),
        ([prior("normal(0, 1)")], "b", (PriorSpec("normal", (0.0, 1.0)),)),
        (
            [prior("normal(0, 1)"), prior("normal(0, 10)", coef="Days")],
            "b",
            (PriorSpec("normal", (0.0, 10.0)),),
        ),
        ([prior("", lb=0)], "b", (PriorSpec("flat", (), 0.0, None),)),
        (
            [prior("normal(0, 1)", lb=-1, ub=2), prior("constant(1.5)", coef="Days")],
            "b",
            (PriorSpec("constant", (1.5,), -1.0, 2.0),),
        ),
        (
            [prior("normal(250, 50)", class_="Intercept")],
            "Intercept",
            (PriorSpec("normal", (250.0, 50.0)),),
        ),
        ([prior("exponential(0.1)", class_="sigma")], "sigma", (_half("exponential", 0.1),)),
        ([prior("constant(20)", class_="sigma")], "sigma", (_half("constant", 20.0),)),
        ([prior("lkj(2)", class_="cor")], "L_1", (PriorSpec("lkj", (2.0,)),)),
        (
            [
                prior("lkj(2)", class_="cor"),
                prior("lkj_corr_cholesky(4)", class_="cor", group="Subject"),
            ],
            "L_1",
            (PriorSpec("lkj", (4.0,)),),
        ),
        ([prior("lkj(3)", class_="L")], "L_1", (PriorSpec("lkj", (3.0,)),)),
    ],
)
def test_resolve_precedence(user: list[Prior], param: str, specs: tuple[PriorSpec, ...]) -> None:
    resolved = resolve_priors(sleep_design(), gaussian(), user)
    assert resolved[param].param == param
    assert resolved[param].specs == specs


def test_resolve_two_groups_and_predicted_sigma() -> None:
    design, family = fixture_case("star_two_groups")
    resolved = resolve_priors(design, family, prior("normal(0, 3)", class_="sd", group="class"))
    half = PriorSpec("student_t", (3.0, 0.0, 43.0), lb=0.0)
    assert list(resolved) == ["Intercept", "b", "sigma", "sd_1", "sd_2", "L_2"]
    assert resolved["sd_1"].specs == (half,)
    assert resolved["sd_2"].specs == (_half("normal", 0.0, 3.0),) * 2
    assert len(resolved["b"].specs) == 3
    design, family = fixture_case("sim_sigma")
    resolved = resolve_priors(design, family, prior("normal(0, 1)", dpar="sigma"))
    assert resolved["Intercept_sigma"].specs == (PriorSpec("student_t", (3.0, 0.0, 4.4)),)
    assert resolved["b_sigma"].specs == (PriorSpec("normal", (0.0, 1.0)),)
    assert resolved["Intercept"].specs == (PriorSpec("student_t", (3.0, 1.8, 2.7)),)
    assert "sigma" not in resolved


@pytest.mark.parametrize(
    ("user", "message"),
    [
        (
            prior("normal(0, 1)", coef="agee"),
            "The prior for class 'b' names coefficient 'agee', "
            "which the model lacks; its coefficients are: Days.",
        ),
        (
            prior("normal(0, 1)", class_="sd", group="Subj"),
            "The prior for class 'sd' names "
            "group 'Subj', which the model lacks; its groups are: Subject.",
        ),
        (
            prior("normal(0, 1)", class_="sd", coef="Day", group="Subject"),
            "The prior for class "
            "'sd' names coefficient 'Day' in group 'Subject', which the model lacks; its "
            "coefficients are: Intercept, Days.",
        ),
        (
            prior("normal(0, 1)", class_="sd", coef="Days"),
            "The prior for class 'sd' names "
            "coefficient 'Days' but no group; set group to one of: Subject.",
        ),
        (
            prior("lkj(2)", class_="cor", group="Days"),
            "The prior for class 'cor' names group "
            "'Days', which has no correlated group-level effects; groups with correlations: "
            "Subject.",
        ),
        (
            prior("normal(0, 1)", class_="cor"),
            "The prior for class 'cor' is 'normal(0, 1)'; "
            "correlation matrices take an lkj prior such as 'lkj(2)'.",
        ),
        (
            prior("lkj(2)", class_="sd"),
            "The prior for class 'sd' is 'lkj(2)', but lkj priors "
            "apply only to class 'cor'; use a prior for single values such as 'normal(0, 10)'.",
        ),
        (
            prior("normal(0, 1)", class_="sigmaa"),
            "The model has no parameters of class "
            "'sigmaa'; its classes are: b, cor, Intercept, sd, sigma.",
        ),
        (
            prior("normal(0, 1)", class_="Intercept", coef="Days"),
            "Priors of class 'Intercept' take no coef or group; drop coef='Days'.",
        ),
        (
            prior("normal(0, 1)", group="Subject"),
            "Priors of class 'b' take no group; drop group='Subject'.",
        ),
        (
            prior("normal(0, 1)", dpar="sigma"),
            "The prior names dpar 'sigma', which has no "
            "formula; set its prior with class_='sigma' and no dpar.",
        ),
        (
            prior("normal(0, 1)", dpar="nu"),
            "The model has no distributional parameter 'nu'; its parameters are: mu, sigma.",
        ),
        (
            prior("normal(0, 1)", resp="y2"),
            "The prior for class 'b' names response 'y2', but the "
            "model has one response ('Reaction'); leave resp empty.",
        ),
        (
            prior("normal(0, 1)", nlpar="a"),
            "The prior for class 'b' names non-linear parameter "
            "'a', but the model has none; leave nlpar empty.",
        ),
        (
            prior("normal(0, 1)", class_="sd", lb=1),
            "Bounds (lb, ub) can only be set on priors "
            "of class 'b' or of a family parameter such as 'sigma'; class 'sd' has fixed bounds.",
        ),
        (
            prior("normal(0, 1)", coef="Days", ub=1),
            "Bounds (lb, ub) apply to a whole class; set "
            "them on the class-level prior of class 'b' instead of on coefficient 'Days'.",
        ),
        (
            prior("gamma(1, 1)"),
            "The prior 'gamma(1, 1)' for coefficient 'Days' of class 'b' has "
            "support [0, inf], but the parameter is unbounded; set lb/ub on the class-level prior "
            "of class 'b' to match, or use a prior on the whole real line.",
        ),
        (
            prior("beta(2, 2)", class_="Intercept"),
            "The prior 'beta(2, 2)' for class 'Intercept' "
            "has support [0, 1], but the parameter is unbounded; use a prior on the whole real "
            "line.",
        ),
        (
            prior("constant(-1)", class_="sigma"),
            "The prior 'constant(-1)' for class 'sigma' "
            "fixes it outside its bounds [0, inf]; use a value inside them.",
        ),
        (
            prior("constant(3)", lb=0, ub=2),
            "The prior 'constant(3)' for coefficient 'Days' of "
            "class 'b' fixes it outside its bounds [0, 2]; use a value inside them.",
        ),
        (
            prior("uniform(-3, -1)", class_="sd", group="Subject"),
            "The prior 'uniform(-3, -1)' "
            "for coefficient 'Intercept' of class 'sd' in group 'Subject' has support [-3, -1], "
            "outside the parameter's bounds [0, inf]; choose a prior that covers them.",
        ),
        (
            [prior("normal(0, 1)"), prior("normal(0,2)")],
            "Two priors are given for the same "
            "parameters (b ~ normal(0, 1), and b ~ normal(0, 2)); keep one.",
        ),
        (
            "normal(0, 1)",
            "Priors must be made with prior() (one, a list, or joined with +), not 'normal(0, 1)'.",
        ),
        (
            [prior("normal(0, 1)"), 3],
            "Item 2 of the priors is 3; make every prior with prior(), "
            "e.g. prior('normal(0, 10)', class_='b').",
        ),
    ],
)
def test_resolve_errors(user: Any, message: str) -> None:
    with pytest.raises(PriorError, match=f"^{re.escape(message)}$"):
        resolve_priors(sleep_design(), gaussian(), user)
    with pytest.raises(BrmsjaxError):
        prior_table(sleep_design(), gaussian(), user)


@pytest.mark.parametrize(
    ("case_id", "user", "message"),
    [
        (
            "sleep_noint",
            prior("normal(0, 1)", class_="Intercept"),
            "The model has no parameters of class 'Intercept'; its classes are: b, sigma.",
        ),
        (
            "sleep_uncorr",
            prior("lkj(2)", class_="cor"),
            "The model has no parameters of class 'cor'; its classes are: b, Intercept, sd, sigma.",
        ),
        (
            "sim_sigma",
            prior("normal(0, 1)", class_="sigma"),
            "'sigma' is predicted by a formula; "
            "set its priors with class_='Intercept' or class_='b' and dpar='sigma'.",
        ),
        (
            "sim_sigma",
            prior("normal(0, 1)", coef="z", dpar="sigma"),
            "The prior for class 'b' "
            "and dpar 'sigma' names coefficient 'z', which the model lacks; its coefficients are: "
            "x.",
        ),
        (
            "sleep_sigma",
            prior("normal(0, 1)", class_="sd", coef="Days", group="Subject", dpar="sigma"),
            "The prior for class 'sd' and dpar 'sigma' names "
            "coefficient 'Days' in group 'Subject', which the model lacks; its coefficients are: "
            "Intercept.",
        ),
    ],
)
def test_resolve_errors_other_models(case_id: str, user: Prior, message: str) -> None:
    design, family = fixture_case(case_id)
    with pytest.raises(PriorError, match=f"^{re.escape(message)}$"):
        resolve_priors(design, family, user)


# --- the user API ----------------------------------------------------------------------------


def test_prior_arithmetic_and_sequences() -> None:
    a, b, c = prior("normal(0, 1)"), set_prior("exponential(1)", "sd"), prior("lkj(2)", "cor")
    joined = a + b + c
    assert isinstance(joined, PriorList)
    assert tuple(joined) == (a, b, c) == as_priors([a, b, c]) == as_priors((a, b) + (c,))
    assert a + (b + c) == joined == (a + b) + PriorList((c,))
    assert joined[1:] == PriorList((b, c))
    assert joined[0] is a and len(joined) == 3
    assert [b, c] + PriorList((a,)) == PriorList((b, c, a))
    assert as_priors(None) == () and as_priors(a) == (a,)
    assert str(prior("normal(0,10)", coef="Days")) == "b (coef=Days) ~ normal(0, 10)"
    assert a.spec == PriorSpec("normal", (0.0, 1.0))
    with pytest.raises(AttributeError):
        a.prior = "normal(0, 2)"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"prior": "normal(0, 1)", "lb": 2, "ub": 1},
            "The prior bounds need lb < ub, but lb = 2 and ub = 1.",
        ),
        (
            {"prior": "normal(0, 1)", "lb": "0"},
            "The prior bound lb must be a number or None, not '0'.",
        ),
        (
            {"prior": "normal(0, 1)", "ub": True},
            "The prior bound ub must be a number or None, not True.",
        ),
        (
            {"prior": "normal(0, 1)", "class_": ""},
            "The prior class must not be empty; use e.g. class_='b'.",
        ),
        ({"prior": "normal(0, 1)", "coef": 1}, "The prior argument coef must be a string, not 1."),
        ({"prior": "normal(0 1)"}, "Unexpected '1' in the prior 'normal(0 1)'"),
    ],
)
def test_prior_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(PriorError, match=f"^{re.escape(message)}"):
        prior(**kwargs)
