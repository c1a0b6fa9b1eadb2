"""add_criterion's criteria persist in fit files (pickle and netCDF) and reload, and
add_criterion saves a brm(file=) fit again, as brms keeps ``fit$criteria`` in its .rds file."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.core import FitFileError
from brmsjax.methods.validation.kfold import Kfold

from .conftest import simulated


def _same(a: Any, b: Any) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_dtype=False)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:
        assert type(a) is type(b) and a.criterion == b.criterion and a.dims == b.dims
        pd.testing.assert_frame_equal(a.estimates, b.estimates)
        pd.testing.assert_frame_equal(a.pointwise, b.pointwise, check_dtype=False)


@pytest.mark.parametrize("suffix", [".nc", ".pkl"])
def test_criteria_round_trip(gauss: Any, tmp_path: Path, suffix: str) -> None:
    gauss.criteria.clear()
    gauss.add_criterion(["loo", "waic", "bayes_R2"])
    gauss.criteria["kfold"] = gauss.kfold(folds=np.resize([1, 2], 40))
    gauss.criteria["draws_R2"] = gauss.bayes_R2(summary=False)
    path = tmp_path / f"fit{suffix}"
    gauss.save(path)
    back = bj.load(path)
    assert list(back.criteria) == ["loo", "waic", "bayes_R2", "kfold", "draws_R2"]
    for name, value in gauss.criteria.items():
        _same(value, back.criteria[name])
    assert isinstance(back.criteria["kfold"], Kfold) and back.criteria["kfold"].K == 2
    assert back.loo().elpd_loo == gauss.criteria["loo"].elpd_loo  # reused, not recomputed
    assert bj.loo_compare(back, gauss).table["elpd_diff"].tolist() == [0.0, 0.0]
    gauss.criteria.clear()


def test_netcdf_refuses_a_criterion_it_cannot_store(gauss: Any, tmp_path: Path) -> None:
    gauss.criteria["custom"] = {"a": 1}
    try:
        with pytest.raises(FitFileError, match="criterion 'custom' \\(dict\\) cannot be stored"):
            gauss.save(tmp_path / "fit.nc")
    finally:
        gauss.criteria.clear()


def test_add_criterion_saves_the_brm_file_fit(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        fit = bj.brm(
            "y ~ x", simulated(), chains=2, iter=600, seed=1, progress=False, file=tmp_path / "m"
        )
    assert fit.file == str(tmp_path / "m.nc")
    assert bj.load(tmp_path / "m.nc").criteria == {}
    fit.add_criterion("loo")
    again = bj.brm("y ~ x", simulated(), file=tmp_path / "m")  # file_refit="never": read back
    assert again.file == str(tmp_path / "m.nc")
    _same(fit.criteria["loo"], again.criteria["loo"])
    stamp = (tmp_path / "m.nc").stat().st_mtime_ns
    again.add_criterion("loo")  # nothing added: not saved
    assert (tmp_path / "m.nc").stat().st_mtime_ns == stamp
    again.add_criterion("waic", file=str(tmp_path / "other"))
    assert list(bj.load(tmp_path / "other.nc").criteria) == ["loo", "waic"]
