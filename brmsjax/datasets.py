"""Real data sets bundled with brmsjax (sources and attribution in ``data/DATA.md``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).parent / "data"


def path(name: str) -> Path:
    """Path of a bundled CSV file, e.g. ``path("star1")``."""
    file = DATA_DIR / f"{name}.csv"
    if not file.exists():
        available = ", ".join(sorted(p.stem for p in DATA_DIR.glob("*.csv")))
        raise ValueError(f"No bundled data set '{name}'; the data sets are: {available}.")
    return file


def load(name: str) -> pd.DataFrame:
    """Read a bundled data set as R's ``read.csv`` would (strings stay strings).

    The grouping codes are strings, so brmsjax turns them into factors with levels sorted by
    code point, as R does in the C locale.
    """
    return pd.read_csv(path(name), keep_default_na=True, na_values=["NA"])


def star() -> pd.DataFrame:
    """Tennessee STAR, grade 1 (mlmRev ``star``): the seed lecture's data, 6543 students."""
    return load("star1")


def sleepstudy() -> pd.DataFrame:
    """lme4's ``sleepstudy``: reaction times of 18 subjects over 10 days (180 rows)."""
    return load("sleepstudy")


def cbpp() -> pd.DataFrame:
    """lme4's ``cbpp``: contagious bovine pleuropneumonia incidence by herd and period."""
    return load("cbpp")


def epil() -> pd.DataFrame:
    """MASS's ``epil``: seizure counts of 59 epileptics over four periods."""
    return load("epil")


def wine() -> pd.DataFrame:
    """ordinal's ``wine``: bitterness ratings (1-5) by judge, temperature and contact."""
    return load("wine")
