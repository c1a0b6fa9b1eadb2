"""The issue-20 benchmark cases as brms sees them: design columns, form and centring choice.

Fast (lowering only). benchmarks/compare_ng_refs.py compares these cases with real brms 2.18
fits (benchmarks/brms_refs/ng/<case>.json, written by fit_ng.R, which reads ``YEAR``,
``BROOD``, ``LOCATION`` and ``district`` as characters). grouseticks's ``YEAR`` (95, 96, 97) is a
factor: read as a number it made a one-slope model unlike brms's, whose NUTS run had 111-264
divergent transitions (``b_Intercept`` 48 against brms's 0.51). With the factor, brms's
non-centred coordinates for both terms are the rule's choice (negbinomial gets no centring) and
the fit had 1 divergent transition against brms's 6.
"""

from __future__ import annotations

import warnings

import pytest

from brmsjax.api import design_for
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.infer.nuts import dense_metric
from brmsjax.backend.model.lower import lower
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.formula.design.design import DataWarning
from tests.helpers import load_bench


@pytest.mark.parametrize(
    ("case", "columns", "levels", "form", "centred", "dense"),
    [
        # negbinomial, two terms (LOCATION's levels hold whole BROODs): brms's z for both; the
        # glm form (one shape): backend/model/glm_families/negbinomial_glm.py
        ("ticks", ("Intercept", "YEAR96", "YEAR97", "cHEIGHT"), [118, 63], "glm", [0, 0], False),
        # bernoulli, 1,934 rows and 60 districts: weakly informed levels, non-centred; the
        # glm form (glm_forms.GLM_MIN_ROWS)
        (
            "contra",
            ("Intercept", "age", "urbanY", "livch1", "livch2", "livch3P"),
            [60],
            "glm",
            [0],
            False,
        ),
        # gaussian crossed 24 x 6: plates integrated out (the hybrid form), 24 rows per
        # sample level, its intercepts centred; 10 coordinates, a dense metric
        ("penicillin", ("Intercept",), [24, 6], "hybrid", [0, 1], True),
        # gaussian nested, 6,511 rows: both terms integrated out
        (
            "star_nested",
            ("Intercept", "age", "female", "black"),
            [76, 367],
            "marginal",
            [0, 0],
            True,
        ),
    ],
)
def test_case_design_and_coordinates(
    case: str,
    columns: tuple[str, ...],
    levels: list[int],
    *,
    form: str,
    centred: list[int],
    dense: bool,
) -> None:
    compare = load_bench("compare_ng_refs")
    formula, family, _ = compare.cases()[case]
    fam = get_family(family)
    with warnings.catch_warnings():  # STAR: 32 rows with a missing value are left out
        warnings.simplefilter("ignore", DataWarning)
        design = design_for(formula, compare.frame(case), fam)
    model = lower(design, fam, resolve_priors(design, fam, None))
    assert design.fixed[0].columns == columns
    assert [g.n_levels for g in design.groups] == levels
    assert model.forms["likelihood"] == form
    assert [g.centred for g in model.structure.groups] == centred
    assert dense_metric(model) is dense


def test_ticks_reads_year_as_a_factor() -> None:
    frame = load_bench("bench_nongaussian").frame("ticks")
    assert sorted(frame["YEAR"].unique()) == ["95", "96", "97"]
    assert frame["BROOD"].iloc[0] == "501"
