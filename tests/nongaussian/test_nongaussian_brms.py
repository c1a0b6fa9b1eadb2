"""Agreement with real brms 2.18 on bench_nongaussian.py's cases (slow: full 4-chain fits).

References: benchmarks/brms_refs/ng/<case>.json, written by benchmarks/brms_refs/ng/fit_ng.R
(4 chains x (1000 + 2500), seed 2026). Criteria of benchmarks/compare_brms_refs.py:
``|dmean| <= 0.1 sd`` and sd within 10% for every population-level and hyperparameter (group
effects 0.15, at most 40 of them), and no divergent transition.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

import brmsjax as bj

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "form"),
    [
        ("exam_ln", "marginal"),  # lognormal, one term: gaussian on log y, effects integrated out
        ("orth", "plain"),  # distributional, correlated term, diagonal metric (brms: 33 divergent)
    ],
)
def test_agrees_with_brms(case: str, form: str) -> None:
    formula, family, csv = _load("bench_nongaussian").CASES[case]
    ref = json.loads((BENCH / "brms_refs" / "ng" / f"{case}.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm(formula, pd.read_csv(csv), family=family, chains=4, iter=2000, seed=2026)
    assert fit.model.forms["likelihood"] == form
    n, bad = _load("compare_brms_refs").compare(
        fit.draws(), {r["variable"]: r for r in ref["summary"]}
    )
    assert n >= 5
    assert bad == []
    assert int(fit.sampler_stats["divergent__"].sum()) == 0
