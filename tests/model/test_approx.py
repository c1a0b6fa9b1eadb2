"""Approximate inference (``algorithm=`` meanfield, fullrank, laplace, pathfinder).

Ground truth is a conjugate model: ``y | se(s) ~ x`` with ``s = 1`` (known residual sd) and
normal(0, 10) priors on the centred ``Intercept`` and ``b`` has a normal posterior in closed
form. (``se()`` keeps brms's row-wise likelihood: a gaussian model with an estimated ``sigma``
this big would use the ``suffstat`` form, which is never mini-batched.) The mini-batched
potential is checked against the program's own potential, and a mini-batched meanfield fit
against a full-batch one. All fits share one data size, so that they share compiled programs
(the Hessian, the gradient, the optimizer's first stage). Hierarchical models are checked
against brms's sleepstudy posterior (in the marginal form, group effects integrated out) and
for Laplace's refusal of a collapsed non-centred mode.
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.infer import approx, approx_fit
from brmsjax.backend.infer.diagnostics import SamplerWarning
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
            _FITS[key] = bj.brm(FORMULA, _data(n), prior=PRIORS, algorithm=algorithm, seed=7, **kw)
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


@pytest.mark.parametrize(
    ("algorithm", "sd_tol"),
    [
        ("meanfield", None),  # a diagonal guide: means close, sds not promised
        ("fullrank", 0.1),
        ("laplace", 0.1),
        # a Gaussian approximation of a Gaussian posterior: measured sd ratios 1.009 and 1.003
        ("pathfinder", 0.1),
    ],
)
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
        parts = [
            float(
                approx_fit.potential(low.program, u, approx_fit.rows(data, idx, N), prior_args, 4.0)
            )
            for idx in np.split(np.random.default_rng(1).permutation(N), 4)
        ]
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


@pytest.mark.parametrize(
    ("algorithm", "printed"),
    [
        ("meanfield", "variational(meanfield)"),
        ("laplace", "laplace"),
        ("pathfinder", "pathfinder"),
    ],
)
def test_algorithm_round_trips_through_update(algorithm: str, printed: str) -> None:
    fit = _fit(algorithm)
    assert fit.info.algorithm == printed
    new = fit.update(seed=8)
    assert new.brm_args["algorithm"] == algorithm and new.info.algorithm == printed
    assert new.ndraws == 1000


def test_unknown_algorithm_is_an_error() -> None:
    with pytest.raises(
        ModelError,
        match=re.escape(
            "algorithm must be one of 'sampling', 'meanfield', 'fullrank', 'laplace', "
            "'pathfinder', not 'vb'."
        ),
    ):
        bj.brm("y ~ x", _data(20), algorithm="vb")


def test_pathfinder_without_blackjax_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "blackjax.optimizers.lbfgs", None)  # import fails
    with pytest.raises(
        ModelError,
        match=re.escape(
            "algorithm='pathfinder' needs the optional package 'blackjax', which is not "
            "installed; install it (pip install blackjax) or choose 'meanfield', 'fullrank' "
            "or 'laplace'."
        ),
    ):
        bj.brm("y ~ x", _data(20), algorithm="pathfinder", seed=1)


def test_pathfinder_fit_object() -> None:
    fit = _fit("pathfinder")
    assert str(fit.summary()).endswith("Draws were sampled using pathfinder. \n")
    assert fit.ndraws == 1000 and fit.nchains == 1


@pytest.mark.parametrize(("k", "warns"), [(0.69, False), (0.71, True), (1.45, True)])
def test_pathfinder_pareto_k_warning(k: float, warns: bool) -> None:
    info = approx_fit.Pathfinder(
        elbo=np.zeros(4), iterations=np.ones(4, int), best=np.ones(4, int), pareto_k=k
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        approx._check_pareto_k(info)
    messages = [str(w.message) for w in caught if issubclass(w.category, SamplerWarning)]
    expected = (
        f"Pathfinder's Pareto k is {k:.2f}, greater than 0.7: importance resampling could "
        "not correct the normal approximations, which may therefore be poor; compare with "
        "algorithm='sampling'."
    )
    assert messages == ([expected] if warns else [])


SLEEP = json.loads((Path(__file__).parents[1] / "fixtures" / "brms" / "sleep_rs.json").read_text())


@pytest.mark.parametrize(
    ("algorithm", "z_tol"),
    [
        # measured |mean - brms| / brms sd at most 0.16 (pathfinder), 0.41 (laplace: sigma's
        # mode 25.2 lies below its mean 25.9); measured sds within 0.86 to 1.12 of brms's
        ("pathfinder", 0.3),
        ("laplace", 0.5),
    ],
)
def test_hierarchical_marginal_form_matches_brms(algorithm: str, z_tol: float) -> None:
    """With the group effects integrated out (the marginal form) the approximations of
    sleepstudy's ``(Days | Subject)`` model agree with brms's NUTS posterior."""
    from brmsjax.api import design_for, get_family, resolve_priors
    from brmsjax.backend.infer.draws import to_draws
    from brmsjax.backend.model.lower import lower

    fam = get_family("gaussian")
    design = design_for(SLEEP["formula"], bj.datasets.sleepstudy(), fam)
    low = lower(design, fam, resolve_priors(design, fam, None), likelihood="marginal")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)  # Pareto k about 0.8
        result = approx.approximate(low, algorithm=algorithm, seed=1)
    draws, _ = to_draws(result, low)  # type: ignore[arg-type]
    ref = {r["variable"]: (r["mean"], r["sd"]) for r in SLEEP["summary"]}
    names = [
        "b_Intercept",
        "b_Days",
        "sd_Subject__Intercept",
        "sd_Subject__Days",
        "cor_Subject__Intercept__Days",
        "sigma",
    ]
    mean = np.array([ref[v][0] for v in names])
    sd = np.array([ref[v][1] for v in names])
    got = draws[names]
    np.testing.assert_array_less(np.abs(got.mean().to_numpy() - mean) / sd, z_tol)
    np.testing.assert_allclose(got.std().to_numpy(), sd, rtol=0.2)


def _bernoulli_groups(levels: int, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    g = np.repeat(np.arange(levels), rows)
    x = rng.normal(size=levels * rows)
    eta = -0.3 + 0.8 * x + rng.normal(0, 0.5, levels)[g]
    return pd.DataFrame(
        {"y": (rng.random(levels * rows) < 1 / (1 + np.exp(-eta))).astype(int), "x": x, "g": g}
    )


@pytest.mark.parametrize(
    ("formula", "data", "family", "name"),
    [
        # NUTS: sd 0.71 (sd 0.21); the unchecked Laplace gave 3.75 (sd 2.9)
        ("y ~ x + (1 | g)", _bernoulli_groups(10, 1000), "bernoulli", "sd_g__Intercept"),
        # NUTS: sd 0.76 (sd 0.21); the unchecked Laplace gave 4.46 (sd 2.9)
        (
            "incidence | trials(size) ~ period + (1 | herd)",
            bj.datasets.cbpp(),
            "binomial",
            "sd_herd__Intercept",
        ),
    ],
)
def test_laplace_refuses_a_collapsed_non_centred_mode(
    formula: str, data: pd.DataFrame, family: str, name: str
) -> None:
    with pytest.raises(
        ModelError,
        match=(
            r"^The Laplace approximation is unreliable here: at the joint mode of brms's "
            r"non-centred coordinates the standardized group-level effects z have a mean "
            rf"square far below their prior's 1 for {name} \(0\.\d+\), so the mode sits at too "
            r"large a group-level sd \(the data pin down each level's effect\)\. Use "
            r"algorithm='pathfinder' or 'sampling'\.$"
        ),
    ):
        bj.brm(formula, data, family=family, algorithm="laplace", seed=1)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        # R: x <- sin(seq_len(n) * 0.37) + seq_len(n) / 2000; posterior::rhat(matrix(v, ncol = 1))
        # for v in x, exp(x) and seq_len(n) %% 7 (ties)
        (1001, (1.059088860776226, 1.059088860776226, 0.999023151320516)),
        (1000, (1.05917415192696, 1.05917415192696, 0.99901671653879)),
    ],
)
def test_one_chain_rhat_matches_posterior(n: int, expected: tuple[float, ...]) -> None:
    """brms summarizes a variational fit's single chain with posterior's split R-hat."""
    from brmsjax.methods.summary import rhat_one_chain

    i = np.arange(1, n + 1)
    x = np.sin(i * 0.37) + i / 2000
    draws = np.stack([x, np.exp(x), (i % 7).astype(float)], axis=-1)[None]
    np.testing.assert_allclose(rhat_one_chain(draws), expected, rtol=1e-12)
