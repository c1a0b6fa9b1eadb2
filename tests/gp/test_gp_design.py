"""gp() design data and prior rows equal brms 2.18's make_standata and get_prior."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula import build_design, standata
from brmsjax.formula.design.gp import basis, unique_rows
from tests.gp.gp_fixtures import CASES, gp_case, gp_data


@pytest.mark.parametrize("case", CASES)
def test_standata_equals_brms(case: str) -> None:
    ref = gp_case(case)
    got = standata(build_design(ref["formula"], gp_data()))
    assert list(got) == list(ref["standata"])
    for key, value in ref["standata"].items():
        want = np.asarray(value, dtype=float)
        have = np.asarray(got[key], dtype=float).reshape(want.shape)
        np.testing.assert_allclose(have, want, rtol=1e-12, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("case", CASES)
def test_get_prior_equals_brms(case: str) -> None:
    ref = gp_case(case)
    table = bj.get_prior(ref["formula"], data=gp_data())
    want = pd.DataFrame(ref["prior"])[list(table.columns)]
    pd.testing.assert_frame_equal(table.reset_index(drop=True), want.reset_index(drop=True))


@pytest.mark.parametrize(
    ("rows", "keep", "J"),
    [
        ([[1.0], [2.0], [1.0], [3.0]], [0, 1, 3], [0, 1, 0, 2]),
        ([[1.0, 2.0], [1.0, 3.0], [1.0, 2.0]], [0, 1], [0, 1, 0]),
        # equal to 15 significant digits: one point, as R's paste() prints them alike
        ([[0.1 + 0.2], [0.3]], [0], [0, 0]),
    ],
)
def test_unique_rows_in_order_of_first_appearance(rows: list, keep: list, J: list) -> None:
    got_keep, got_J = unique_rows(np.asarray(rows))
    assert got_keep.tolist() == keep
    assert got_J.tolist() == J


@pytest.mark.parametrize(("D", "k"), [(1, 12), (2, 5)])
def test_eigenfunctions_are_orthonormal_on_the_domain(D: int, k: int) -> None:
    """The basis functions are the Dirichlet Laplacian's on [-L, L]^D: orthonormal there."""
    L = np.linspace(1.5, 2.0, D)
    m = 400
    grid = [(np.arange(m) + 0.5) / m * 2 * Lv - Lv for Lv in L]
    mesh = np.stack([g.reshape(-1) for g in np.meshgrid(*grid, indexing="ij")], axis=1)
    phi, slambda = basis(mesh, k, L)
    gram = phi.T @ phi * np.prod(2 * L / m)
    np.testing.assert_allclose(gram, np.eye(k**D), atol=1e-3)
    assert slambda.shape == (k**D, D)
    # expand.grid order: the first dimension runs fastest
    np.testing.assert_allclose(slambda[1], np.pi / (2 * L) * np.array([2, 1][:D]))


@pytest.mark.parametrize(
    ("priors", "sdgp", "lscale"),
    [
        # brms (make_stancode): a class-level lscale prior leaves the data-tuned coef default
        (
            [bj.prior("normal(0, 1)", "lscale"), bj.prior("normal(0, 3)", "sdgp")],
            "normal(0, 3)",
            "inv_gamma(1.508865, 0.058663)",
        ),
        ([bj.prior("gamma(2, 2)", "lscale", coef="gpx1")], "student_t(3, 0, 2.5)", "gamma(2, 2)"),
    ],
)
def test_user_priors_follow_brms_precedence(priors: list, sdgp: str, lscale: str) -> None:
    from brmsjax.backend.families.registry import get_family
    from brmsjax.backend.priors.resolve import resolve_priors

    family = get_family("gaussian")
    design = build_design("y ~ gp(x1)", gp_data(), family)
    resolved = resolve_priors(design, family, priors)
    assert str(resolved["sdgp_1"].specs[0]) == sdgp
    assert str(resolved["lscale_1"].specs[0]) == lscale
