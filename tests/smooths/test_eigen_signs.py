"""R's ``eigen`` to the last bit, signs included (fixtures/smooths/eigen_signs.json, made by
make_eigen_signs.R: R's reference LAPACK 3.11 on the constrained penalties of boston's
``s(lstat)``, ``s(rm)``, ``s(lstat, k = 5)`` and ``s(lstat, rm)``, stored as hex floats).

LAPACK's ``dsyevr`` does not normalise its eigenvectors' signs: they follow rounding-level
quantities (one ulp in one entry of ``s(lstat)``'s penalty flips some columns), so
:func:`~brmsjax.formula.smooths.rlapack.r_eigen` repeats reference LAPACK's operations in their
order (scipy's OpenBLAS ``eigh`` gives another sign in column 3 of ``s(lstat)`` on the very same
matrix), and the penalty itself is built with mgcv's rounding (:mod:`.mgcv_c`; the raw
``cr``/``cc``/``ps`` bases against bases_bits.json), LAPACK's divide and conquer ``dstedc`` and
the blocked ``dsyevr`` paths against dstedc.json (make_dstedc.py).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from brmsjax.formula.smooths import basis_setup, tprs_setup
from brmsjax.formula.smooths.construct import _col_means, _qr_qty_drop
from brmsjax.formula.smooths.eigen import r_eigen
from brmsjax.formula.smooths.rdstedc import dstedc

FIXTURE = json.loads(
    (
        Path(__file__).resolve().parent.parent / "fixtures" / "smooths" / "eigen_signs.json"
    ).read_text()
)


def _hex(values: list[str], p: int) -> np.ndarray:
    return np.array([float.fromhex(v) for v in values]).reshape(p, -1, order="F")


@pytest.mark.parametrize("case", ["lstat", "rm", "lstat_k5", "lstat_rm", "lstat_k40"])
def test_r_eigen_is_r_to_the_bit(case: str) -> None:
    ref = FIXTURE[case]
    p = ref["p"]
    S = _hex(ref["S"], p)
    values, vectors = r_eigen(S)
    np.testing.assert_array_equal(values, _hex(ref["values"], p)[:, 0])
    np.testing.assert_array_equal(vectors, _hex(ref["vectors"], p))


@pytest.mark.parametrize("case", ["lstat", "rm", "lstat_k5", "lstat_rm", "lstat_k40"])
def test_constrained_penalty_has_r_bits(case: str) -> None:
    """mgcv's tprs, ``scale.penalty`` and ``qr.qty`` reproduced to the bit on boston."""
    ref = FIXTURE[case]
    k = ref["k"]
    x = np.array([[float.fromhex(v) for v in col] for col in ref["x"]]).T
    basis = tprs_setup(x, k)
    X, S = basis.X, basis.S
    norm_x = float(np.max(np.cumsum(np.abs(X), axis=1)[:, -1]))
    S = S / (float(np.max(np.cumsum(np.abs(S), axis=0)[-1])) / (norm_x * norm_x))
    C = _col_means(X)
    Sc = _qr_qty_drop(C.copy(), _qr_qty_drop(C.copy(), S).T).T
    np.testing.assert_array_equal(Sc, _hex(ref["S"], k - 1))


@pytest.mark.parametrize("seed", [0, 1])
def test_r_eigen_is_an_eigendecomposition(seed: int) -> None:
    """Random symmetric matrices (both paths: unblocked up to 32 rows, scipy above)."""
    rng = np.random.default_rng(seed)
    for n in (2, 7, 32, 40):
        B = rng.normal(size=(n, n))
        B = B + B.T
        values, vectors = r_eigen(B)
        assert np.all(np.diff(values) <= 0)
        np.testing.assert_allclose(vectors.T @ vectors, np.eye(n), atol=1e-12)
        np.testing.assert_allclose(B @ vectors, vectors * values, atol=1e-10)


DSTEDC = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "smooths" / "dstedc.json").read_text()
)


@pytest.mark.parametrize("case", [k for k in DSTEDC if not k.startswith("dsyevr")])
def test_dstedc_is_reference_lapack_to_the_bit(case: str) -> None:
    """The divide and conquer ``dstedc`` of mgcv's Lanczos iteration (fixtures/smooths/
    dstedc.json, made by make_dstedc.py with R's reference LAPACK), deflation included."""
    ref = DSTEDC[case]
    d = np.array([float.fromhex(v) for v in ref["d"]])
    e = np.array([float.fromhex(v) for v in ref["e"]])
    values, vectors = dstedc(d, e)
    np.testing.assert_array_equal(values, [float.fromhex(v) for v in ref["values"]])
    np.testing.assert_array_equal(vectors, _hex(ref["vectors"], d.shape[0]))


def _exact_matrix(n: int) -> np.ndarray:
    """make_dstedc.py's matrix: integers over 7, exactly computed."""
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    A = ((7 * i * j + 3 * (i + j)) % 23 - 11) / 7.0
    return A + A.T


@pytest.mark.parametrize("case", ["dsyevr_33", "dsyevr_150"])
def test_r_eigen_blocked_paths_are_reference_lapack(case: str) -> None:
    """Over 32 rows LAPACK's ``dsytrd`` is blocked (panels of 28 with R's workspace), from 144
    rows ``dormqr`` too: R's eigen to the bit (the vectors' SHA-256, fixtures/smooths/
    dstedc.json from make_dstedc.py)."""
    ref = DSTEDC[case]
    values, vectors = r_eigen(_exact_matrix(ref["n"]))
    np.testing.assert_array_equal(values, [float.fromhex(v) for v in ref["values"]])
    np.testing.assert_array_equal(vectors[:, 0], [float.fromhex(v) for v in ref["first"]])
    digest = hashlib.sha256(np.asfortranarray(vectors).tobytes(order="F")).hexdigest()
    assert digest == ref["sha256"]


BITS = json.loads(
    (
        Path(__file__).resolve().parent.parent / "fixtures" / "smooths" / "bases_bits.json"
    ).read_text()
)


@pytest.mark.parametrize(
    ("case", "bs", "k"), [("cr", "cr", 10), ("cr_k6", "cr", 6), ("cc", "cc", 10), ("ps", "ps", 10)]
)
def test_raw_bases_have_r_bits(case: str, bs: str, k: int) -> None:
    """``cr`` (``getFS``, ``dptsv``), ``cc`` (R's ``solve``, ``pow``) and ``ps``
    (``splineDesign``) equal mgcv's raw ``X`` and ``S`` to the bit (bases_bits.json)."""
    ref = BITS[case]
    x = np.array([float.fromhex(v) for v in BITS["x"]])
    basis = basis_setup(bs, x[:, None], k)
    p = ref["k"]
    np.testing.assert_array_equal(basis.X, _hex(ref["X"], len(x)))
    np.testing.assert_array_equal(basis.S, _hex(ref["S"], p))
