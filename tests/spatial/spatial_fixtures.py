"""brms 2.18's ground truth for ``sar()`` and ``car()``, recorded by
``tests/fixtures/spatial/make_fixtures.R`` (``spatial.json``): standata, get_prior and log
densities at a fixed parameter point on a 4 x 4 rook lattice."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FIXTURE = Path(__file__).parents[1] / "fixtures" / "spatial" / "spatial.json"
CASES = ("sar_lag", "sar_error", "car_escar", "car_esicar", "car_icar", "car_bym2")


@cache
def fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


def case(name: str) -> dict[str, Any]:
    return fixture()[name]


def data(name: str) -> pd.DataFrame:
    """The case's data as R had them (``g`` a factor with R's sorted levels)."""
    frame = pd.DataFrame(fixture()["datasets"][case(name)["data"]])
    if "g" in frame:
        frame["g"] = pd.Categorical(frame["g"], categories=sorted(set(frame["g"])))
    return frame


def data2() -> dict[str, Any]:
    """``W`` (binary rook adjacency, rows named by location) and ``Wr`` (row-standardized)."""
    fx = fixture()
    W = pd.DataFrame(np.asarray(fx["W"]), index=fx["locations"], columns=fx["locations"])
    return {"W": W, "Wr": np.asarray(fx["Wr"])}


def r_number(value: Any) -> Any:
    """R's values as JSON holds them; complex numbers (``"1+0i"``) as their real part."""
    if isinstance(value, list):
        return [r_number(v) for v in value]
    if isinstance(value, str):
        return complex(value.replace("i", "j")).real
    return value
