"""Fits in the crossed marginal form against the form with sampled group effects and lme4.

lme4's Penicillin (``diameter ~ 1 + (1 | plate) + (1 | sample)``, 24 x 6 crossed levels,
tests/fixtures/crossed: the data and lme4's REML estimates, made by lme4_refs.R).
"""

from __future__ import annotations

import functools
import json
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax.backend.model.lower as lowering
from brmsjax import brm

FIXTURES = "tests/fixtures/crossed"
HYPER = ("b_", "sd_", "sigma")


def penicillin_fit(monkeypatch: pytest.MonkeyPatch, form: dict[str, Any]) -> Any:
    """lme4's Penicillin fitted by ``brm`` (4 chains x 2000, seed 4) with ``form`` passed to
    ``lower`` (e.g. ``{"likelihood": "marginal"}`` or ``{"marginalize": False}``)."""
    monkeypatch.setattr(lowering, "lower", functools.partial(lowering.lower, **form))
    data = pd.read_csv(f"{FIXTURES}/penicillin.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = brm(
            "diameter ~ 1 + (1 | plate) + (1 | sample)",
            data,
            chains=4,
            iter=2000,
            seed=4,
            progress=False,
        )
    monkeypatch.undo()
    return fit


def assert_posteriors_agree(new: Any, old: Any) -> None:
    """``new``'s draws carry ``old``'s brms names (``r_`` included) and agree with them
    (means within 0.1 sd, sds within 10%, for ``b_``, ``sd_``, ``sigma`` and ``r_``), and
    ``new`` has no divergent transition."""
    dn, do = new.draws(), old.draws()
    assert list(dn.columns) == list(do.columns)  # every brms name, r_ included
    cols = [c for c in dn.columns if c.startswith(HYPER)]
    cols += [c for c in dn.columns if c.startswith("r_")]
    sd = do[cols].std()
    assert np.all(np.abs(dn[cols].mean() - do[cols].mean()) / sd < 0.1)
    np.testing.assert_allclose(dn[cols].std(), sd, rtol=0.1)
    assert int(new.sampler_stats["divergent__"].sum()) == 0


@pytest.mark.slow
def test_penicillin_posterior_agrees_with_sampled_group_effects_and_lme4(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    new = penicillin_fit(monkeypatch, {"likelihood": "marginal"})
    old = penicillin_fit(monkeypatch, {"marginalize": False})
    assert_posteriors_agree(new, old)
    dn = new.draws()
    with open(f"{FIXTURES}/lme4_refs.json") as fh:
        ref = json.load(fh)["penicillin"]
    icpt = dn["b_Intercept"]
    assert abs(icpt.mean() - ref["fixef"]["(Intercept)"]) < 0.3 * icpt.std()
    assert abs(dn["sigma"].mean() - ref["sd"]["Residual"]) < 0.3 * dn["sigma"].std()
    epred = new.posterior_epred()
    assert epred.shape == (4000, 144)
    np.testing.assert_allclose(epred.mean(0), old.posterior_epred().mean(0), atol=0.05)
