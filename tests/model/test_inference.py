"""Sampling: compiled-program reuse, chain placement, inits, prior-only draws and draw names."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest
from scipy import stats

from brmsjax.backend import cache
from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.registry import gaussian
from brmsjax.backend.infer.devices import ChainLayout, plan_chains
from brmsjax.backend.infer.draws import to_draws, variable_names
from brmsjax.backend.infer.inits import initial_values
from brmsjax.backend.infer.nuts import SampleResult, sample
from brmsjax.backend.model.lower import LoweredModel, ModelNames, lower, trace_count
from brmsjax.backend.priors.resolve import ParamPrior
from brmsjax.formula.design.ir import Design, FixedBlock, GroupBlock, Response
from brmsjax.formula.design.ir import FixedSpec as FixedNames
from brmsjax.formula.design.ir import GroupSpec as GroupNames
from brmsjax.formula.errors import ModelError

ROOT = Path(__file__).parents[2]
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
    jax.monitoring.unregister_event_duration_listener(listener)


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


LAYOUTS = {
    "one chain per device": (4, None, 4, "cpu", ("parallel", 4, 1)),
    "fewer chains than devices": (2, None, 8, "cpu", ("parallel", 2, 1)),
    "cores limit": (4, 2, 8, "cpu", ("parallel+vectorized", 2, 2)),
    "devices short": (5, None, 4, "cpu", ("parallel+vectorized", 3, 2)),
    "one device": (4, None, 1, "cpu", ("vectorized", 1, 4)),
    "cores=1": (4, 1, 4, "cpu", ("vectorized", 1, 4)),
    "gpu": (4, None, 1, "gpu", ("vectorized", 1, 4)),
}


@pytest.mark.parametrize("case", LAYOUTS, ids=list(LAYOUTS))
def test_plan_chains(case: str) -> None:
    chains, cores, available, platform, expected = LAYOUTS[case]
    layout = plan_chains(chains, cores, available, platform)
    assert (layout.method, layout.n_devices, layout.per_device) == expected
    assert layout.total >= chains
    assert layout == ChainLayout(*expected, platform)


def _run(code: str, xla_flags: str | None) -> dict:
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "BRMSJAX_CACHE_DIR": ""}
    env.pop("XLA_FLAGS", None)
    if xla_flags is not None:
        env["XLA_FLAGS"] = xla_flags
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


CONFIGURE = {
    "appends to user flags": (
        "--xla_cpu_enable_fast_math=false",
        "",
        {
            "count": 4,
            "flags": "--xla_cpu_enable_fast_math=false --xla_force_host_platform_device_count=4",
            "devices": 4,
        },
    ),
    "keeps the user's count": (
        "--xla_force_host_platform_device_count=3",
        "",
        {"count": 3, "flags": "--xla_force_host_platform_device_count=3", "devices": 3},
    ),
    "too late after jax starts": (
        None,
        "jax.devices()",
        {"count": None, "flags": None, "devices": 1},
    ),
}


@pytest.mark.parametrize("case", CONFIGURE, ids=list(CONFIGURE))
def test_configure_host_devices(case: str) -> None:
    flags, before, expected = CONFIGURE[case]
    code = (
        "import json, os, jax\n"
        f"{before}\n"  # JAX starts here in the "too late" case, before brmsjax is imported
        "from brmsjax.backend.infer.devices import configure_host_devices\n"
        "count = configure_host_devices(4)\n"
        "print(json.dumps({'count': count, 'flags': os.environ.get('XLA_FLAGS'),"
        " 'devices': jax.device_count()}))\n"
    )
    assert _run(code, flags) == expected


def test_parallel_chains_run_on_four_host_devices() -> None:
    code = (
        "import json\n"
        "from brmsjax.backend.infer.devices import configure_host_devices\n"
        "configure_host_devices(4)\n"
        "from tests.model.test_inference import plain_design, toy_priors\n"
        "from brmsjax.backend.families.registry import gaussian\n"
        "from brmsjax.backend.model.lower import lower\n"
        "from brmsjax.backend.infer.nuts import sample\n"
        "priors = {k: v for k, v in toy_priors().items() if k != 'sd_1'}\n"
        "r = sample(lower(plain_design(), gaussian(), priors), chains=4, iter=6, seed=1)\n"
        "print(json.dumps({'method': r.layout.method, 'devices': len(r.devices),"
        " 'shape': list(r.samples['lp__'].shape)}))\n"
    )
    assert _run(code, None) == {"method": "parallel", "devices": 4, "shape": [4, 3]}


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


CACHE_DIRS = {
    "brmsjax default": ({}, None, "{root}/brmsjax/jax"),
    "BRMSJAX_CACHE_DIR": ({"BRMSJAX_CACHE_DIR": "{root}/mine"}, None, "{root}/mine/jax"),
    "switched off": ({"BRMSJAX_CACHE_DIR": ""}, None, None),
    "the user's directory": ({}, "{root}/user", "{root}/user"),
}


@pytest.mark.parametrize("case", CACHE_DIRS, ids=list(CACHE_DIRS))
def test_persistent_cache_directory(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, user_dir, expected = CACHE_DIRS[case]
    root = str(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", root)
    monkeypatch.delenv("BRMSJAX_CACHE_DIR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value.format(root=root))
    monkeypatch.setattr(cache, "_STATE", {"done": False, "path": None})
    before = jax.config.jax_compilation_cache_dir  # type: ignore[attr-defined]
    try:
        jax.config.update(
            "jax_compilation_cache_dir", None if user_dir is None else user_dir.format(root=root)
        )
        path = cache.enable_persistent_cache()
        now = jax.config.jax_compilation_cache_dir  # type: ignore[attr-defined]
    finally:
        jax.config.update("jax_compilation_cache_dir", before)
    want = None if expected is None else expected.format(root=root)
    assert path == want
    assert now == want
    if want is not None and user_dir is None:
        assert Path(want).is_dir()  # created by brmsjax


@pytest.mark.parametrize(
    ("family", "expected"),
    [
        # brms's defaults: Intercept ~ student_t(3, median(y), mad), sigma ~ half student_t(3,
        # 0, mad) on sleepstudy (288.7 and 59.3 in tests/fixtures/brms/sleep_rs.stan).
        ("gaussian", {"Intercept": 288.7, "sigma": float(np.log(59.3))}),
        # poisson: Intercept ~ student_t(3, round(log(median(y)), 1), 2.5); no sigma.
        ("poisson", {"Intercept": 5.7}),
    ],
)
def test_random_inits_are_centred_at_the_prior_locations(
    family: str, expected: dict[str, float]
) -> None:
    import pandas as pd

    from brmsjax.api import design_for, get_family, resolve_priors
    from brmsjax.backend.infer.inits import init_centre

    frame = pd.read_csv(Path(__file__).resolve().parents[2] / "brmsjax" / "data" / "sleepstudy.csv")
    frame["Reaction"] = frame["Reaction"].round() if family == "poisson" else frame["Reaction"]
    fam = get_family(family)
    design = design_for("Reaction ~ Days + (Days | Subject)", frame, fam)
    lowered = lower(design, fam, resolve_priors(design, fam, None), marginalize=False)
    centre = init_centre(lowered)
    offset, got = 0, {}
    for site in lowered.sites:
        got[site.name] = centre[offset : offset + site.size]
        offset += site.size
    for name, value in expected.items():
        np.testing.assert_allclose(got.pop(name), [value], rtol=1e-12)
    assert all(np.all(v == 0) for v in got.values())


def test_nuts_runs_on_scaled_coordinates_where_variances_are_tiny() -> None:
    """With 200,000 rows the posterior variances of ``Intercept`` and ``log sigma`` are near
    1e-5: NUTS runs on coordinates scaled by the mode's curvature, so Stan's regularization
    towards 1e-3 I does not swamp them (unscaled: step size ~0.2, ~15 leapfrog steps), and the
    reported inverse mass matrix is on the model's scale (the draws' covariance)."""
    import pandas as pd

    from brmsjax.api import design_for, get_family, resolve_priors

    rng = np.random.default_rng(8)
    frame = pd.DataFrame({"y": rng.normal(3.0, 2.0, 200_000)})
    fam = get_family("gaussian")
    design = design_for("y ~ 1", frame, fam)
    lowered = lower(design, fam, resolve_priors(design, fam, None))
    result = sample(lowered, chains=2, iter=600, seed=4)
    assert result.metric == "laplace"
    assert result.stats["num_steps"].mean() < 6
    u = np.stack([result.samples["Intercept"], np.log(result.samples["sigma"])], -1)
    for c in range(2):
        np.testing.assert_allclose(
            result.inverse_mass[c], np.cov(u[c].T), rtol=0.35, atol=0.35 * np.cov(u[c].T)[0, 0]
        )


def test_scaled_metric_round_trips() -> None:
    from brmsjax.backend.infer.nuts import _scaled, _unscaled

    A = np.array([[4e-6, 1e-6], [1e-6, 9e-2]])
    first, scale = _scaled(A)
    np.testing.assert_allclose(scale, [2e-3, 0.3])
    np.testing.assert_allclose(np.diag(first), [1.0, 1.0])
    np.testing.assert_allclose(_unscaled(first[None], scale)[0], A, rtol=1e-12)
    first, scale = _scaled(np.array([4e-6, 9e-2]))
    np.testing.assert_array_equal(first, [1.0, 1.0])
    np.testing.assert_allclose(_unscaled(first[None], scale)[0], [4e-6, 9e-2], rtol=1e-12)
