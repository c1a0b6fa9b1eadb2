"""The docs site's generated parts: the brms -> brmsjax guide table and the gallery hook.

The guide (docs/_ext/brms_guide.py) must give every brms 2.18 name a row and show a
counterpart only where brmsjax has it; the gallery hook must turn an example's warning into an
error (and restore Sphinx's filters after); CI must build the site with warnings as errors.
The build itself (about two minutes, the gallery executed) runs in .ci/run.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import brms_guide  # noqa: E402
import gallery_warnings  # noqa: E402


def test_every_brms_name_has_one_row() -> None:
    names = brms_guide.brms_names()
    rows = brms_guide.rows()
    assert len(names) == 313
    assert {"brm", "kfold", "loo_moment_match", "reloo", "pp_check", "dstudent_t"} <= set(names)
    assert [r.name for r in rows] == [*names, *brms_guide.STATS_FAMILIES]
    assert {r.section for r in rows} == set(brms_guide.SECTIONS)


@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        ("fit.loo", True),
        ("fit.summary", True),
        ("fit.criteria", True),
        ("fit.no_such_method", False),
        ("bj.brm", True),
        ("bj.no_such_function", False),
        ("f:y ~ s(x)", True),
        ("f:yc | trials(n) ~ x ; binomial", True),
        ("f:y ~ x + (1 | )", False),
        ("f:y ~ no_such_term(x)", False),
        ("p:horseshoe(df = 3)", True),
        ("-", False),
    ],
)
def test_probe_reports_what_brmsjax_has(probe: str, expected: bool) -> None:
    assert brms_guide.available(probe, brms_guide.probe_data()) is expected


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ("brm", "``bj.brm(formula, data, family=..., prior=...)``"),
        ("LOO", "deprecated in brms; use ``loo``"),
        ("make_stancode", "n/a: no Stan code: brmsjax lowers the design to a NumPyro model"),
        ("bridge_sampler", "*not yet*"),
        ("kfold", '``fit.kfold(K=10, folds="stratified", group="g")``'),
        ("reloo", "``fit.reloo()`` (refits for high Pareto k)"),
        (
            "loo_moment_match",
            "``fit.loo_moment_match()`` (``split``, ``cov`` as loo; not for gaussian models "
            "with group-level terms)",
        ),
        ("post_prob", "*not yet*; needs bridge sampling (not yet)"),
        ("poisson", '``bj.poisson()`` or ``family="poisson"``'),
        ("dstudent_t", "*not yet*"),
        ("cor_ar", "deprecated in brms; use autocorrelation terms in the formula"),
    ],
)
def test_guide_cells(name: str, cell: str) -> None:
    (row,) = [r for r in brms_guide.rows() if r.name == name]
    assert brms_guide._cell(row, brms_guide.probe_data()) == cell


def test_guide_text_is_one_list_table_per_section() -> None:
    text = brms_guide.guide_text()
    assert text.count(".. list-table::") == len(brms_guide.SECTIONS)
    assert "   * - ``loo``\n     - ``fit.loo()``" in text
    assert text.startswith("Of 318 rows, ")


def test_gallery_hook_makes_warnings_errors_and_restores_filters() -> None:
    before = list(warnings.filters)
    gallery_warnings.reset({}, "plot_x.py", "before")
    with pytest.raises(UserWarning, match="inside an example"):
        warnings.warn("inside an example", UserWarning, stacklevel=1)
    gallery_warnings.reset({}, "plot_x.py", "after")
    assert warnings.filters == before


def test_ci_builds_the_docs_with_warnings_as_errors() -> None:
    run = (ROOT / ".ci" / "run").read_text()
    assert 'pip install --quiet -e ".[test,docs]"' in run
    assert "python -m sphinx -W --keep-going -q -b html docs docs/_build/html" in run
