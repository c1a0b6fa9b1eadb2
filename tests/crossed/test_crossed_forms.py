"""Which models get the crossed marginal form, and the messages of those that cannot."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from brmsjax.api import design_for
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.model.crossed.data import AUTO_DENSE_MAX, DENSE_MAX, crossed_data
from brmsjax.backend.model.lower import lower
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.formula.errors import ModelError

PENICILLIN = pd.read_csv("tests/fixtures/crossed/penicillin.csv")


def forms(formula: str, data: pd.DataFrame, **kwargs: object) -> dict:
    fam = get_family("gaussian")
    design = design_for(formula, data, fam)
    return lower(design, fam, resolve_priors(design, fam, []), **kwargs).forms


def wide(levels: int) -> pd.DataFrame:
    """Crossed ``g`` (``levels + 40`` levels, eliminated) and ``h`` (``levels``), at least
    600 rows."""
    n = max(600, levels + 40)
    k = np.arange(n)
    y = np.random.default_rng(0).normal(size=n)
    g, h = [f"g{v}" for v in k % (levels + 40)], [f"h{v}" for v in k % levels]
    return pd.DataFrame({"g": g, "h": h, "y": y})


AUTO = {  # formula, data, options, likelihood
    "Penicillin (144 rows): hybrid": (
        "diameter ~ 1 + (1 | plate) + (1 | sample)",
        PENICILLIN,
        {},
        "hybrid",  # below SUFF_MIN_ROWS rows (tests/crossed/test_crossed_hybrid.py)
    ),
    "Penicillin, asked for": (
        "diameter ~ 1 + (1 | plate) + (1 | sample)",
        PENICILLIN,
        {"likelihood": "marginal"},
        "marginal",
    ),
    "nested, 2,000 rows": (
        "diameter ~ 1 + (1 | sample/plate)",
        pd.concat([PENICILLIN] * 14, ignore_index=True),
        {},
        "marginal",
    ),
    "marginalize = False": (
        "diameter ~ 1 + (1 | plate) + (1 | sample)",
        PENICILLIN,
        {"marginalize": False},
        "plain",
    ),
    "dense block past AUTO_DENSE_MAX": (
        "y ~ 1 + (1 | g) + (1 | h)",
        pd.concat([wide(AUTO_DENSE_MAX + 44)] * 4, ignore_index=True),
        {},
        "hybrid",  # tests/crossed/test_crossed_hybrid.py,
    ),
    "dense block past AUTO_DENSE_MAX, asked for": (
        "y ~ 1 + (1 | g) + (1 | h)",
        pd.concat([wide(AUTO_DENSE_MAX + 44)] * 4, ignore_index=True),
        {"likelihood": "marginal"},
        "marginal",
    ),
    "dense block too large": (
        "y ~ 1 + (1 | g) + (1 | h)",
        pd.concat([wide(DENSE_MAX + 1)] * 4, ignore_index=True),
        {},
        "hybrid",
    ),
}


@pytest.mark.parametrize("case", AUTO, ids=list(AUTO))
def test_auto_chooses_the_crossed_marginal_form_where_it_applies(case: str) -> None:
    formula, data, options, expected = AUTO[case]
    assert forms(formula, data, **options)["likelihood"] == expected


def test_a_dense_block_too_large_is_refused_by_name() -> None:
    message = (
        "The marginal likelihood cannot be used here: the group-level IDs besides the largest "
        f"have {DENSE_MAX + 1} effects, more than the {DENSE_MAX} the crossed marginal form "
        "factors densely."
    )
    with pytest.raises(ModelError, match=re.escape(message)):
        forms("y ~ 1 + (1 | g) + (1 | h)", wide(DENSE_MAX + 1), likelihood="marginal")


def test_nested_coupling_is_one_entry_per_inner_level() -> None:
    """Classes within schools: each class meets one school, so the Schur complement's
    correction is diagonal (one pair per class) and the statistics are counts."""
    school = np.repeat(np.arange(3), 8)
    klass = np.repeat(np.arange(12), 2)  # two rows per class, four classes per school
    y = np.arange(24.0)
    ones = np.ones((24, 1))
    out = crossed_data(y, ones, [(school, ones, 3), (klass, ones, 12)])
    assert out["ZZ"].shape == (1, 1, 12)  # the classes are eliminated
    np.testing.assert_array_equal(out["ZZ"][0, 0], np.full(12, 2.0))
    np.testing.assert_array_equal(out["GD"], np.diag([8.0, 8.0, 8.0]))
    np.testing.assert_array_equal(out["jb0"], np.arange(12))
    np.testing.assert_array_equal(out["jd0"], np.repeat(np.arange(3), 4))
    np.testing.assert_array_equal(out["V0"][:, 0, 0], np.full(12, 2.0))
    np.testing.assert_array_equal(out["pair_s"], np.arange(12))  # one pair per class
    np.testing.assert_array_equal(out["pair_up"], np.repeat(np.arange(3), 4) * 4)  # diagonal
    np.testing.assert_array_equal(out["pair_c"], np.full((1, 1, 12), 4.0))
