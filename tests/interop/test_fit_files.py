"""Fits saved as netCDF (the format safe to share) load without unpickling, equal to the original.

The fit is the small sleepstudy fit of tests/fixtures/fits/make_fit_before_move.py (one chain,
30 draws): the loaded fit's draws must be the original's exactly and its methods' numbers equal
to 1e-12, with the design rebuilt from the saved formula, data and family.
"""

from __future__ import annotations

import dataclasses
import decimal
import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
import brmsjax.fit
from brmsjax.backend.families.base import Family
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.fit import BrmsFit, FitFileError, FitInfo, load

TIGHT = {"rtol": 1e-12, "atol": 1e-12}


@pytest.fixture(scope="module")
def sleep_fit() -> BrmsFit:
    with warnings.catch_warnings():  # 30 draws do not converge; the numbers are the point
        warnings.simplefilter("ignore", SamplerWarning)
        return bj.brm(
            "Reaction ~ Days + (Days | Subject)",
            data=bj.datasets.sleepstudy(),
            family=bj.gaussian(),
            prior=bj.prior("normal(0, 50)", class_="b"),
            seed=1,
            chains=1,
            iter=60,
            warmup=30,
        )


@pytest.fixture(scope="module")
def loaded(sleep_fit: BrmsFit, tmp_path_factory: pytest.TempPathFactory) -> BrmsFit:
    path = tmp_path_factory.mktemp("nc") / "fit.nc"
    sleep_fit.save(path)
    return load(path)


def _frames_close(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_index_equal(a.index, b.index)
    pd.testing.assert_index_equal(a.columns, b.columns)
    np.testing.assert_allclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), **TIGHT)


def test_netcdf_keeps_draws_stats_data_and_spec_exactly(
    sleep_fit: BrmsFit, loaded: BrmsFit
) -> None:
    pd.testing.assert_frame_equal(loaded.draws(), sleep_fit.draws(), check_exact=True)
    assert loaded.sampler_stats is not None and sleep_fit.sampler_stats is not None
    pd.testing.assert_frame_equal(loaded.sampler_stats, sleep_fit.sampler_stats, check_exact=True)
    assert sleep_fit.data is not None
    pd.testing.assert_frame_equal(loaded.data, sleep_fit.data, check_exact=True)
    assert loaded.info == sleep_fit.info
    assert loaded.brm_args == sleep_fit.brm_args  # formula, family object, Prior, settings
    assert loaded.model is None  # a cache, rebuilt when needed


def test_netcdf_fit_methods_equal_the_original(sleep_fit: BrmsFit, loaded: BrmsFit) -> None:
    assert str(loaded.summary()) == str(sleep_fit.summary())
    _frames_close(loaded.fixef(), sleep_fit.fixef())
    np.testing.assert_allclose(loaded.ranef()["Subject"], sleep_fit.ranef()["Subject"], **TIGHT)
    for part in ("sd", "cor", "cov"):
        np.testing.assert_allclose(
            loaded.VarCorr()["Subject"][part], sleep_fit.VarCorr()["Subject"][part], **TIGHT
        )
    _frames_close(loaded.fitted(), sleep_fit.fitted())
    _frames_close(loaded.predict(seed=3), sleep_fit.predict(seed=3))
    newdata = pd.DataFrame({"Days": [0, 5], "Subject": ["308", "new"]})
    _frames_close(
        loaded.fitted(newdata, allow_new_levels=True, seed=5),
        sleep_fit.fitted(newdata, allow_new_levels=True, seed=5),
    )
    _frames_close(loaded.loo().estimates, sleep_fit.loo().estimates)


def test_netcdf_load_never_unpickles(
    sleep_fit: BrmsFit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "fit.nc"
    sleep_fit.save(path)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("load() unpickled a netCDF fit")

    monkeypatch.setattr(brmsjax.fit, "SavedFitUnpickler", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    assert load(path).info == sleep_fit.info


def test_format_follows_the_suffix_or_the_argument(sleep_fit: BrmsFit, tmp_path: Path) -> None:
    sleep_fit.save(tmp_path / "a.nc")
    sleep_fit.save(tmp_path / "a.pkl")
    sleep_fit.save(tmp_path / "b.bin", format="netcdf")
    sleep_fit.save(tmp_path / "b.nc", format="pickle")
    for name, magic in [("a.nc", b"\x89HDF"), ("a.pkl", b"\x80"), ("b.bin", b"\x89HDF")]:
        assert (tmp_path / name).read_bytes().startswith(magic), name
    assert (tmp_path / "b.nc").read_bytes().startswith(b"\x80")
    # load() tells the formats apart by content, whatever the suffix.
    for name in ("a.nc", "a.pkl", "b.bin", "b.nc"):
        pd.testing.assert_frame_equal(load(tmp_path / name).draws(), sleep_fit.draws())
    with pytest.raises(FitFileError, match=re.escape("Unknown fit file format 'json'; use")):
        sleep_fit.save(tmp_path / "c.json", format="json")


def test_arviz_reads_the_netcdf_file(sleep_fit: BrmsFit, tmp_path: Path) -> None:
    import arviz as az

    sleep_fit.save(tmp_path / "fit.nc")
    with warnings.catch_warnings():
        # ArviZ 0.19 warns of the file's extra groups (the fit's data, draws_index); later
        # versions read unknown groups silently
        warnings.filterwarnings("ignore", ".* group is not defined", UserWarning)
        idata = az.from_netcdf(tmp_path / "fit.nc")
    assert idata.posterior["b_Days"].attrs["brms_name"] == "b_Days"
    np.testing.assert_array_equal(
        idata.posterior["b_Days"].values.ravel(), sleep_fit.draws()["b_Days"].to_numpy()
    )
    assert idata.sample_stats["diverging"].attrs["stan_name"] == "divergent__"


def _hand_fit(data: pd.DataFrame | None, **brm_args: object) -> BrmsFit:
    """A fit without a design: one coefficient, two chains of three draws."""
    info = FitInfo(
        "y ~ 1", "gaussian", "mu = identity", "y", "d", 4, 2, 6, 3, fixed={"": ("Intercept",)}
    )
    draws = pd.DataFrame(
        {
            "b_Intercept": np.linspace(-1, 1, 6),
            "lp__": np.arange(6.0),
            ".chain": [1, 1, 1, 2, 2, 2],
            ".iteration": [1, 2, 3, 1, 2, 3],
            ".draw": np.arange(1, 7),
        }
    )
    return BrmsFit(draws, info, None, data=data, brm_args=brm_args)


def test_netcdf_keeps_column_types_index_and_brm_arguments(tmp_path: Path) -> None:
    data = pd.DataFrame(
        {
            "y": [0.5, np.nan, 2.0, 1e-300],
            "n": np.array([1, 2, 3, 4], dtype=np.int32),
            "ok": [True, False, True, True],
            "dose": pd.Categorical(["lo", "hi", "lo", None], categories=["lo", "hi"], ordered=True),
            "code": pd.Categorical([3, 1, 3, 1]),
            "txt": pd.Series(["a", None, "b", "a"], dtype="str"),
            "obj": pd.Series(["u", None, np.nan, "v"], dtype=object),
            7: [1.0, 2.0, 3.0, 4.0],
        },
        index=pd.Index(["r1", "r2", "r3", "r4"], name="row"),
    )
    args = {
        "formula": bj.bf("y ~ n", "sigma ~ ok", nu=4),
        "prior": [bj.prior("normal(0, 1)", coef="n", lb=-2.0)],
        "init": {"b": np.array([0.5, 1.5])},
        "control": {"adapt_delta": 0.95, "max_treedepth": 12},
        "seed": None,
    }
    fit = _hand_fit(data, **args)
    fit.save(tmp_path / "f.nc")
    back = load(tmp_path / "f.nc")
    pd.testing.assert_frame_equal(back.data, data, check_exact=True)
    assert list(back.data.dtypes) == list(data.dtypes)
    assert back.brm_args.keys() == args.keys()
    assert back.brm_args["formula"] == args["formula"]
    assert back.brm_args["prior"] == args["prior"]
    np.testing.assert_array_equal(back.brm_args["init"]["b"], args["init"]["b"])
    assert back.brm_args["control"] == args["control"]
    assert back.sampler_stats is None and back.design is None
    pd.testing.assert_frame_equal(back.draws(), fit.draws(), check_exact=True)


@dataclasses.dataclass(frozen=True)
class MyFamily(Family):
    """A user's family object: its code cannot be written as data."""


BAD_FITS = [
    (
        {"family": MyFamily("gaussian", "identity")},
        pd.DataFrame({"y": [1.0, 2.0]}),
        "The fit's family object (MyFamily 'gaussian') is not one of brmsjax's families",
    ),
    (
        {"family": dataclasses.replace(bj.gaussian(), name="mine")},
        pd.DataFrame({"y": [1.0, 2.0]}),
        "The fit's family object (Gaussian 'mine') is not one of brmsjax's families",
    ),
    (
        {},
        pd.DataFrame({"y": [1.0, 2.0], "amount": [decimal.Decimal(1), decimal.Decimal(2)]}),
        "The data column 'amount' (object) cannot be stored in a netCDF file",
    ),
    (
        {},
        pd.DataFrame({"when": pd.to_datetime(["2020-01-01", "2020-01-02"])}),
        "The data column 'when' (datetime64[",
    ),
    (
        {"init": {"b": object()}},
        None,
        "The fit's brm() argument init={'b': <object object",
    ),
]


@pytest.mark.parametrize(("args", "data", "message"), BAD_FITS)
def test_netcdf_refuses_what_it_cannot_hold(
    args: dict[str, object], data: pd.DataFrame | None, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "f.nc"
    with pytest.raises(bj.BrmsjaxError, match=re.escape(message)) as err:
        _hand_fit(data, **args).save(path)
    assert "fit.save(path, format='pickle')" in str(err.value)
    # The pickle takes it (a file to open only from yourself).
    _hand_fit(data, **args).save(tmp_path / "f.pkl")


def test_a_design_needs_its_formula_to_be_saved_as_netcdf(tmp_path: Path) -> None:
    fit = _hand_fit(pd.DataFrame({"y": [1.0, 2.0]}))
    fit.design = object()
    with pytest.raises(FitFileError, match=re.escape("has a design but no formula or family")):
        fit.save(tmp_path / "f.nc")


def test_load_rejects_netcdf_that_is_not_a_fit(tmp_path: Path) -> None:
    import xarray as xr

    path = tmp_path / "other.nc"
    xr.Dataset({"x": ("i", np.arange(3.0))}).to_netcdf(path, engine="h5netcdf")
    with pytest.raises(
        FitFileError, match=re.escape(f"'{path}' is a netCDF file but not a brmsjax")
    ):
        load(path)
    broken = tmp_path / "broken.nc"
    broken.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(FitFileError, match=re.escape(f"'{broken}' is not a readable brmsjax fit")):
        load(broken)
