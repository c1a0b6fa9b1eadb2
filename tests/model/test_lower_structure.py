"""Lowered families' structure: derived intercepts, ordinal thresholds, refits, Stan bounds."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import jax
import numpy as np
import pandas as pd
import pytest
from numpyro.distributions import constraints

from brmsjax.api import design_for
from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.infer.draws import to_draws
from brmsjax.backend.infer.nuts import sample
from brmsjax.backend.model.lower import Site, lower, trace_count
from brmsjax.backend.priors.resolve import ParamPrior, resolve_priors
from brmsjax.formula.errors import ModelError
from tests.model.test_lower_families import CASES, ORDINAL, T, fast_jit

DERIVED = {
    "cumulative": ("b_Intercept", lambda v, m: v["Intercept"] + m[""] * v["b"][0]),
    "categorical": ("b_mu3_Intercept", lambda v, m: v["Intercept_mu3"] - m["mu3"] * v["b_mu3"][0]),
}


@pytest.mark.parametrize("name", DERIVED, ids=list(DERIVED))
def test_derived_intercepts_use_brms_signs(name: str) -> None:
    case = CASES[name]
    key, formula = DERIVED[name]
    lowered = lower(case.design(), get_family(case.family), case.resolved())
    prog = lowered.program
    u = np.random.default_rng(4).uniform(-1.5, 1.5, prog.dim)
    data, prior_args = lowered.model_args
    with jax.enable_x64(True):
        out = fast_jit(prog.derive)(u, data, prior_args)
        v = {k: np.asarray(x) for k, x in fast_jit(prog.constrain)(u).items()}
    means = {d: float(m[0]) for d, m in data["means_X"].items()}
    np.testing.assert_allclose(out[key], formula(v, means), rtol=1e-12)
    if name == "cumulative":
        assert np.all(np.diff(np.asarray(out[key])) > 0)
        assert float(out["disc"]) == 1.0


def test_ordered_thresholds_add_stans_jacobian() -> None:
    case = CASES["cumulative"]
    lowered = lower(case.design(), get_family("cumulative"), case.resolved())
    prog = lowered.program
    u = np.random.default_rng(8).uniform(-1.5, 1.5, prog.dim)
    with jax.enable_x64(True):
        v = {k: np.asarray(x) for k, x in fast_jit(prog.constrain)(u).items()}
        lp = float(fast_jit(prog.log_density)(v, *lowered.model_args))
        potential = float(fast_jit(prog.potential)(u, *lowered.model_args))
    thres = v["Intercept"]
    # Stan's ordered transform: thres[k] = thres[k-1] + exp(u_k), Jacobian sum(u_2..u_K)
    jacobian = np.log(np.diff(thres)).sum() + np.log(v["sd_1"]).sum()
    assert -potential == pytest.approx(lp + jacobian, rel=1e-12)


BAD: dict[str, tuple[dict[str, tuple[PriorSpec, ...]], str]] = {
    "constant threshold": (
        {"Intercept": (T, PriorSpec("constant", (0.5,)), T)},
        "The ordinal thresholds 'Intercept' take neither constant() priors nor bounds; give "
        "them unbounded priors such as student_t(3, 0, 2.5).",
    ),
    "bounded thresholds": (
        {"Intercept": (replace(T, lb=0.0),) * 3},
        "The ordinal thresholds 'Intercept' take neither constant() priors nor bounds; give "
        "them unbounded priors such as student_t(3, 0, 2.5).",
    ),
    "threshold count": (
        {"Intercept": (T, T)},
        "The prior of 'Intercept' has 2 element(s) but the parameter has 3; resolve the priors "
        "against this model's design.",
    ),
}


@pytest.mark.parametrize("name", BAD, ids=list(BAD))
def test_bad_threshold_priors_raise(name: str) -> None:
    changes, message = BAD[name]
    case = CASES["cumulative"]
    priors = {**case.resolved(), **{k: ParamPrior(k, v) for k, v in changes.items()}}
    with pytest.raises(ModelError, match=re.escape(message)):
        lower(case.design(), get_family("cumulative"), priors)


REFIT = {"cumulative new y": ("cumulative", ORDINAL[::-1].copy())}


@pytest.mark.parametrize("name", REFIT, ids=list(REFIT))
def test_refit_with_new_data_compiles_nothing(name: str) -> None:
    case_name, new_y = REFIT[name]
    case = CASES[case_name]
    family = get_family(case.family)
    settings = {"chains": 1, "iter": 30, "warmup": 15, "seed": 3}
    first = lower(case.design(), family, case.resolved())
    sample(first, **settings)
    traces = trace_count()
    second = lower(case.design(new_y), family, case.resolved())
    result = sample(second, **settings)
    assert second.program is first.program
    assert trace_count() == traces
    np.testing.assert_array_equal(second.data["y"], new_y)
    draws, _ = to_draws(result, second)
    assert list(draws.columns[:-3]) == list(case.names)


STAN = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "families" / "stancode.json").read_text()
)
DATA = Path(__file__).parents[2] / "brmsjax" / "data"
STAN_CASES = {  # as in tests/fixtures/families/make_stancode.R
    "wine_cumul": ("rating ~ temp + contact + (1 | judge)", "wine.csv", "cumulative"),
    "wine_categorical": ("rcat ~ temp + (1 | judge)", "wine.csv", "categorical"),
    "sleep_sigma": (
        "bf(Reaction ~ Days, sigma ~ Days + (1 | Subject))",
        "sleepstudy.csv",
        "gaussian",
    ),
    "sleep_student": ("Reaction ~ Days", "sleepstudy.csv", "student"),
    "sleep_student_nu4": ("bf(Reaction ~ Days, nu = 4)", "sleepstudy.csv", "student"),
    "epil_negbin": ("y ~ trt + (1 | subject)", "epil.csv", "negbinomial"),
    "epil_zip": ("y ~ trt", "epil.csv", "zero_inflated_poisson"),
    "sleep_beta": ("z ~ Days", "sleepstudy.csv", "beta"),
}
_DECL = re.compile(r"^\s*(real|vector|ordered)(<[^>]*>)?(?:\[[^\]]*\])?\s+(\w+)")
_FIXED = re.compile(r"^\s*real (\w+) = ([-\d.]+);")


def _stan_block(code: str, block: str) -> list[str]:
    start = code.index(f"\n{block} {{") + len(block) + 3
    return code[start : code.index("\n}", start)].splitlines()


def _declaration(site: Site) -> tuple[str, str, str]:
    """A site as Stan declares it: ``(type, bounds, name)``."""
    con = site.constraint
    if con is constraints.ordered_vector:
        return "ordered", "", site.name
    kind = "real" if site.shape == () else "vector"
    if con is constraints.real or site.name.startswith("z_"):
        return kind, "", site.name
    if con is constraints.positive:
        return kind, "<lower=0>", site.name
    if isinstance(con, constraints.greater_than):
        return kind, f"<lower={con.lower_bound:g}>", site.name
    assert isinstance(con, constraints.interval)
    return kind, f"<lower={con.lower_bound:g},upper={con.upper_bound:g}>", site.name


@pytest.mark.parametrize("name", STAN_CASES, ids=list(STAN_CASES))
def test_parameters_and_bounds_match_brms_stan_code(name: str) -> None:
    formula, csv, family_name = STAN_CASES[name]
    data = pd.read_csv(DATA / csv)
    data["rcat"] = pd.Categorical(data.iloc[:, 0].astype(str))
    data["z"] = np.random.default_rng(1).uniform(0.05, 0.95, len(data))
    family = get_family(family_name)
    design = design_for(formula, data, family)
    lowered = lower(design, family, resolve_priors(design, family, None))
    code = STAN[name]["stancode"]
    declared = [m.groups() for line in _stan_block(code, "parameters") if (m := _DECL.match(line))]
    expected = sorted((t, b or "", n) for t, b, n in declared)
    assert sorted(_declaration(s) for s in lowered.sites) == expected
    fixed = {
        m.group(1): float(m.group(2))
        for line in _stan_block(code, "transformed parameters")
        if (m := _FIXED.match(line)) and m.group(1) != "lprior"
    }
    assert {d: float(lowered.data["fixed_dpars"][d]) for d in lowered.structure.shown} == fixed
