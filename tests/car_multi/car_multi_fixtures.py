"""brms 2.18's ground truth for ``car()`` in mixture and multivariate models, recorded by
``tests/fixtures/car_multi/make_fixtures.R`` (``car_multi.json``, with brms's Stan code of
each case): standata and get_prior on a 4 x 4 rook lattice, two rows per location."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import brmsjax as bj

FIXTURE = Path(__file__).parents[1] / "fixtures" / "car_multi" / "car_multi.json"
MIX = bj.mixture("gaussian", "gaussian")
#: brmsjax's formula and family of each recorded case (the R script's calls).
CASES: dict[str, tuple[Any, Any]] = {
    "mix_escar": (bj.bf("y ~ x + car(W, gr = g)"), MIX),
    "mv_escar": (bj.bf("mvbind(y, y2) ~ x + car(W, gr = g)") + bj.set_rescor(False), "gaussian"),
    "mv_escar_rescor": (
        bj.bf("mvbind(y, y2) ~ x + car(W, gr = g)") + bj.set_rescor(True),
        "gaussian",
    ),
    "mv_bym2_one": (
        bj.bf('y ~ x + car(W, gr = g, type = "bym2")') + bj.bf("y2 ~ x") + bj.set_rescor(False),
        "gaussian",
    ),
    "mix_icar": (bj.bf('y ~ x + car(W, gr = g, type = "icar")'), MIX),
    "mix_esicar": (bj.bf('y ~ x + car(W, gr = g, type = "esicar")'), MIX),
    # mu2's own formula has no car(): one CAR structure, of mu1
    "mix_mu1_only": (bj.bf("y ~ x + car(W, gr = g)", "mu2 ~ x"), MIX),
}


@cache
def fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


def case(name: str) -> dict[str, Any]:
    return fixture()[name]


def data() -> pd.DataFrame:
    """The data as R had them (``g`` a factor with R's sorted levels)."""
    frame = pd.DataFrame(fixture()["data"])
    frame["g"] = pd.Categorical(frame["g"], categories=sorted(set(frame["g"])))
    return frame


def data2() -> dict[str, Any]:
    """``W``: the binary rook adjacency, rows named by location."""
    fx = fixture()
    locs = fx["locations"]
    return {"W": pd.DataFrame(np.asarray(fx["W"]), index=locs, columns=locs)}


def prior_of(name: str, cls: str, resp: str = "", dpar: str = "") -> tuple[float, float, float]:
    """``(df, location, scale)`` of brms's default ``student_t`` prior of a class."""
    rows = pd.DataFrame(case(name)["prior"])
    row = rows[(rows["class"] == cls) & (rows["resp"] == resp) & (rows["dpar"] == dpar)]
    text = row["prior"].iloc[0]
    assert text.startswith("student_t(")
    df, loc, scale = (float(v) for v in text[len("student_t(") : -1].split(","))
    return df, loc, scale
