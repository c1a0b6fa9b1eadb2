"""Sampler setup: chains on host devices, the compilation cache, init centres, the scaled metric."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

from brmsjax.backend import cache
from brmsjax.backend.infer.devices import ChainLayout, plan_chains
from brmsjax.backend.infer.nuts import sample
from brmsjax.backend.model.lower import lower

ROOT = Path(__file__).parents[2]


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
