"""Agreement with real brms 2.18 on compare_ng_refs.py's cases (slow: full 4-chain fits).

References: benchmarks/brms_refs/ng/<case>.json, written by benchmarks/brms_refs/ng/fit_ng.R
(4 chains x (1000 + 2500) for exam_ln and orth, (1000 + 1000) for the others, seed 2026).
Criteria of benchmarks/compare_brms_refs.py: ``|dmean| <= 0.1 sd`` and sd within 10% for every
population-level and hyperparameter (group effects 0.15, at most 40 of them), and no more
divergent transitions than the table allows (0, except grouseticks: at most brms's 6).
"""

from __future__ import annotations

import json
import warnings

import pytest

import brmsjax as bj
from tests.helpers import BENCH, load_bench


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "form", "divergent"),
    [
        ("exam_ln", "marginal", 0),  # lognormal, one term: gaussian on log y, integrated out
        ("orth", "plain", 0),  # distributional, correlated term, diagonal metric (brms: 33)
        ("ticks", "glm", 6),  # negbinomial, two terms, one shape (brms: 6 divergent)
        ("penicillin", "hybrid", 0),  # gaussian crossed 24 x 6, plates integrated out (brms: 1)
        ("contra", "glm", 0),  # bernoulli, 1,934 rows, one term
        ("star_nested", "marginal", 0),  # gaussian nested, 6,511 rows (brms: 3,106 s)
    ],
)
def test_agrees_with_brms(case: str, form: str, divergent: int) -> None:
    compare = load_bench("compare_ng_refs")
    formula, family, _ = compare.cases()[case]
    ref = json.loads((BENCH / "brms_refs" / "ng" / f"{case}.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm(formula, compare.frame(case), family=family, chains=4, iter=2000, seed=2026)
    assert fit.model.forms["likelihood"] == form
    n, bad = load_bench("compare_brms_refs").compare(
        fit.draws(), {r["variable"]: r for r in ref["summary"]}
    )
    assert n >= 5
    assert bad == []
    assert int(fit.sampler_stats["divergent__"].sum()) <= divergent
