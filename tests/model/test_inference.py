"""Sampling a toy model: program reuse, the draws frame, inits, argument errors, prior-only runs."""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import jax
import numpy as np
import pytest
from scipy import stats

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.registry import gaussian
from brmsjax.backend.infer.draws import to_draws, variable_names
from brmsjax.backend.infer.inits import initial_values
from brmsjax.backend.infer.nuts import SampleResult, sample
from brmsjax.backend.model.lower import LoweredModel, ModelNames, lower, trace_count
from brmsjax.backend.priors.resolve import ParamPrior
from brmsjax.formula.design.ir import Design, FixedBlock, GroupBlock, Response
from brmsjax.formula.design.ir import FixedSpec as FixedNames
from brmsjax.formula.design.ir import GroupSpec as GroupNames
from brmsjax.formula.errors import ModelError

LEVELS = ("a", "b", "c", "d 1", "e", "f")
SETTINGS = {"chains": 2, "iter": 40, "warmup": 20, "thin": 2}


def toy_design(shift: float = 0.0) -> Design:
    """``y ~ x + (1 | g)``: 60 rows, 6 groups (one level label has a space)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=60)
    J = np.repeat(np.arange(6), 10)
    y = 1.0 + 0.5 * x + rng.normal(0, 0.7, 6)[J] + rng.normal(0, 1.0, 60) + shift
    X = np.column_stack([np.ones(60), x])
    group = GroupBlock(1, "g", LEVELS, ("Intercept",), ("",), True, J, np.ones((60, 1)))
    return Design(
        Response("y", y), (FixedBlock("", ("Intercept", "x"), X, True),), (group,), np.arange(60)
    )


def plain_design() -> Design:
    """``y ~ x``: the toy data without the group term."""
    d = toy_design()
    return Design(d.response, d.fixed, (), d.rows)


def toy_priors(intercept: tuple[float, float] = (0.0, 5.0), **extra: PriorSpec) -> dict:
    half_t = PriorSpec("student_t", (3.0, 0.0, 2.5), lb=0.0)
    specs = {
        "Intercept": PriorSpec("normal", intercept),
        "b": PriorSpec("normal", (0.0, 2.0)),
        "sigma": half_t,
        "sd_1": half_t,
        **extra,
    }
    return {k: ParamPrior(k, (v,)) for k, v in specs.items()}


class Events:
    """Counts JAX tracing and XLA compilation events while active."""

    NAMES = ("/jax/core/compile/jaxpr_trace_duration", "/jax/core/compile/backend_compile_duration")

    def __init__(self) -> None:
        self.counts = dict.fromkeys(self.NAMES, 0)

    def __call__(self, event: str, duration_secs: float, **kwargs: str | int) -> None:
        if event in self.counts:
            self.counts[event] += 1


@pytest.fixture
def events() -> Iterator[Events]:
    listener = Events()
    jax.monitoring.register_event_duration_secs_listener(listener)
    yield listener
    # jax 0.8.0 (the lowest allowed) has no unregister_event_duration_listener
    unregister = getattr(jax.monitoring, "unregister_event_duration_listener", None)
    if unregister is None:
        listener.counts = {}  # the listener stays registered but counts nothing
    else:
        unregister(listener)


@pytest.fixture(scope="module")
def toy_fit() -> tuple[LoweredModel, SampleResult]:
    lowered = lower(toy_design(), gaussian(), toy_priors(), marginalize=False)
    return lowered, sample(lowered, seed=11, **SETTINGS)


REFITS = {
    "new y": (lambda: toy_design(shift=5.0), toy_priors),
    "new prior values": (toy_design, lambda: toy_priors(intercept=(3.0, 1.0))),
}


@pytest.mark.parametrize("case", REFITS, ids=list(REFITS))
def test_refit_traces_and_compiles_nothing(case: str, toy_fit: tuple, events: Events) -> None:
    first_lowered, first = toy_fit
    design, priors = REFITS[case]
    traces = trace_count()
    lowered = lower(design(), gaussian(), priors(), marginalize=False)
    result = sample(lowered, seed=11, **SETTINGS)
    assert lowered.program is first_lowered.program
    assert trace_count() == traces
    assert events.counts == dict.fromkeys(Events.NAMES, 0)
    shift = result.samples["b_Intercept"].mean() - first.samples["b_Intercept"].mean()
    assert shift > 3 if case == "new y" else abs(shift) > 0.01


def test_draws_frame_has_brms_names_and_counts(toy_fit: tuple) -> None:
    lowered, result = toy_fit
    draws, st = to_draws(result, lowered)
    r = [f"r_g[{lv.replace(' ', '.')},Intercept]" for lv in LEVELS]
    assert list(draws.columns) == [
        "b_Intercept",
        "b_x",
        "sd_g__Intercept",
        "sigma",
        *r,
        "lprior",
        "lp__",
        ".chain",
        ".iteration",
        ".draw",
    ]
    assert len(draws) == 20  # 2 chains x ceil((40 - 20) / 2)
    assert draws[".chain"].tolist() == [1] * 10 + [2] * 10
    assert draws[".iteration"].tolist() == list(range(1, 11)) * 2
    assert draws[".draw"].tolist() == list(range(1, 21))
    assert list(st.columns) == [
        "accept_stat__",
        "stepsize__",
        "treedepth__",
        "n_leapfrog__",
        "divergent__",
        "energy__",
    ]
    n = st["n_leapfrog__"].to_numpy()
    np.testing.assert_array_equal(st["treedepth__"], np.floor(np.log2(n + 1)))
    assert st["stepsize__"].nunique() == 2  # one adapted step size per chain
    np.testing.assert_allclose(draws["b_Intercept"], result.samples["b_Intercept"].reshape(-1))
    np.testing.assert_allclose(
        draws["r_g[d.1,Intercept]"], result.samples["r_1"][:, :, 3, 0].reshape(-1)
    )


def test_float32_draws_convert_once_per_site(toy_fit: tuple) -> None:
    """float32 draws become float64 columns with one copy per site: a copy per column kept
    every column's whole site alive (100,000 rows x 1,000 levels, float32: out of memory)."""
    lowered, result = toy_fit
    group = replace(lowered.names.groups[0], levels=tuple(f"l{i}" for i in range(2000)))
    named = replace(lowered, names=replace(lowered.names, groups=(group,)))
    samples = {k: np.asarray(v, dtype=np.float32) for k, v in result.samples.items()}
    samples["r_1"] = np.random.default_rng(0).normal(size=(2, 10, 2000, 1)).astype(np.float32)
    tracemalloc.start()
    try:
        draws, _ = to_draws(replace(result, samples=samples), named)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * samples["r_1"].size * 8  # one copy per column: 2,000 copies
    np.testing.assert_array_equal(
        draws["r_g[l7,Intercept]"], samples["r_1"][:, :, 7, 0].reshape(-1).astype(np.float64)
    )
    assert draws["b_x"].dtype == np.float64


def test_same_seed_same_draws_with_or_without_progress(
    toy_fit: tuple, capsys: pytest.CaptureFixture[str]
) -> None:
    lowered, first = toy_fit
    again = sample(lowered, seed=11, progress=True, **SETTINGS)
    other = sample(lowered, seed=12, **SETTINGS)
    for key, values in first.samples.items():
        np.testing.assert_array_equal(again.samples[key], values)
    assert not np.array_equal(other.samples["lp__"], first.samples["lp__"])
    assert "Sampling 2 chains" in capsys.readouterr().err


def test_init_dict_runs_from_given_values(toy_fit: tuple) -> None:
    lowered, _ = toy_fit
    inits = [{"sigma": 2.0, "b": [0.5]}, {"Intercept": 1.0}]
    result = sample(lowered, seed=3, init=inits, **SETTINGS)
    assert np.isfinite(result.samples["lp__"]).all()
    u, mask, radius = initial_values(lowered, inits, 2, np.float64)
    assert radius == 2.0
    assert np.flatnonzero(mask[0]).tolist() == [1, 2]  # sites: Intercept, b, sigma, sd_1, z_1
    np.testing.assert_allclose(u[0, [1, 2]], [0.5, np.log(2.0)])
    assert np.flatnonzero(mask[1]).tolist() == [0]


INITS = {
    "None": (None, 0, 2.0),
    "random": ("random", 0, 2.0),
    "zero": (0, 10, 2.0),
    "'0'": ("0", 10, 2.0),
    "radius": (0.5, 0, 0.5),
}


@pytest.mark.parametrize("case", INITS, ids=list(INITS))
def test_init_modes(case: str, toy_fit: tuple) -> None:
    lowered, _ = toy_fit
    init, n_given, radius = INITS[case]
    u, mask, r = initial_values(lowered, init, 3, np.float64)
    assert u.shape == (3, 10) and not u.any()
    assert mask.sum(axis=1).tolist() == [n_given] * 3
    assert r == radius


BAD_INITS = {
    "unknown": (
        {"sd": 1.0},
        "init names unknown parameter(s) 'sd'; the model's parameters are: "
        "Intercept, b, sigma, sd_1, z_1.",
    ),
    "shape": ({"b": [1.0, 2.0]}, "init['b'] has shape (2,); the parameter has shape (1,)."),
    "support": ({"sigma": -1.0}, "init['sigma'] is outside the parameter's support."),
    "type": (
        "zeros",
        "init must be None, 'random', 0, a positive radius, a dict of parameter "
        "values or a list of dicts (one per chain), not 'zeros'.",
    ),
    "count": ([{}, {}, {}], "init has 3 dicts; give one dict for all chains or one per chain (2)."),
}


@pytest.mark.parametrize("case", BAD_INITS, ids=list(BAD_INITS))
def test_bad_inits_raise(case: str, toy_fit: tuple) -> None:
    lowered, _ = toy_fit
    init, message = BAD_INITS[case]
    with pytest.raises(ModelError, match=re.escape(message)):
        sample(lowered, init=init, **SETTINGS)


BAD_ARGS: dict[str, tuple[dict[str, Any], str]] = {
    "chains": ({"chains": 0}, "chains must be a whole number of at least 1, not 0."),
    "iter": ({"iter": 2.5}, "iter must be a whole number of at least 1, not 2.5."),
    "warmup": ({"iter": 10, "warmup": 10}, "warmup (10) must be smaller than iter (10)."),
    "thin": ({"thin": 0}, "thin must be a whole number of at least 1, not 0."),
    "cores": ({"cores": 0}, "cores must be a whole number of at least 1, not 0."),
    "control key": (
        {"control": {"adapt_dleta": 0.9}},
        "Unknown control setting 'adapt_dleta'; brmsjax supports: adapt_delta, max_treedepth.",
    ),
    "adapt_delta": (
        {"control": {"adapt_delta": 1.5}},
        "control['adapt_delta'] must be between 0 and 1, not 1.5.",
    ),
    "max_treedepth": (
        {"control": {"max_treedepth": 0}},
        "control['max_treedepth'] must be a whole number of at least 1, not 0.",
    ),
}


@pytest.mark.parametrize("case", BAD_ARGS, ids=list(BAD_ARGS))
def test_bad_sampler_arguments_raise(case: str, toy_fit: tuple) -> None:
    lowered, _ = toy_fit
    kwargs, message = BAD_ARGS[case]
    with pytest.raises(ModelError, match=re.escape(message)):
        sample(lowered, **kwargs)


def test_no_finite_initial_value_raises() -> None:
    priors = toy_priors(Intercept=PriorSpec("uniform", (100.0, 200.0)))
    lowered = lower(toy_design(), gaussian(), priors, marginalize=False)
    message = (
        "Chain(s) 1, 2 found no finite log density in 100 random initial values; give "
        "init values (init=0 or a dict) or check the priors and data."
    )
    with pytest.raises(ModelError, match=re.escape(message)):
        sample(lowered, seed=1, **SETTINGS)


def test_sample_prior_only_draws_the_priors() -> None:
    priors = {k: v for k, v in toy_priors().items() if k != "sd_1"}
    lowered = lower(plain_design(), gaussian(), priors, sample_prior="only")
    result = sample(lowered, chains=4, iter=2000, seed=5)
    half_t = stats.t(3, 0, 2.5)
    cdfs = {
        "sigma": lambda q: 2 * half_t.cdf(q) - 1,
        "Intercept": stats.norm(0, 5).cdf,
        "b": stats.norm(0, 2).cdf,
    }
    for name, cdf in cdfs.items():
        draws = result.samples[name].reshape(-1)
        assert stats.kstest(draws, cdf).statistic < 0.05, name
    s = {k: v.reshape(-1) for k, v in result.samples.items()}
    lprior = (
        stats.norm(0, 5).logpdf(s["Intercept"])
        + stats.norm(0, 2).logpdf(s["b"])
        + half_t.logpdf(s["sigma"])
        + np.log(2)
    )
    np.testing.assert_allclose(s["lprior"], lprior, rtol=1e-10)


def test_variable_names_for_a_predicted_sigma() -> None:
    names = ModelNames(
        fixed=(FixedNames("", True, ("x",)), FixedNames("sigma", True, ("x",))),
        groups=(
            GroupNames(
                1, "g", ("l 1", "l2"), ("Intercept", "x", "Intercept"), ("", "", "sigma"), True
            ),
            GroupNames(2, "h:k", ("a_1",), ("Intercept",), ("",), False),
        ),
        aux=(),
    )
    assert variable_names(names) == [
        "b_Intercept",
        "b_sigma_Intercept",
        "b_x",
        "b_sigma_x",
        "sd_g__Intercept",
        "sd_g__x",
        "sd_g__sigma_Intercept",
        "sd_h:k__Intercept",
        "cor_g__Intercept__x",
        "cor_g__Intercept__sigma_Intercept",
        "cor_g__x__sigma_Intercept",
        "r_g[l.1,Intercept]",
        "r_g[l2,Intercept]",
        "r_g[l.1,x]",
        "r_g[l2,x]",
        "r_g__sigma[l.1,Intercept]",
        "r_g__sigma[l2,Intercept]",
        "r_h:k[a_1,Intercept]",
        "lprior",
        "lp__",
    ]
