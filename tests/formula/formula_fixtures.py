"""Load the R/lme4/brms reference cases of tests/fixtures/formula_cases.json."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FIXTURES = Path(__file__).parents[1] / "fixtures"


@cache
def formula_cases() -> tuple[dict[str, Any], ...]:
    """All reference cases (fixed, random_lme4, random_brms)."""
    return tuple(json.loads((FIXTURES / "formula_cases.json").read_text()))


def cases(kind: str) -> list[dict[str, Any]]:
    """The cases of one kind."""
    return [c for c in formula_cases() if c["kind"] == kind]


def case_frame(case: dict[str, Any]) -> pd.DataFrame:
    """The case's data as R saw it: factor levels, logicals, integers and NAs."""
    levels = case.get("factor_levels") or {}
    columns: dict[str, Any] = {}
    for name, values in case["data"].items():
        kind = case["types"][name]
        has_na = any(v is None for v in values)
        if kind == "numeric":
            columns[name] = np.array([np.nan if v is None else v for v in values], dtype=float)
        elif kind == "integer":
            columns[name] = pd.array(values, dtype="Int64") if has_na else np.array(values)
        elif kind == "character":
            columns[name] = np.array(values, dtype=object)
        elif kind == "logical":
            columns[name] = pd.array(values, dtype="boolean") if has_na else np.array(values)
        elif kind in {"factor", "ordered"}:
            columns[name] = pd.Categorical(
                values, categories=levels[name], ordered=kind == "ordered"
            )
        else:  # pragma: no cover - fixture types are fixed
            raise ValueError(kind)
    return pd.DataFrame(columns)
