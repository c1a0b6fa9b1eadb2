"""The sratio, cratio and acat families against brms 2.18's Stan functions, evaluated in R.

``tests/fixtures/ordinal/make_loglik.R`` writes the log probability of every category for
random ``mu``, ``disc`` and per-row thresholds (as category-specific effects make them) with
brms's ``<family>_<link>_lpmf`` formulas, checked there against brms's own R densities; and
the pointwise log likelihood of whole models on the wine data at given parameter values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jax
import numpy as np
import pytest

from brmsjax import datasets
from brmsjax.backend.families import registry as fam
from brmsjax.backend.infer.draws import variable_names
from brmsjax.backend.model.lower import lower
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.formula.design.design import build_design

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ordinal"
CASES = json.loads((FIXTURES / "loglik.json").read_text())


@pytest.fixture(autouse=True)
def _x64() -> Iterator[None]:
    with jax.enable_x64(True):
        yield


def _family(case: dict) -> fam.Family:
    return getattr(fam, case["family"])(case["link"])


def _dpars(case: dict) -> dict:
    return {"thres": np.asarray(case["thres"]), "disc": np.asarray(case["disc"])}


@pytest.mark.parametrize("case", CASES, ids=[f"{c['family']}-{c['link']}" for c in CASES])
def test_log_probs_equal_brms_stan_functions(case: dict) -> None:
    family = _family(case)
    logp = np.asarray(family.log_probs(np.asarray(case["mu"]), _dpars(case)))
    np.testing.assert_allclose(logp, np.asarray(case["logp"]), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", CASES[::4], ids=[c["family"] for c in CASES[::4]])
def test_log_lik_picks_the_observed_category(case: dict) -> None:
    family = _family(case)
    ref = np.asarray(case["logp"])
    y = np.arange(len(case["mu"])) % ref.shape[1] + 1.0
    ll = family.log_lik_eta(y, np.asarray(case["mu"]), _dpars(case), {})
    np.testing.assert_allclose(ll, ref[np.arange(len(y)), y.astype(int) - 1], rtol=1e-10)
    probs = family.epred(np.asarray(case["mu"]), _dpars(case), {})
    np.testing.assert_allclose(np.sum(probs, axis=-1), 1.0, rtol=1e-12)


MODELS = json.loads((FIXTURES / "model_loglik.json").read_text())


@pytest.mark.parametrize("case_id", sorted(MODELS))
def test_model_log_lik_equals_brms_stan_program(case_id: str) -> None:
    """The lowered model's pointwise log likelihood at given parameters equals brms's Stan
    program evaluated in R: centring, thresholds (flexible, equidistant, sum) and cs()."""
    case = MODELS[case_id]
    family = getattr(fam, case["family"])(case["link"], threshold=case["threshold"])
    design = build_design(case["formula"], datasets.wine(), family=family)
    lowered = lower(design, family, resolve_priors(design, family), reparam=False)
    prog = lowered.program
    data, prior_args = lowered.model_args
    pars = case["pars"]
    values = {"Intercept": np.asarray(pars["Intercept"], dtype=float)}
    if np.size(pars["b"]):
        values["b"] = np.atleast_1d(np.asarray(pars["b"], dtype=float))
    if "delta" in pars:
        values["delta"] = np.asarray(pars["delta"], dtype=float)
    if "bcs" in pars:  # bcs[column, threshold], row by row
        values["bcs"] = np.asarray(pars["bcs"], dtype=float).reshape(-1)
    assert {s.name for s in lowered.sites} == set(values)
    ll = prog.pointwise(prog.assemble(values, prior_args, data), data)
    np.testing.assert_allclose(np.asarray(ll), np.asarray(case["loglik"]), rtol=1e-10, atol=1e-12)


THRESHOLD_NAMES = [
    ("flexible", []),
    ("equidistant", ["delta"]),
    ("sum", [f"Intercept_stz[{k}]" for k in range(1, 5)]),
]


@pytest.mark.parametrize(("threshold", "extra"), THRESHOLD_NAMES)
def test_variable_names_by_threshold(threshold: str, extra: list[str]) -> None:
    """brms 2.18's variables: first_Intercept is excluded, delta and Intercept_stz kept
    (``exclude_pars``), in ``reorder_pars``'s class order."""
    family = fam.cratio(threshold=threshold)
    design = build_design("rating ~ temp + cs(contact) + (1 | judge)", datasets.wine(), family)
    names = variable_names(lower(design, family, resolve_priors(design, family)).names)
    assert names[: names.index("r_judge[j1,Intercept]")] == [
        *(f"b_Intercept[{k}]" for k in range(1, 5)),
        "b_tempwarm",
        *(f"bcs_contactyes[{k}]" for k in range(1, 5)),
        "sd_judge__Intercept",
        "disc",
        *extra,
    ]
    assert names[-2:] == ["lprior", "lp__"]
