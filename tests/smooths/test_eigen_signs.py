"""Where the column signs of brms's smooth bases come from (fixtures/smooths/eigen_signs.json,
made by make_eigen_signs.R: R's ``eigen`` of the constrained penalty of boston's ``s(lstat)``).

scipy's ``eigh(driver="evr")`` (the LAPACK routine R's ``eigen`` calls) gives R's vectors on R's
own matrix (measured with scipy 1.17's OpenBLAS: with R's signs too, so the LAPACKs agree; the
test allows other signs, as another CPU's kernels may round differently); the sign of a column
is decided by rounding below 1e-13 in the matrix: the same matrix perturbed at that level flips
some columns' signs (measured over 200 perturbations: columns 2, 3 and 6 in 18%, 10% and 12%).
brmsjax's penalty equals R's to about 1e-13 (not bit for bit: mgcv's Lanczos and QR in C round
differently), so which columns carry R's sign cannot be reproduced by any rule on the vectors;
the fit is unchanged by it (see :mod:`brmsjax.formula.smooths`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from brmsjax.formula.smooths.construct import r_eigh

FIXTURE = json.loads(
    (
        Path(__file__).resolve().parent.parent / "fixtures" / "smooths" / "eigen_signs.json"
    ).read_text()
)
S = np.asarray(FIXTURE["S"], dtype=float)
VECTORS = np.asarray(FIXTURE["vectors"], dtype=float)


def test_r_eigh_is_r_eigen_on_the_same_matrix() -> None:
    values, vectors = r_eigh(S)
    np.testing.assert_allclose(values, FIXTURE["values"], rtol=1e-12, atol=1e-9)
    # the penalized columns (the last, null one is the noise of the constraint)
    sign = np.where(np.sum(vectors * VECTORS, axis=0) < 0, -1.0, 1.0)
    np.testing.assert_allclose(vectors[:, :-1] * sign[:-1], VECTORS[:, :-1], rtol=0, atol=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_signs_follow_rounding_below_1e13(seed: int) -> None:
    """Perturbed by 1e-13 of its largest entry, the matrix keeps its vectors up to sign, and
    over a few perturbations some column's sign changes."""
    rng = np.random.default_rng(seed)
    flipped = 0
    for _ in range(25):
        E = rng.normal(size=S.shape) * 1e-13 * np.abs(S).max()
        _, vectors = r_eigh(S + (E + E.T) / 2)
        sign = np.where(np.sum(vectors * VECTORS, axis=0) < 0, -1.0, 1.0)
        np.testing.assert_allclose(vectors[:, :-1] * sign[:-1], VECTORS[:, :-1], atol=1e-8)
        flipped += int(np.any(sign[:-1] < 0))
    assert flipped > 0
