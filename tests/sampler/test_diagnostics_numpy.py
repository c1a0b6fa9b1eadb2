"""brm()'s R-hat in NumPy is ArviZ's ``rhat(method="rank")`` to the last bit.

:func:`brmsjax.backend.infer.diagnostics.rhat` reimplements ArviZ's rank-normalized split R-hat
so that a fit checks convergence without importing ArviZ; every table row compares it with
ArviZ called directly, with ``==`` (ties, odd draw counts, unusable variables and shapes that
ArviZ answers itself included).
"""

from __future__ import annotations

import numpy as np
import pytest

from brmsjax.backend.infer.diagnostics import _as_chain_draw_var, import_arviz, rhat


def _normal(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape)


def _with(x: np.ndarray, k: int, value: float, at: tuple[int, int] | None = None) -> np.ndarray:
    x = x.copy()
    if at is None:
        x[:, :, k] = value
    else:
        x[at[0], at[1], k] = value
    return x


CASES = [
    ("four_chains", _normal((4, 1000, 12))),
    ("odd_draws", _normal((4, 1001, 3), 1)),
    ("two_chains", _normal((2, 40, 2), 2)),
    ("ties", np.round(_normal((3, 50, 4), 3), 1)),
    ("counts", np.random.default_rng(4).poisson(2.0, size=(4, 9, 3)).astype(float)),
    ("shifted_chains", _normal((4, 200, 2), 5) + np.arange(4.0)[:, None, None]),
    ("constant_var", _with(_normal((4, 100, 3), 6), 1, 3.0)),
    ("infinite_draw", _with(_normal((4, 100, 3), 7), 2, np.inf, (0, 5))),
    ("nan_draw", _with(_normal((4, 100, 3), 8), 0, np.nan, (3, 7))),
    ("two_dims", _normal((4, 300), 9)),
    ("three_draws", _normal((4, 3, 2), 10)),  # ArviZ answers: NaN, and it logs why
]


@pytest.mark.parametrize(("name", "x"), CASES, ids=[c[0] for c in CASES])
def test_rhat_is_arviz_rank_rhat_bit_for_bit(name: str, x: np.ndarray) -> None:
    az = import_arviz()
    import xarray as xr

    arr = _as_chain_draw_var(x)
    expected = np.full(arr.shape[2], np.nan)
    for k in range(arr.shape[2]):
        v = arr[:, :, k]
        if np.isfinite(v).all() and np.ptp(v) >= np.finfo(float).eps:
            ds = xr.Dataset({"x": (("chain", "draw"), v)})
            expected[k] = float(az.rhat(ds, method="rank")["x"].values)
    got = rhat(x)
    assert got.shape == expected.shape
    assert np.array_equal(got, expected, equal_nan=True), name
