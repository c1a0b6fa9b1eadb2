"""Lowering of every family kind: the model's log density equals brms's Stan program by hand.

Each case is a small hand-built design (12 rows, one slope ``x``, a grouping factor ``g`` with
three levels). At random parameter values the lowered ``log_density`` must equal the likelihood
written with scipy (brms 2.18's parameterization: tests/fixtures/families/stancode.json) plus
every prior term with its truncation constant plus ``std_normal(z)``; the draws' names must be
brms's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import jax
import numpy as np
import pytest
from scipy import special, stats

from brmsjax.backend.cache import ONE_OFF_OPTIONS
from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.infer.draws import variable_names
from brmsjax.backend.model.lower import lower
from brmsjax.backend.priors.resolve import ParamPrior
from brmsjax.formula.design.ir import Design, FixedBlock, GroupBlock, Response
from tests.model.test_lower import _scipy_prior

fast_jit = partial(jax.jit, compiler_options=ONE_OFF_OPTIONS)
N = 12
RNG = np.random.default_rng(5)
X1 = np.round(RNG.normal(size=N), 2)
X2 = np.round(RNG.normal(size=N), 2)
J = np.arange(N) % 3
LEVELS = ("a", "b", "c")
TRIALS = np.array([5, 8, 3, 6, 9, 4, 7, 5, 6, 8, 2, 5], dtype=float)
WEIGHTS = np.array([1, 2, 0.5, 1, 1, 3, 1, 1, 2, 1, 1, 0.5])
COUNTS = np.array([0, 3, 1, 0, 7, 2, 0, 4, 1, 0, 2, 5], dtype=float)
ORDINAL = np.array([1, 2, 4, 3, 2, 1, 4, 4, 3, 2, 1, 3], dtype=float)
CATS = np.array([1, 2, 3, 3, 2, 1, 1, 3, 2, 2, 1, 3], dtype=float)
UNIT = np.array([0.1, 0.4, 0.35, 0.8, 0.55, 0.2, 0.9, 0.6, 0.3, 0.75, 0.45, 0.5])
REAL = np.round(RNG.normal(2.0, 1.5, N), 2)

T = PriorSpec("student_t", (3.0, 0.0, 2.5))
HALF_T = PriorSpec("student_t", (3.0, 0.0, 2.5), lb=0.0)
NORMAL = PriorSpec("normal", (0.0, 1.0))
GAMMA = PriorSpec("gamma", (0.01, 0.01))
GAMMA_NU = PriorSpec("gamma", (2.0, 0.1))  # bound lb = 1 from the family: truncated
BETA = PriorSpec("beta", (1.0, 1.0))


def fixed(dpar: str = "", thresholds: int = 0) -> FixedBlock:
    """``dpar ~ x`` (ordinal mu: no intercept column)."""
    if thresholds:
        return FixedBlock(dpar, ("x",), X1[:, None], False, thresholds=thresholds)
    return FixedBlock(dpar, ("Intercept", "x"), np.column_stack([np.ones(N), X1]), True)


def group(gid: int, dpar: str = "") -> GroupBlock:
    """``(1 | g)`` on ``dpar``."""
    return GroupBlock(gid, "g", LEVELS, ("Intercept",), (dpar,), True, J, np.ones((N, 1)))


@dataclass(frozen=True)
class Case:
    """A family, the design's response and blocks, priors, the likelihood by hand, names."""

    family: str
    y: np.ndarray
    blocks: tuple[FixedBlock, ...]
    groups: tuple[GroupBlock, ...]
    priors: dict[str, tuple[PriorSpec, ...]]
    loglik: Callable[[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]], np.ndarray]
    names: tuple[str, ...]
    addition: dict[str, np.ndarray] = field(default_factory=dict)
    fixed_dpars: dict[str, float] = field(default_factory=dict)
    levels: tuple[str, ...] | None = None

    def design(self, y: np.ndarray | None = None) -> Design:
        resp = Response("y", self.y if y is None else y, self.levels, self.addition)
        return Design(resp, self.blocks, self.groups, np.arange(N), self.fixed_dpars)

    def resolved(self) -> dict[str, ParamPrior]:
        return {k: ParamPrior(k, v) for k, v in self.priors.items()}


def r_names(dpar: str = "") -> list[str]:
    base = f"r_g__{dpar}" if dpar else "r_g"
    return [f"{base}[{lv},Intercept]" for lv in LEVELS]


MU = {"Intercept": (T,), "b": (NORMAL,), "sd_1": (HALF_T,)}
MU_NAMES = ("b_Intercept", "b_x", "sd_g__Intercept")
END = ("lprior", "lp__")


def _cumulative(y: np.ndarray, eta: dict, v: dict) -> np.ndarray:
    thres = np.concatenate([[-np.inf], v["Intercept"], [np.inf]])
    k = y.astype(int)
    disc = np.exp(eta["disc"]) if "disc" in eta else 1.0
    upper = special.expit(disc * (thres[k] - eta[""]))
    lower_ = special.expit(disc * (thres[k - 1] - eta[""]))
    return np.log(upper - lower_)


def _categorical(y: np.ndarray, eta: dict, v: dict) -> np.ndarray:
    full = np.column_stack([np.zeros(N), eta["mu2"], eta["mu3"]])
    return special.log_softmax(full, axis=1)[np.arange(N), y.astype(int) - 1]


def _zip(y: np.ndarray, eta: dict, v: dict) -> np.ndarray:
    lam, zi = np.exp(eta[""]), v["zi"]
    return np.where(
        y == 0, np.log(zi + (1 - zi) * np.exp(-lam)), np.log1p(-zi) + stats.poisson.logpmf(y, lam)
    )


CASES: dict[str, Case] = {
    "poisson": Case(
        "poisson",
        COUNTS,
        (fixed(),),
        (group(1),),
        MU,
        lambda y, e, v: stats.poisson.logpmf(y, np.exp(e[""])),
        (*MU_NAMES, *r_names(), *END),
    ),
    "poisson weights": Case(
        "poisson",
        COUNTS,
        (fixed(),),
        (),
        {"Intercept": (T,), "b": (NORMAL,)},
        lambda y, e, v: WEIGHTS * stats.poisson.logpmf(y, np.exp(e[""])),
        ("b_Intercept", "b_x", *END),
        addition={"weights": WEIGHTS},
    ),
    "binomial trials": Case(
        "binomial",
        np.minimum(COUNTS, TRIALS),
        (fixed(),),
        (group(1),),
        MU,
        lambda y, e, v: stats.binom.logpmf(y, TRIALS, special.expit(e[""])),
        (*MU_NAMES, *r_names(), *END),
        addition={"trials": TRIALS},
    ),
    "bernoulli": Case(
        "bernoulli",
        (COUNTS > 1).astype(float),
        (fixed(),),
        (),
        {"Intercept": (T,), "b": (NORMAL,)},
        lambda y, e, v: stats.bernoulli.logpmf(y, special.expit(e[""])),
        ("b_Intercept", "b_x", *END),
    ),
    "negbinomial shape": Case(
        "negbinomial",
        COUNTS,
        (fixed(),),
        (group(1),),
        {**MU, "shape": (GAMMA,)},
        lambda y, e, v: stats.nbinom.logpmf(
            y, v["shape"], v["shape"] / (v["shape"] + np.exp(e[""]))
        ),
        (*MU_NAMES, "shape", *r_names(), *END),
    ),
    "student nu": Case(
        "student",
        REAL,
        (fixed(),),
        (),
        {"Intercept": (T,), "b": (NORMAL,), "sigma": (HALF_T,), "nu": (GAMMA_NU,)},
        lambda y, e, v: stats.t.logpdf(y, v["nu"], e[""], v["sigma"]),
        ("b_Intercept", "b_x", "sigma", "nu", *END),
    ),
    "student nu = 4": Case(
        "student",
        REAL,
        (fixed(),),
        (),
        {"Intercept": (T,), "b": (NORMAL,), "sigma": (HALF_T,)},
        lambda y, e, v: stats.t.logpdf(y, 4.0, e[""], v["sigma"]),
        ("b_Intercept", "b_x", "sigma", "nu", *END),
        fixed_dpars={"nu": 4.0},
    ),
    "zero_inflated_poisson zi": Case(
        "zero_inflated_poisson",
        COUNTS,
        (fixed(),),
        (),
        {"Intercept": (T,), "b": (NORMAL,), "zi": (BETA,)},
        _zip,
        ("b_Intercept", "b_x", "zi", *END),
    ),
    "beta phi": Case(
        "beta",
        UNIT,
        (fixed(),),
        (),
        {"Intercept": (T,), "b": (NORMAL,), "phi": (GAMMA,)},
        lambda y, e, v: stats.beta.logpdf(
            y, special.expit(e[""]) * v["phi"], (1 - special.expit(e[""])) * v["phi"]
        ),
        ("b_Intercept", "b_x", "phi", *END),
    ),
    "gaussian sigma ~ x + (1 | g)": Case(
        "gaussian",
        REAL,
        (fixed(), fixed("sigma")),
        (group(1, "sigma"),),
        {
            "Intercept": (T,),
            "b": (NORMAL,),
            "Intercept_sigma": (T,),
            "b_sigma": (NORMAL,),
            "sd_1": (HALF_T,),
        },
        lambda y, e, v: stats.norm.logpdf(y, e[""], np.exp(e["sigma"])),
        (
            "b_Intercept",
            "b_sigma_Intercept",
            "b_x",
            "b_sigma_x",
            "sd_g__sigma_Intercept",
            *r_names("sigma"),
            *END,
        ),
    ),
    "cumulative": Case(
        "cumulative",
        ORDINAL,
        (fixed(thresholds=3),),
        (group(1),),
        {"Intercept": (T, T, T), "b": (NORMAL,), "sd_1": (HALF_T,)},
        _cumulative,
        (
            "b_Intercept[1]",
            "b_Intercept[2]",
            "b_Intercept[3]",
            "b_x",
            "sd_g__Intercept",
            "disc",
            *r_names(),
            *END,
        ),
    ),
    "cumulative disc ~ x": Case(
        "cumulative",
        ORDINAL,
        (fixed(thresholds=3), fixed("disc")),
        (),
        {"Intercept": (T, T, T), "b": (NORMAL,), "Intercept_disc": (NORMAL,), "b_disc": (NORMAL,)},
        _cumulative,
        (
            "b_Intercept[1]",
            "b_Intercept[2]",
            "b_Intercept[3]",
            "b_disc_Intercept",
            "b_x",
            "b_disc_x",
            *END,
        ),
    ),
    "student nu ~ x (logm1)": Case(
        "student",
        REAL,
        (fixed(), fixed("nu")),
        (),
        {
            "Intercept": (T,),
            "b": (NORMAL,),
            "sigma": (HALF_T,),
            "Intercept_nu": (T,),
            "b_nu": (NORMAL,),
        },
        lambda y, e, v: stats.t.logpdf(y, np.exp(e["nu"]) + 1, e[""], v["sigma"]),
        ("b_Intercept", "b_nu_Intercept", "b_x", "b_nu_x", "sigma", *END),
    ),
    "zero_inflated_poisson zi ~ x (logit)": Case(
        "zero_inflated_poisson",
        COUNTS,
        (fixed(), fixed("zi")),
        (group(1, "zi"),),
        {
            "Intercept": (T,),
            "b": (NORMAL,),
            "Intercept_zi": (T,),
            "b_zi": (NORMAL,),
            "sd_1": (HALF_T,),
        },
        lambda y, e, v: _zip(y, e, {"zi": special.expit(e["zi"])}),
        (
            "b_Intercept",
            "b_zi_Intercept",
            "b_x",
            "b_zi_x",
            "sd_g__zi_Intercept",
            *r_names("zi"),
            *END,
        ),
    ),
    "categorical": Case(
        "categorical",
        CATS,
        (fixed("mu2"), fixed("mu3")),
        (group(1, "mu2"), group(2, "mu3")),
        {
            "Intercept_mu2": (T,),
            "b_mu2": (NORMAL,),
            "Intercept_mu3": (T,),
            "b_mu3": (NORMAL,),
            "sd_1": (HALF_T,),
            "sd_2": (HALF_T,),
        },
        _categorical,
        (
            "b_mu2_Intercept",
            "b_mu3_Intercept",
            "b_mu2_x",
            "b_mu3_x",
            "sd_g__mu2_Intercept",
            "sd_g__mu3_Intercept",
            *r_names("mu2"),
            *r_names("mu3"),
            *END,
        ),
        levels=("1", "2", "3"),
    ),
}


def hand_eta(case: Case, v: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """brms's Stan linear predictors: ``Intercept + Xc * b + r[J] * Z`` per dpar."""
    eta: dict[str, np.ndarray] = {}
    for block in case.blocks:
        s = f"_{block.dpar}" if block.dpar else ""
        xc = X1 - X1.mean()
        e = xc * np.atleast_1d(v[f"b{s}"])[0]
        if block.intercept:
            e = e + v[f"Intercept{s}"]
        eta[block.dpar] = e
    for g in case.groups:
        r = v[f"sd_{g.id}"][:, None] * v[f"z_{g.id}"]
        eta[g.dpars[0]] = eta[g.dpars[0]] + r[0, J]
    return eta


def hand_lprior(case: Case, v: dict[str, np.ndarray]) -> float:
    """Every prior term; ``nu``'s gamma prior is truncated at its family bound 1."""
    total = 0.0
    for name, specs in case.priors.items():
        for spec, x in zip(specs, np.atleast_1d(v[name]), strict=True):
            if spec.dist == "gamma" and name == "nu":
                a, rate = spec.args
                total += stats.gamma.logpdf(x, a, scale=1 / rate) - math.log(
                    stats.gamma.sf(1.0, a, scale=1 / rate)
                )
            elif spec.dist == "beta":
                total += stats.beta.logpdf(x, *spec.args)
            else:
                total += _scipy_prior(spec, x)
    return total


@pytest.mark.parametrize("name", CASES, ids=list(CASES))
def test_log_density_equals_brms_by_hand(name: str) -> None:
    case = CASES[name]
    lowered = lower(case.design(), get_family(case.family), case.resolved())
    prog = lowered.program

    def evaluate(u: jax.Array, data: dict, prior_args: dict) -> tuple[dict, jax.Array]:
        v = prog.constrain(u)
        return v, prog.log_density(v, data, prior_args)

    data, prior_args = lowered.model_args
    u = np.random.default_rng(2).uniform(-1.5, 1.5, (2, prog.dim))
    with jax.enable_x64(True):
        values, got = fast_jit(jax.vmap(evaluate, (0, None, None)))(u, data, prior_args)
    for i in range(len(u)):
        v = {k: np.asarray(x[i]) for k, x in values.items()}
        loglik = case.loglik(case.y, hand_eta(case, v), v).sum()
        z = sum(stats.norm.logpdf(v[f"z_{g.id}"]).sum() for g in case.groups)
        expected = loglik + hand_lprior(case, v) + z
        assert float(got[i]) == pytest.approx(expected, rel=1e-10, abs=1e-8)


@pytest.mark.parametrize("name", CASES, ids=list(CASES))
def test_variable_names_are_brms(name: str) -> None:
    case = CASES[name]
    lowered = lower(case.design(), get_family(case.family), case.resolved())
    assert variable_names(lowered.names) == list(case.names)
