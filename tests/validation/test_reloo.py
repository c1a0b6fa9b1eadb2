"""reloo(): exact refits for high Pareto k replace PSIS's pointwise values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from brmsjax.methods.comparison import ComparisonError


@pytest.mark.slow  # 2 refits with a new data shape: about 20 s on 2 cores
def test_reloo_refits_the_observations_above_the_threshold(gauss: Any) -> None:
    loo = gauss.loo()
    k = loo.pareto_k
    top = np.argsort(k)[-2:]
    threshold = float(np.sort(k)[-3])
    new = gauss.reloo(loo, k_threshold=threshold)
    changed = np.flatnonzero(new.pointwise["elpd"].to_numpy() != loo.pointwise["elpd"].to_numpy())
    assert sorted(changed) == sorted(top)
    # where PSIS is reliable (k well below 0.7 on this model) exact LOO agrees with it
    np.testing.assert_allclose(new.pointwise["elpd"][top], loo.pointwise["elpd"][top], atol=0.2)
    np.testing.assert_array_equal(new.pareto_k[top], 0.0)
    elpd = new.pointwise["elpd"].to_numpy()
    assert new.elpd_loo == pytest.approx(elpd.sum())
    assert new.looic == pytest.approx(-2 * elpd.sum())
    assert new.se_elpd_loo == pytest.approx(np.sqrt(40 * np.var(elpd, ddof=1)))
    assert new.p_loo == pytest.approx(new.pointwise["p"].sum())


def test_reloo_without_high_k_returns_the_loo(gauss: Any) -> None:
    loo = gauss.loo()
    # no k above the threshold: nothing to refit (the k of this small model depend on the
    # sampler's numbers, which differ between JAX versions, hence a threshold above them)
    assert gauss.reloo(loo, k_threshold=float(np.max(loo.pareto_k)) + 0.01) is loo


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: f.reloo(f.waic()), "loo must be a loo\\(\\) result"),
        (lambda f: f.reloo(k_threshold="high"), "k_threshold must be a number, not 'high'"),
    ],
)
def test_reloo_errors(gauss: Any, call: Any, message: str) -> None:
    with pytest.raises(ComparisonError, match=message):
        call(gauss)
