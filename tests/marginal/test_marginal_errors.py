"""datagrid's defaults, plot() output, and the pinned messages of bad marginal-effects
arguments (each names the argument and what to do)."""

from __future__ import annotations

import re
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.methods.marginal.grid import MarginalError

matplotlib.use("Agg")

GRIDS = [
    ("gauss", {"Days": [0, 5]}, {"Days": [0.0, 5.0], "Subject": ["s308", "s308"]}),
    ("gauss", {"re_formula": np.nan}, {"Days": [4.5]}),
    ("bern", {"g": ["b", "c"]}, {"g": ["b", "c"], "x": None, "h": ["u", "u"]}),
    (
        "bern",
        {"x": [-1, 1], "g": "c", "h": "v"},
        {"x": [-1.0, 1.0], "g": ["c", "c"], "h": ["v", "v"]},
    ),
]


@pytest.mark.parametrize(("fixture", "values", "expected"), GRIDS)
def test_datagrid(request: Any, fixture: str, values: dict[str, Any], expected: Any) -> None:
    fit = request.getfixturevalue(fixture)
    grid = bj.datagrid(fit, **values)
    assert sorted(grid.columns) == sorted(expected)
    for name, given in expected.items():
        # numeric variables not given sit at their mean
        vals = [fit.data[name].mean()] * len(grid) if given is None else given
        assert [v if isinstance(v, str) else float(v) for v in grid[name]] == vals
    if "g" in grid.columns:  # a factor keeps the fitting data's levels
        assert list(grid["g"].cat.categories) == ["a", "b", "c"]


def test_datagrid_mode_of_factor(bern: Any) -> None:
    counts = bern.data["g"].value_counts()
    assert bj.datagrid(bern, x=0.0)["g"].iloc[0] == counts.idxmax()


PLOTS = [
    ("cumul", lambda f: f.predictions(bj.datagrid(f, x=np.linspace(-2, 2, 5))), "x", 3),
    ("bern", lambda f: f.marginal_means("g"), "g", 0),
    ("gauss", lambda f: f.predictions(by="Days", re_formula=np.nan), "Days", 0),
    ("bern", lambda f: f.comparisons("g"), "contrast", 0),
    ("bern", lambda f: f.comparisons("x", by="g"), "g", 0),
    ("cumul", lambda f: f.slopes("x", by="g"), "g", 3),
]


@pytest.mark.parametrize(("fixture", "call", "xlabel", "legend"), PLOTS)
def test_plot(request: Any, fixture: str, call: Any, xlabel: str, legend: int) -> None:
    import matplotlib.pyplot as plt

    fig = call(request.getfixturevalue(fixture)).plot()
    ax = fig.axes[0]
    assert ax.get_xlabel() == xlabel
    leg = ax.get_legend()
    assert (0 if leg is None else len(leg.get_texts())) == legend
    plt.close(fig)


ERRORS = [
    (
        "gauss",
        lambda f: f.predictions(variables="Age"),
        "variables: 'Age' is not a variable of the model; use one of ['Days', 'Subject'].",
    ),
    (
        "gauss",
        lambda f: bj.datagrid(f, Age=3),
        "datagrid: 'Age' is not a variable of the model; use one of ['Days', 'Subject'].",
    ),
    ("gauss", lambda f: bj.datagrid(f, Days=[]), "datagrid: give at least one value for 'Days'."),
    (
        "gauss",
        lambda f: f.predictions(by="Age"),
        "by: 'Age' is not a column of the data; use one of ['Reaction', 'Days', 'Subject'].",
    ),
    (
        "gauss",
        lambda f: f.predictions(type="probs"),
        "type must be 'response' or 'link'; got 'probs'.",
    ),
    ("gauss", lambda f: f.predictions(prob=2), "prob must be a single number in [0, 1]; got 2."),
    (
        "gauss",
        lambda f: f.predictions(newdata=[1, 2]),
        "newdata must be a pandas DataFrame or None; got <class 'list'>.",
    ),
    (
        "bern",
        lambda f: f.comparisons("g", comparison="odds"),
        "comparison must be 'difference' or 'ratio'; got 'odds'.",
    ),
    (
        "bern",
        lambda f: f.comparisons({"g": ["a"]}),
        "variables: the values of 'g' must be a pair [low, high]; got ['a'].",
    ),
    ("bern", lambda f: f.comparisons({"g": 2}), "variables: 'g' takes a pair [low, high]; got 2."),
    (
        "bern",
        lambda f: f.comparisons({"x": "up"}),
        "variables: 'x' takes a pair [low, high] or a numeric step; got 'up'.",
    ),
    ("bern", lambda f: f.comparisons([]), "variables: name at least one variable to compare."),
    (
        "bern",
        lambda f: f.comparisons("z"),
        "variables: 'z' is not a variable of the model; use one of ['x', 'g', 'h'].",
    ),
    (
        "bern",
        lambda f: f.slopes("g"),
        "variables: slopes need a numeric variable; 'g' is not numeric.",
    ),
    ("bern", lambda f: f.slopes("x", eps=0), "eps must be a positive number; got 0."),
    (
        "bern",
        lambda f: f.marginal_means("x"),
        "variable: marginal means need a factor; 'x' is numeric (use predictions() with "
        "datagrid() for numeric values).",
    ),
    (
        "bern",
        lambda f: f.marginal_means("g", by="w"),
        "by: 'w' is not a variable of the model; use one of ['x', 'g', 'h'].",
    ),
    (
        "bern",
        lambda f: f.marginal_means("g").plot(x="w"),
        "plot: x must be a column of the table (['g', 'Estimate', 'Est.Error', 'Q2.5', "
        "'Q97.5']); got 'w'.",
    ),
    (
        "bern",
        lambda f: f.comparisons("x", newdata=pd.DataFrame({"g": ["a"]})),
        "variables: the data lack the variable 'x'.",
    ),
]


@pytest.mark.parametrize(("fixture", "call", "message"), ERRORS)
def test_errors(request: Any, fixture: str, call: Any, message: str) -> None:
    with pytest.raises(BrmsjaxError, match=f"^{re.escape(message)}$"):
        call(request.getfixturevalue(fixture))


def test_error_class(bern: Any) -> None:
    with pytest.raises(MarginalError):
        bern.slopes("g")
    with pytest.raises(ValueError):
        bern.slopes("g")
