"""Category-specific group-level terms ``(cs(1) | g)`` of ordinal models: make_standata,
get_prior and the effects' names equal brms 2.18's, brms's errors and warning.

The references are recorded by ``tests/fixtures/cs_group/make_fixtures.R`` (brms 2.18.0) on
the small data ``data.csv`` of that folder; its ``*.stan`` files are brms's programs.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brmsjax
from brmsjax.api import design_for, get_family, resolve_priors
from brmsjax.backend.model.terms.cs_groups import cs_dpars
from brmsjax.backend.priors.user import prior
from brmsjax.formula.design.newdata import encode_newdata
from brmsjax.formula.design.special.cs_groups import CsGroupBlock, cs_thresholds
from brmsjax.formula.errors import BrmsjaxError

HERE = Path(__file__).parents[1] / "fixtures" / "cs_group"
REFERENCE = json.loads((HERE / "cases.json").read_text())
CASES = (
    "acat_cs1",
    "sratio_csx",
    "cratio_mixed",
    "cumulative_cs1",
    "acat_shared",
    "acat_cs_both",
)


def data() -> pd.DataFrame:
    """The fixtures' data: ``y`` in 1..4, ``x``, groups ``g`` (5 levels) and ``h`` (3)."""
    return pd.read_csv(HERE / "data.csv")


def _quiet(fn, *args, **kwargs):  # cumulative's cs() warning is tested on its own
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kwargs)


@pytest.mark.parametrize("case", CASES)
def test_standata_equals_brms(case: str) -> None:
    ref = REFERENCE[case]
    got = _quiet(brmsjax.make_standata, ref["formula"], data(), family=ref["family"])
    assert list(got) == ref["standata_names"]
    for key, value in ref["standata"].items():
        np.testing.assert_array_equal(
            np.asarray(got[key], dtype=float).reshape(-1), np.asarray(value, float), err_msg=key
        )


@pytest.mark.parametrize("case", CASES)
def test_get_prior_equals_brms(case: str) -> None:
    ref = REFERENCE[case]
    table = _quiet(brmsjax.get_prior, ref["formula"], data(), family=ref["family"])
    cols = ["prior", "class", "coef", "group", "lb", "ub"]
    got = table[cols].astype(str).replace({"nan": "", "None": ""}).to_dict("records")
    assert got == pd.DataFrame(ref["prior"])[cols].astype(str).to_dict("records")


@pytest.mark.parametrize("case", CASES)
def test_effects_are_brms_ranef(case: str) -> None:
    """Each ID's coefficients in brms's order (``tidy_ranef``), and which are category
    specific with their threshold (the ``[k]`` of the name)."""
    ref = pd.DataFrame(REFERENCE[case]["ranef"])
    design = _quiet(
        design_for, REFERENCE[case]["formula"], data(), get_family(REFERENCE[case]["family"])
    )
    got = [(g.id, g.group, c) for g in design.groups for c in g.coefs]
    assert got == list(zip(ref["id"], ref["group"], ref["coef"], strict=True))
    thresholds = [t for g in design.groups for t in cs_thresholds(g)]
    expected = [
        int(re.search(r"\[(\d)\]$", c).group(1)) if t == "cs" else 0
        for c, t in zip(ref["coef"], ref["type"], strict=True)
    ]
    assert thresholds == expected
    assert [isinstance(g, CsGroupBlock) for g in design.groups] == [
        "cs" in set(ref["type"][ref["id"] == g.id]) for g in design.groups
    ]


@pytest.mark.parametrize(
    ("formula", "family", "message"),
    [
        (
            REFERENCE["errors"][k]["formula"],
            REFERENCE["errors"][k]["family"],
            REFERENCE["errors"][k]["message"],
        )
        for k in ("mixed", "gaussian", "categorical", "mm")
    ]
    + [
        (
            "y ~ x + (cs(1) | gr(g, by = h))",
            "acat",
            "A category-specific group-level term (cs(1) | g) cannot have the gr() options",
        ),
        ("y ~ x + (cs(1, x) | g)", "acat", "cs() takes one term, such as cs(1) or cs(x)."),
    ],
)
def test_brms_errors(formula: str, family: str, message: str) -> None:
    with pytest.raises(BrmsjaxError) as err:
        brmsjax.make_standata(formula, data(), family=family)
    assert message in str(err.value)


def test_cs_group_of_another_dpar_is_brms_error() -> None:
    ref = REFERENCE["errors"]["dpar"]
    with pytest.raises(BrmsjaxError) as err:
        brmsjax.make_standata(
            brmsjax.bf("y ~ x", "disc ~ (cs(1) | g)"), data(), family="cumulative"
        )
    assert ref["message"] in str(err.value)


def test_cumulative_warns_as_brms() -> None:
    message = REFERENCE["warning"].splitlines()[0].split("Warning message:")[0].strip()
    with pytest.warns(UserWarning, match=re.escape(message)):
        brmsjax.make_standata("y ~ x + (cs(1) | g)", data(), family="cumulative")


@pytest.mark.parametrize(
    ("formula", "coefs"),
    [
        (
            "y ~ x + (1 + cs(x) | g)",
            ["Intercept[1]", "Intercept[2]", "Intercept[3]", "x[1]", "x[2]", "x[3]"],
        ),
        (
            "y ~ x + (0 + cs(x) | g)",
            ["Intercept[1]", "Intercept[2]", "Intercept[3]", "x[1]", "x[2]", "x[3]"],
        ),
        ("y ~ x + (cs(0 + x) | g)", ["x[1]", "x[2]", "x[3]"]),
        (
            "y ~ x + (cs(1) + cs(x) || g)",
            ["Intercept[1]", "Intercept[2]", "Intercept[3]", "x[1]", "x[2]", "x[3]"],
        ),
    ],
)
def test_intercept_lives_inside_cs(formula: str, coefs: list[str]) -> None:
    """brms 2.18's ``get_prior`` rows of these terms (checked with R): the intercept of the
    term is the one inside ``cs()``, as ``terms_cs`` builds ``~ x`` from ``cs(x)``."""
    design = design_for(formula, data(), get_family("acat"))
    assert list(design.groups[0].coefs) == coefs


def test_prior_on_one_threshold_sd() -> None:
    """``set_prior(..., class = "sd", coef = "Intercept[2]", group = "g")`` reaches brms's
    ``sd_1[2]`` only (brms 2.18's make_stancode, checked in R: ``normal_lpdf(sd_1[2] | 0, 1)``
    and ``student_t_lpdf(sd_1[k] | 3, 0, 2.5)`` for k = 1, 3)."""
    fam = get_family("acat")
    design = design_for("y ~ x + (cs(1) | g)", data(), fam)
    resolved = resolve_priors(
        design, fam, [prior("normal(0, 1)", "sd", coef="Intercept[2]", group="g")]
    )
    specs = resolved["sd_1"].specs
    assert [(s.dist, s.args) for s in specs] == [
        ("student_t", (3.0, 0.0, 2.5)),
        ("normal", (0.0, 1.0)),
        ("student_t", (3.0, 0.0, 2.5)),
    ]


@pytest.mark.parametrize(
    "formula",
    ["y ~ x + (1 | p | g) + (cs(1) | p | g)", "y ~ x + (cs(x) | g) + (1 | h)"],
)
def test_newdata_encodes_as_fitted(formula: str) -> None:
    """New data (here the fitted rows) get the fitted blocks' columns, a category-specific
    term's once per threshold, and the tags that send them to the thresholds."""
    design = design_for(formula, data(), get_family("acat"))
    new = encode_newdata(design, data())
    for enc, block in zip(new.groups, design.groups, strict=True):
        assert enc.columns == tuple(range(block.M))
        np.testing.assert_array_equal(enc.Z, block.Z)
        np.testing.assert_array_equal(enc.J, block.J)
    tags = [cs_dpars(g) for g in design.groups]
    if "p" in formula:
        assert tags == [("", "mucs[1]", "mucs[2]", "mucs[3]")]
    else:
        assert tags == [tuple(f"mucs[{k}]" for _ in "ix" for k in (1, 2, 3)), ("",)]
