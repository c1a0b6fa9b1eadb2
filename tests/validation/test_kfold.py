"""kfold(): loo's fold splitters, brms's kfold values on a small gaussian model, and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import logsumexp

import brmsjax as bj
from brmsjax.methods.comparison import ComparisonError
from brmsjax.methods.validation.kfold import (
    kfold_split_grouped,
    kfold_split_random,
    kfold_split_stratified,
)

GROUPS = np.repeat(list("abcdefgh"), 5)


@pytest.mark.parametrize(("K", "N"), [(10, 40), (4, 10), (3, 7), (2, 2)])
def test_random_folds_are_balanced(K: int, N: int) -> None:
    fold = kfold_split_random(K, N, np.random.default_rng(0))
    sizes = np.bincount(fold, minlength=K + 1)[1:]
    assert sorted(set(fold)) == list(range(1, K + 1))
    assert sizes.max() - sizes.min() <= 1


@pytest.mark.parametrize("K", [2, 3, 4, 8])
def test_grouped_folds_keep_groups_whole(K: int) -> None:
    fold = kfold_split_grouped(K, GROUPS, np.random.default_rng(0))
    per_group = pd.Series(fold).groupby(GROUPS).nunique()
    assert (per_group == 1).all()
    groups_per_fold = pd.Series(GROUPS).groupby(fold).nunique()
    assert groups_per_fold.max() - groups_per_fold.min() <= 1


@pytest.mark.parametrize("K", [2, 5])
def test_stratified_folds_spread_each_value(K: int) -> None:
    fold = kfold_split_stratified(K, GROUPS, np.random.default_rng(0))
    table = pd.crosstab(GROUPS, fold)
    assert table.shape == (8, K)
    assert (table.max(axis=1) - table.min(axis=1) <= 1).all()


@pytest.mark.slow  # 8 refits: about 25 s on 2 cores
def test_kfold_is_close_to_loo_and_by_brms_definition(gauss: Any) -> None:
    kf = gauss.kfold(K=8, seed=1)
    loo = gauss.loo()
    # K-fold and PSIS-LOO estimate the same elpd on a well-specified model
    assert abs(kf.elpd_kfold - loo.elpd_loo) < 1.5
    assert abs(kf.elpd_kfold - loo.elpd_loo) < loo.se_elpd_loo
    assert kf.K == 8 and sorted(np.bincount(kf.folds)[1:]) == [5] * 8
    ll = gauss.log_lik()
    lpd = logsumexp(ll, axis=0) - np.log(ll.shape[0])
    elpd = kf.pointwise["elpd"].to_numpy()
    np.testing.assert_allclose(kf.pointwise["p"], lpd - elpd, rtol=1e-12)
    assert kf.estimates.index.tolist() == ["elpd_kfold", "p_kfold", "kfoldic"]
    assert kf.kfoldic == pytest.approx(-2 * elpd.sum())
    assert kf.se_elpd_kfold == pytest.approx(np.sqrt(40 * np.var(elpd, ddof=1)))
    assert 1.0 < kf.p_kfold < 6.0  # two coefficients and sigma
    assert str(kf).startswith("\nBased on 8-fold cross-validation\n\n")
    cmp = bj.loo_compare(kf, gauss.kfold(K=2, seed=2))
    assert list(cmp.table.columns)[-2:] == ["kfoldic", "se_kfoldic"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"K": 1}, "K must be an integer of at least 2, not 1"),
        ({"K": 41}, "K = 41 is more than the 40 observations"),
        ({"K": 9, "folds": "grouped", "group": "g"}, "K = 9 is more than the 8 groups"),
        ({"folds": "stratified"}, "folds = 'stratified' needs group = "),
        ({"folds": "grouped", "group": "h"}, "group = 'h' is not a column"),
        ({"folds": "random"}, "folds must be 'stratified', 'grouped', 'loo' or one fold"),
        ({"folds": [1, 2, 3]}, "one entry per observation \\(40\\), not 3"),
    ],
)
def test_kfold_errors(gauss: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ComparisonError, match=message):
        gauss.kfold(**kwargs)


def test_kfold_user_folds_and_criterion(gauss: Any) -> None:
    folds = np.resize([1, 2], 40)
    kf = gauss.kfold(folds=folds, save_fits=True)
    assert kf.K == 2 and len(kf.fits) == 2
    assert all(f.nobs() == 20 for f in kf.fits)
    np.testing.assert_array_equal(kf.folds, folds)
    assert abs(kf.elpd_kfold - gauss.loo().elpd_loo) < 3.0
