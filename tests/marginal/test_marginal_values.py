"""Marginal effects checked against the same quantities computed by hand with numpy from the
fit's own ``posterior_epred`` / ``posterior_linpred`` draws (to 1e-10): predictions at the data,
a datagrid and ``by`` groups, counterfactual comparisons (differences and ratios), finite-
difference slopes and marginal means, for a gaussian, a bernoulli, a cumulative and a categorical
model (one row per category)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj

TOL = 1e-10


def summ(draws: np.ndarray, prob: float = 0.95) -> np.ndarray:
    """(draws, rows[, cats]) -> rows x [mean, sd, lower, upper], categories within rows."""
    x = draws.reshape(draws.shape[0], -1)
    lo = (1 - prob) / 2
    return np.column_stack([x.mean(0), x.std(0, ddof=1), *np.quantile(x, [lo, 1 - lo], axis=0)])


def groups_mean(draws: np.ndarray, keys: pd.Series) -> np.ndarray:
    """Per-draw means over the rows of each sorted key value."""
    values = sorted(pd.unique(keys))
    return np.stack([draws[:, (keys == v).to_numpy()].mean(1) for v in values], axis=1)


def shifted(fit: Any, name: str, value: Any) -> pd.DataFrame:
    d = fit.data.copy()
    d[name] = value
    if isinstance(fit.data[name].dtype, pd.CategoricalDtype):
        d[name] = pd.Categorical(d[name], categories=fit.data[name].cat.categories)
    return d


def ep(fit: Any, data: pd.DataFrame, **kw: Any) -> np.ndarray:
    return np.asarray(fit.posterior_epred(data, **kw))


def sd_x(fit: Any, name: str) -> float:
    return float(fit.data[name].std(ddof=1))


def ref_grid(fit: Any) -> pd.DataFrame:
    """emmeans's reference grid of the bernoulli model: g x h (h fastest), x at its mean."""
    g, h = zip(*[(a, b) for a in "abc" for b in "uv"], strict=True)
    return pd.DataFrame({"g": pd.Categorical(g), "h": h, "x": fit.data["x"].mean()})


Case = tuple[str, str, Callable[[Any], Any], Callable[[Any], np.ndarray]]

CASES: list[Case] = [
    (
        "gauss-predictions-data",
        "gauss",
        lambda f: f.predictions(),
        lambda f: summ(ep(f, f.data)),
    ),
    (
        "gauss-predictions-by-days",
        "gauss",
        lambda f: f.predictions(by="Days"),
        lambda f: summ(groups_mean(ep(f, f.data), f.data["Days"])),
    ),
    (
        "gauss-predictions-grid-link-nore",
        "gauss",
        lambda f: f.predictions(bj.datagrid(f, Days=[0, 4.5]), type="link", re_formula=np.nan),
        lambda f: summ(
            np.asarray(
                f.posterior_linpred(
                    pd.DataFrame({"Days": [0.0, 4.5], "Subject": "s308"}), re_formula=np.nan
                )
            )
        ),
    ),
    (
        "gauss-predictions-variables-avg",
        "gauss",
        lambda f: f.predictions(variables={"Days": [0, 9]}, by=True, prob=0.9),
        lambda f: summ(
            np.stack([ep(f, shifted(f, "Days", v)).mean(1) for v in (0, 9)], axis=1), 0.9
        ),
    ),
    (
        "gauss-comparisons-days",
        "gauss",
        lambda f: f.comparisons("Days"),
        lambda f: summ(
            (ep(f, shifted(f, "Days", f.data["Days"] + 1.0)) - ep(f, f.data)).mean(1)[:, None]
        ),
    ),
    (
        "gauss-slopes-days",
        "gauss",
        lambda f: f.slopes("Days"),
        lambda f: summ(
            (
                (ep(f, shifted(f, "Days", f.data["Days"] + 1e-4 * sd_x(f, "Days"))) - ep(f, f.data))
                / (1e-4 * sd_x(f, "Days"))
            ).mean(1)[:, None]
        ),
    ),
    (
        "gauss-marginal-means-subject",
        "gauss",
        lambda f: f.marginal_means("Subject", re_formula=None),
        lambda f: summ(
            ep(
                f,
                pd.DataFrame(
                    {
                        "Subject": sorted(f.data["Subject"].unique()),
                        "Days": f.data["Days"].mean(),
                    }
                ),
            )
        ),
    ),
    (
        "bern-comparisons-factor-levels",
        "bern",
        lambda f: f.comparisons("g"),
        lambda f: summ(
            np.stack(
                [
                    (ep(f, shifted(f, "g", lv)) - ep(f, shifted(f, "g", "a"))).mean(1)
                    for lv in ("b", "c")
                ],
                axis=1,
            )
        ),
    ),
    (
        "bern-comparisons-ratio-by",
        "bern",
        lambda f: f.comparisons({"g": ["a", "c"]}, comparison="ratio", by="g"),
        lambda f: summ(
            groups_mean(ep(f, shifted(f, "g", "c")) / ep(f, shifted(f, "g", "a")), f.data["g"])
        ),
    ),
    (
        "bern-comparisons-numeric-step",
        "bern",
        lambda f: f.comparisons({"x": 0.5}),
        lambda f: summ(
            (ep(f, shifted(f, "x", f.data["x"] + 0.5)) - ep(f, f.data)).mean(1)[:, None]
        ),
    ),
    (
        "bern-slopes-eps-by",
        "bern",
        lambda f: f.slopes("x", eps=1e-3, by="g"),
        lambda f: summ(
            groups_mean(
                (ep(f, shifted(f, "x", f.data["x"] + 1e-3)) - ep(f, f.data)) / 1e-3, f.data["g"]
            )
        ),
    ),
    (
        "bern-marginal-means-balanced",
        "bern",
        lambda f: f.marginal_means("g"),
        lambda f: summ(ep(f, ref_grid(f)).reshape(-1, 3, 2).mean(2)),
    ),
    (
        "bern-marginal-means-by",
        "bern",
        lambda f: f.marginal_means("h", by="g"),
        lambda f: summ(ep(f, ref_grid(f)).reshape(-1, 3, 2).transpose(0, 2, 1).reshape(-1, 6)),
    ),
    (
        "bern-comparisons-h",
        "bern",
        lambda f: f.comparisons("h"),
        lambda f: summ(
            (ep(f, shifted(f, "h", "v")) - ep(f, shifted(f, "h", "u"))).mean(1)[:, None]
        ),
    ),
    (
        "cumul-predictions-grid",
        "cumul",
        lambda f: f.predictions(bj.datagrid(f, g=["a", "c"])),
        lambda f: summ(
            ep(f, pd.DataFrame({"g": pd.Categorical(["a", "c"]), "x": f.data["x"].mean()}))
        ),
    ),
    (
        "cumul-comparisons",
        "cumul",
        lambda f: f.comparisons("g"),
        lambda f: summ(
            np.stack(
                [
                    (ep(f, shifted(f, "g", lv)) - ep(f, shifted(f, "g", "a"))).mean(1)
                    for lv in ("b", "c")
                ],
                axis=1,
            )
        ),
    ),
    (
        "cumul-slopes",
        "cumul",
        lambda f: f.slopes("x"),
        lambda f: summ(
            (
                (ep(f, shifted(f, "x", f.data["x"] + 1e-4 * sd_x(f, "x"))) - ep(f, f.data))
                / (1e-4 * sd_x(f, "x"))
            ).mean(1)[:, None]
        ),
    ),
    (
        "cumul-marginal-means",
        "cumul",
        lambda f: f.marginal_means("g"),
        lambda f: summ(
            ep(f, pd.DataFrame({"g": pd.Categorical(["a", "b", "c"]), "x": f.data["x"].mean()}))
        ),
    ),
    (
        "categ-comparisons-link",
        "categ",
        lambda f: f.comparisons("x", type="link"),
        lambda f: summ(
            (
                np.asarray(f.posterior_linpred(shifted(f, "x", f.data["x"] + 1.0)))
                - np.asarray(f.posterior_linpred(f.data))
            ).mean(1)[:, None]
        ),
    ),
]


@pytest.mark.parametrize(
    ("fixture", "call", "hand"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_equals_hand_computation(request: Any, fixture: str, call: Any, hand: Any) -> None:
    fit = request.getfixturevalue(fixture)
    res = call(fit)
    stats = res.table.iloc[:, -4:].to_numpy(dtype=float)
    np.testing.assert_allclose(stats, hand(fit), rtol=0, atol=TOL)
    assert res.draws.shape == (fit.ndraws, len(res))


TABLES = [
    (
        "gauss",
        lambda f: f.predictions(by="Days"),
        ["Days", "Estimate", "Est.Error", "Q2.5", "Q97.5"],
    ),
    (
        "gauss",
        lambda f: f.predictions(by=True, prob=0.9),
        ["Estimate", "Est.Error", "Q5", "Q95"],
    ),
    (
        "bern",
        lambda f: f.comparisons("g"),
        ["term", "contrast", "Estimate", "Est.Error", "Q2.5", "Q97.5"],
    ),
    (
        "bern",
        lambda f: f.slopes("x", by="g"),
        ["term", "contrast", "g", "Estimate", "Est.Error", "Q2.5", "Q97.5"],
    ),
    (
        "cumul",
        lambda f: f.marginal_means("g"),
        ["g", "category", "Estimate", "Est.Error", "Q2.5", "Q97.5"],
    ),
]


@pytest.mark.parametrize(("fixture", "call", "columns"), TABLES)
def test_table_columns(request: Any, fixture: str, call: Any, columns: list[str]) -> None:
    assert list(call(request.getfixturevalue(fixture)).table.columns) == columns


LABELS = [
    ("bern", lambda f: f.comparisons("g"), "contrast", ["b - a", "c - a"]),
    ("bern", lambda f: f.comparisons({"g": ["a", "c"]}, comparison="ratio"), "contrast", ["c / a"]),
    ("bern", lambda f: f.comparisons("x"), "contrast", ["x + 1 - x"]),
    ("cumul", lambda f: f.marginal_means("g"), "category", ["1", "2", "3"] * 3),
    ("cumul", lambda f: f.marginal_means("g"), "g", ["a"] * 3 + ["b"] * 3 + ["c"] * 3),
    ("categ", lambda f: f.predictions(by=True), "category", ["hi", "lo", "mid"]),
]


@pytest.mark.parametrize(("fixture", "call", "column", "values"), LABELS)
def test_labels(request: Any, fixture: str, call: Any, column: str, values: list[str]) -> None:
    assert [str(v) for v in call(request.getfixturevalue(fixture)).table[column]] == values


def test_cumulative_categories_sum_to_one(cumul: Any) -> None:
    est = cumul.predictions(bj.datagrid(cumul, x=[-1.0, 0.0, 1.0]))["Estimate"].to_numpy()
    np.testing.assert_allclose(est.reshape(3, 3).sum(1), 1.0, atol=1e-12)
