"""``brm(file=, file_refit=)`` as brms: the fit is saved, read back instead of refitting, and
refitted when asked (``"always"``) or when the model changed (``"on_change"``)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.formula.errors import ModelError

SLEEP = pd.read_csv("brmsjax/data/sleepstudy.csv")


def _fit(file: Path | str, seed: int, **args: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        return bj.brm(
            "Reaction ~ Days", SLEEP, chains=1, iter=100, seed=seed, progress=False,
            file=file, **args,
        )  # fmt: skip


def _same(a: Any, b: Any) -> bool:
    return bool(np.array_equal(a.draws()["b_Days"], b.draws()["b_Days"]))


def test_file_is_written_then_read_instead_of_refitting(tmp_path: Path) -> None:
    first = _fit(tmp_path / "models" / "fit1", seed=1)
    assert (tmp_path / "models" / "fit1.nc").is_file()  # .nc added, the folder made
    again = _fit(tmp_path / "models" / "fit1", seed=2)  # "never": the saved fit, as brms
    assert _same(first, again)
    assert again.brm_args["seed"] == 1


@pytest.mark.parametrize(
    ("change", "refits"),
    [
        ({"seed": 2}, False),  # sampler settings are not the model
        ({"seed": 2, "prior": bj.prior("normal(0, 5)", class_="b")}, True),
        ({"seed": 2, "family": "student"}, True),
        ({"seed": 2, "data": SLEEP.assign(Reaction=SLEEP["Reaction"] + 1)}, True),
    ],
    ids=["seed", "prior", "family", "data"],
)
def test_on_change_refits_when_the_model_changed(
    tmp_path: Path, change: dict[str, Any], refits: bool
) -> None:
    first = _fit(tmp_path / "fit.pkl", seed=1, file_refit="on_change")
    data = change.pop("data", None)
    args = {"file_refit": "on_change", **change}
    if data is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SamplerWarning)
            second = bj.brm(
                "Reaction ~ Days", data, chains=1, iter=100, progress=False,
                file=tmp_path / "fit.pkl", **args,
            )  # fmt: skip
    else:
        second = _fit(tmp_path / "fit.pkl", **args)
    assert _same(first, second) is not refits
    assert _same(bj.load(tmp_path / "fit.pkl"), second)  # the file holds the newest fit


def test_always_refits(tmp_path: Path) -> None:
    first = _fit(tmp_path / "fit", seed=1)
    second = _fit(tmp_path / "fit", seed=2, file_refit="always")
    assert not _same(first, second)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"file": "x", "file_refit": "sometimes"},
            "file_refit must be one of 'never', 'always', 'on_change', not 'sometimes'.",
        ),
        ({"file": 3}, "file must be a path (a string), not 3."),
    ],
)
def test_bad_file_arguments(args: dict[str, Any], message: str) -> None:
    with pytest.raises(ModelError) as err:
        bj.brm("Reaction ~ Days", SLEEP, **args)
    assert str(err.value) == message
