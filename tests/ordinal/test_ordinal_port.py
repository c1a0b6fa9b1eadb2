"""The R porter on brm() calls with the ordinal families, thresholds and cs()."""

from __future__ import annotations

import pytest

from brmsjax import datasets
from brmsjax.backend.priors.resolve import prior_table
from brmsjax.formula.design.design import build_design
from brmsjax.port import from_r
from brmsjax.rcode.rfamilies import FamilyCall

CASES = [
    (
        "brm(rating ~ temp + cs(contact), data = d, family = acat())",
        "acat",
        {},
        '"acat"',
        ("contactyes",),
    ),
    (
        'brm(rating ~ temp + cse(contact), data = d, family = sratio("cloglog", '
        'threshold = "equidistant"))',
        "sratio",
        {"link": "cloglog", "threshold": "equidistant"},
        'families.sratio(link="cloglog", threshold="equidistant")',
        ("contactyes",),
    ),
    (
        'brm(rating ~ temp * contact, data = d, family = cratio(link = "probit", '
        'threshold = "sum"))',
        "cratio",
        {"link": "probit", "threshold": "sum"},
        'families.cratio(link="probit", threshold="sum")',
        (),
    ),
]


@pytest.mark.parametrize(("code", "name", "kwargs", "python", "cs"), CASES)
def test_porter_reads_ordinal_families(
    code: str, name: str, kwargs: dict, python: str, cs: tuple[str, ...]
) -> None:
    call = from_r(code)
    assert isinstance(call.family, FamilyCall)
    assert (call.family.name, dict(call.family.kwargs)) == (name, kwargs)
    family = call.family.resolve()
    assert (family.name, family.threshold) == (name, kwargs.get("threshold", "flexible"))
    assert call.family.to_python() == python
    assert f"family={python}," in call.to_python()
    design = build_design(call.formula, datasets.wine(), family=family)
    assert design.fixed[0].cs_columns == cs
    assert len(prior_table(design, family)) > 0
