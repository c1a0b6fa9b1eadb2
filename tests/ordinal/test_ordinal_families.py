"""The sratio, cratio and acat families against brms 2.18's Stan functions, evaluated in R.

``tests/fixtures/ordinal/make_loglik.R`` writes the log probability of every category for
random ``mu``, ``disc`` and per-row thresholds (as category-specific effects make them) with
brms's ``<family>_<link>_lpmf`` formulas, checked there against brms's own R densities.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jax
import numpy as np
import pytest

from brmsjax.backend.families import registry as fam

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
