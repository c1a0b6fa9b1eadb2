"""Approximate inference (``algorithm=`` meanfield, fullrank, laplace, pathfinder).

Ground truth is a conjugate model: ``y | se(s) ~ x`` with ``s = 1`` (known residual sd) and
normal(0, 10) priors on the centred ``Intercept`` and ``b`` has a normal posterior in closed
form. (``se()`` keeps brms's row-wise likelihood: a gaussian model with an estimated ``sigma``
this big would use the ``suffstat`` form, which is never mini-batched.) The mini-batched
potential is checked against the program's own potential, and a mini-batched meanfield fit
against a full-batch one. All fits share one data size, so that they share compiled programs
(the Hessian, the gradient, the optimizer's first stage).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend import approx_fit
from brmsjax.backend.diagnostics import SamplerWarning
from brmsjax.formula.errors import ModelError

PRIORS = [bj.prior("normal(0, 10)", class_="Intercept"), bj.prior("normal(0, 10)", class_="b")]
FORMULA = "y | se(s) ~ x"
_FITS: dict[tuple[Any, ...], Any] = {}
N = 20_000


def _data(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, 1.5, n)
    return pd.DataFrame({"y": 1.0 + 0.5 * x + rng.normal(size=n), "x": x, "s": np.ones(n)})


def _fit(algorithm: str, n: int = N, **kw: Any) -> Any:
    key = (algorithm, n, tuple(sorted(kw.items())))
    if key not in _FITS:
        with warnings.catch_warnings():
            warnings.simplefilter("error", SamplerWarning)
            _FITS[key] = bj.brm(FORMULA, _data(n), prior=PRIORS, algorithm=algorithm, seed=7,
                                **kw)
    return _FITS[key]


def _exact(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and sd of (b_Intercept, b_x): prior N(0, 10^2) on the centred intercept."""
    d = _data(n)
    x, y = d["x"].to_numpy(), d["y"].to_numpy()
    X = np.column_stack([np.ones(n), x - x.mean()])
    cov = np.linalg.inv(X.T @ X + np.eye(2) / 100)
    mean = cov @ X.T @ y
    A = np.array([[1.0, -x.mean()], [0.0, 1.0]])  # b_Intercept = Intercept - mean(x) * b
    return A @ mean, np.sqrt(np.diag(A @ cov @ A.T))


@pytest.mark.parametrize(("algorithm", "sd_tol"), [
    ("meanfield", None),  # a diagonal guide: means close, sds not promised
    ("fullrank", 0.1),
    ("laplace", 0.1),
])
def test_conjugate_posterior_recovered(algorithm: str, sd_tol: float | None) -> None:
    mean, sd = _exact(N)
    fe = _fit(algorithm).fixef()
    # 1000 draws: Monte Carlo error of a mean is sd / sqrt(1000) = 0.03 sd
    np.testing.assert_array_less(np.abs(fe["Estimate"].to_numpy() - mean) / sd, 0.15)
    if sd_tol is not None:
        np.testing.assert_allclose(fe["Est.Error"].to_numpy(), sd, rtol=sd_tol)


def test_batched_potential_is_unbiased() -> None:
    """The mean of the N/B-scaled potentials over disjoint batches is the full potential."""
    import jax

    fit = _fit("laplace")
    low = fit.model
    assert low.structure.likelihood == "plain"
    data, prior_args = low.model_args
    u = np.random.default_rng(0).normal(size=low.program.dim)
    with jax.enable_x64(True):
        full = float(low.program.potential(u, data, prior_args))
        one = float(approx_fit.potential(low.program, u, data, prior_args, 1.0))
        parts = [float(approx_fit.potential(low.program, u, approx_fit.rows(data, idx, N),
                                            prior_args, 4.0))
                 for idx in np.split(np.random.default_rng(1).permutation(N), 4)]
    assert one == pytest.approx(full, rel=1e-12)
    assert np.mean(parts) == pytest.approx(full, rel=1e-10)


def test_minibatch_meanfield_agrees_with_full_batch() -> None:
    full = _fit("meanfield").fixef()
    batched = _fit("meanfield", batch_size=2000).fixef()
    mean, sd = _exact(N)
    np.testing.assert_array_less(np.abs(batched["Estimate"].to_numpy() - mean) / sd, 0.2)
    np.testing.assert_allclose(batched["Est.Error"], sd, rtol=0.1)
    z = np.abs(batched["Estimate"] - full["Estimate"]) / full["Est.Error"]
    np.testing.assert_array_less(z.to_numpy(), 0.25)


def test_fit_object_of_an_approximation() -> None:
    fit = _fit("meanfield")
    text = str(fit.summary())
    assert "  Draws: 1 chains, each with iter = 1000; warmup = 0; thin = 1;\n" in text
    assert "         total post-warmup draws = 1000\n" in text
    assert text.endswith("Draws were sampled using variational(meanfield). \n")
    assert fit.ndraws == 1000 and fit.nchains == 1
    assert list(fit.fixef().index) == ["Intercept", "x"]
    assert (fit.draws()["lp__"] == 0).all()
    new = pd.DataFrame({"x": [0.0, 2.0], "s": [1.0, 1.0]})
    fe = fit.fixef()["Estimate"]
    expected = fe["Intercept"] + fe["x"] * new["x"].to_numpy()
    np.testing.assert_allclose(fit.fitted(newdata=new)["Estimate"], expected, atol=1e-8)
    assert fit.predict(newdata=new).shape[0] == 2


@pytest.mark.slow
def test_loo_of_an_approximation() -> None:
    """PSIS-LOO runs on the draws of an approximation (slow: 20,000 observations)."""
    fit = _fit("meanfield")
    assert fit.loo().elpd == pytest.approx(float(fit.log_lik().mean(axis=0).sum()), abs=5)


@pytest.mark.parametrize(("algorithm", "printed"), [
    ("meanfield", "variational(meanfield)"),
    ("laplace", "laplace"),
])
def test_algorithm_round_trips_through_update(algorithm: str, printed: str) -> None:
    fit = _fit(algorithm)
    assert fit.info.algorithm == printed
    new = fit.update(seed=8)
    assert new.brm_args["algorithm"] == algorithm and new.info.algorithm == printed
    assert new.ndraws == 1000


def test_unknown_algorithm_is_an_error() -> None:
    with pytest.raises(ModelError, match=re.escape(
        "algorithm must be one of 'sampling', 'meanfield', 'fullrank', 'laplace', "
        "'pathfinder', not 'vb'."
    )):
        bj.brm("y ~ x", _data(20), algorithm="vb")


def test_pathfinder_without_blackjax_is_an_error() -> None:
    try:
        import blackjax  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("blackjax is installed")
    with pytest.raises(ModelError, match="needs the optional package 'blackjax'"):
        bj.brm("y ~ x", _data(20), algorithm="pathfinder", seed=1)


@pytest.mark.parametrize(("n", "expected"), [
    # R: x <- sin(seq_len(n) * 0.37) + seq_len(n) / 2000; posterior::rhat(matrix(v, ncol = 1))
    # for v in x, exp(x) and seq_len(n) %% 7 (ties)
    (1001, (1.059088860776226, 1.059088860776226, 0.999023151320516)),
    (1000, (1.05917415192696, 1.05917415192696, 0.99901671653879)),
])
def test_one_chain_rhat_matches_posterior(n: int, expected: tuple[float, ...]) -> None:
    """brms summarizes a variational fit's single chain with posterior's split R-hat."""
    from brmsjax.summary import rhat_one_chain

    i = np.arange(1, n + 1)
    x = np.sin(i * 0.37) + i / 2000
    draws = np.stack([x, np.exp(x), (i % 7).astype(float)], axis=-1)[None]
    np.testing.assert_allclose(rhat_one_chain(draws), expected, rtol=1e-12)
