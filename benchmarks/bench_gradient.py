"""Gradient time of a multilevel model's potential in each likelihood form.

The model is ``y ~ x1 + ... + x9 + (1 + x1 | g)`` (``--slopes`` sets the 9) with brms's default
priors, N rows and G levels (simulated; rows in random level order unless ``--sorted``), gaussian
unless ``--family bernoulli`` or ``--family poisson``. For each G it times the
jit-compiled ``jax.grad`` of :meth:`ModelProgram.potential <brmsjax.backend.model.program.
ModelProgram.potential>` in the forms of :mod:`brmsjax.backend.model.forms`:

* ``plain/index``: brms's per-row form, group effects by an index gather (scatter-add in the
  gradient);
* ``plain/onehot``: the per-row form with ``one_hot(J) @ r`` (a matmul both ways);
* ``plain/sorted``: the index gather told that the rows are sorted (only with ``--sorted``);
* ``suffstat``: the sufficient-statistics form (gaussian);
* ``marginal``: the group effects integrated out (gaussian, one group term;
  :mod:`brmsjax.backend.model.marginal`): a potential of the population-level and covariance
  coordinates only, so its gradient is not the same vector as the others';
* ``glm``: the exponential-family form with host statistics (bernoulli, poisson;
  :mod:`brmsjax.backend.model.glm_forms`);

and, for the gaussian model, a hand-written minimal kernel of the same model in sufficient
statistics (``X'X``, ``X'y``, ``y'y``, per-level cross-products; non-centred
``r = diag(sd) L z``; the same priors up to constants), the yardstick. Each time is the median
of ``--repeats`` calls after a warm-up call, each ended by ``block_until_ready``, the forms
called in turn (so that all see the same load). The table
gives microseconds per gradient and the ratio to the kernel (to ``plain/index`` for the other
families), and names the form that ``likelihood="auto"`` / ``gather="auto"`` choose. Run:

    python benchmarks/bench_gradient.py [--rows 100000] [--groups 8 1000] [--float32]

On a GPU, the issue's sizes: ``--rows 1000000 --groups 8 10000`` (add ``--float32``); the
one-hot / index crossover that sets ``forms.ONEHOT_MAX_LEVELS``:
``--rows 1000000 --groups 8 16 32 64 128 --forms plain/index plain/onehot``. ``--centred 0``
pins brms's non-centred group coordinates (the default chooses per group). The glm form
against the plain one (the measurements behind ``glm_forms.GLM_MIN_ROWS``):
``--family bernoulli poisson --slopes 5 --rows 100000 --groups 1000``.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

P_SLOPES = 9


def simulate(
    rows: int,
    groups: int,
    seed: int = 1,
    *,
    sort: bool = False,
    family: str = "gaussian",
    slopes: int = P_SLOPES,
) -> dict[str, np.ndarray]:
    """Data of ``y ~ x1..xK + (1 + x1 | g)``: X ``(N, K)``, level index g, response y.

    A bernoulli or poisson response takes the gaussian one, standardized, as its linear
    predictor (scaled by 0.5 and shifted by 0.5 for poisson).
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, slopes)) + np.linspace(0.0, 2.0, slopes)
    g = rng.integers(0, groups, rows)
    g[:groups] = np.arange(min(groups, rows))  # every level has a row
    if sort:
        order = np.argsort(g, kind="stable")
        X, g = X[order], g[order]
    r = rng.normal(size=(groups, 2)) * [1.0, 0.3]
    y = 3.0 + X @ rng.normal(size=slopes) + r[g, 0] + r[g, 1] * X[:, 0] + rng.normal(size=rows)
    eta = (y - y.mean()) / y.std()
    if family == "bernoulli":
        y = (rng.uniform(size=rows) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    elif family == "poisson":
        y = rng.poisson(np.exp(0.5 + 0.5 * eta)).astype(float)
    return {"X": X, "g": g, "y": y}


def design(sim: dict[str, np.ndarray]) -> Any:
    """The formula layer's design of the simulated data, built directly (it is not timed)."""
    from brmsjax.formula.design.ir import Design, FixedBlock, GroupBlock, Response

    X, g, y = sim["X"], sim["g"], sim["y"]
    n, groups = len(y), int(g.max()) + 1
    cols = ("Intercept", *(f"x{k + 1}" for k in range(X.shape[1])))
    fixed = FixedBlock("", cols, np.column_stack([np.ones(n), X]), True)
    Z = np.column_stack([np.ones(n), X[:, 0]])
    group = GroupBlock(
        1,
        "g",
        tuple(str(k) for k in range(groups)),
        ("Intercept", "x1"),
        ("", ""),
        True,
        g.astype(np.int32),
        Z,
    )
    return Design(Response("y", y), (fixed,), (group,), np.arange(n))


def kernel(sim: dict[str, np.ndarray], groups: int, float32: bool) -> tuple[Callable, Any, Any]:
    """A hand-written potential in sufficient statistics, its data and a starting point.

    Coordinates: ``(Intercept, b (9), log sigma, log sd (2), atanh rho, z (2 x G))``; priors
    student_t(3, mean(y), s) on the intercept and half student_t(3, 0, s) on sigma and sd,
    flat b, lkj(1), std_normal(z).
    """
    import jax.numpy as jnp
    from jax.scipy.stats import t as student

    X, g, y = sim["X"], sim["g"], sim["y"]
    n = len(y)
    A = np.column_stack([np.ones(n), X])
    Z = np.column_stack([np.ones(n), X[:, 0]])
    M = 2
    ZZ = np.stack(
        [np.bincount(g, Z[:, i] * Z[:, j], groups) for i in range(M) for j in range(M)], 1
    ).reshape(groups, M, M)
    ZA = np.stack(
        [np.bincount(g, Z[:, i] * A[:, k], groups) for i in range(M) for k in range(A.shape[1])], 1
    ).reshape(groups, M, A.shape[1])
    Zy = np.stack([np.bincount(g, Z[:, i] * y, groups) for i in range(M)], 1)
    ftype = np.float32 if float32 else np.float64
    data = {
        k: np.asarray(v, ftype)
        for k, v in {
            "AA": A.T @ A,
            "Ay": A.T @ y,
            "yy": y @ y,
            "ZZ": ZZ,
            "ZA": ZA,
            "Zy": Zy,
            "n": float(n),
            "loc": float(np.mean(y)),
            "scale": max(2.5, float(np.std(y))),
        }.items()
    }
    p = A.shape[1]

    def potential(u: Any, d: Any) -> Any:
        beta, log_sigma, log_sd, w = u[:p], u[p], u[p + 1 : p + 3], u[p + 3]
        z = u[p + 4 :].reshape(M, groups)
        sigma, sd, rho = jnp.exp(log_sigma), jnp.exp(log_sd), jnp.tanh(w)
        L = jnp.array([[1.0, 0.0], [rho, jnp.sqrt(1.0 - rho * rho)]], dtype=u.dtype)
        r = (sd[:, None] * (L @ z)).T
        rss = (
            d["yy"]
            - 2.0 * (d["Ay"] @ beta)
            + beta @ (d["AA"] @ beta)
            - 2.0 * jnp.sum(d["Zy"] * r)
            + 2.0 * jnp.sum(r * jnp.sum(d["ZA"] * beta, -1))
            + jnp.sum(r * jnp.sum(d["ZZ"] * r[:, None, :], -1))
        )
        ll = -d["n"] * log_sigma - 0.5 * rss / (sigma * sigma)
        lp = (
            student.logpdf(beta[0], 3.0, d["loc"], d["scale"])
            + jnp.sum(student.logpdf(jnp.concatenate([sd, sigma[None]]), 3.0, 0.0, d["scale"]))
            - 0.5 * jnp.sum(z * z)
            + log_sigma
            + jnp.sum(log_sd)
            + jnp.log1p(-rho * rho)
        )
        return -(ll + lp)

    u0 = np.random.default_rng(2).uniform(-1.0, 1.0, p + 4 + M * groups).astype(ftype)
    return potential, data, u0


def time_call(fn: Callable[[], Any], repeats: int) -> float:
    """Median seconds of ``fn()`` (after one warm-up call), each ended by block_until_ready."""
    return time_calls({"": fn}, repeats)[""]


def time_calls(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Median seconds of each ``fn()``, the calls taken in turn (one of each per round, after
    one warm-up call each), so that every form sees the same machine load."""
    import jax

    for fn in fns.values():
        jax.block_until_ready(fn())
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            jax.block_until_ready(fn())
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def run_forms(
    rows: int,
    groups: int,
    *,
    float32: bool,
    sort: bool,
    repeats: int,
    options: dict[str, Any],
    only: list[str] | None = None,
    family: str = "gaussian",
    slopes: int = P_SLOPES,
    value: bool = False,
) -> list[dict[str, Any]]:
    """Time every form for one (N, G) and family; rows of the table as dicts.

    ``value``: time ``jax.value_and_grad`` (what NUTS evaluates per leapfrog step) instead of
    ``jax.grad``, whose compiled program leaves out terms that do not depend on the parameters.

    ``ratio`` is the time over the gaussian kernel's, or over ``plain/index`` for the other
    families (which have no kernel).
    """
    import jax

    from brmsjax.backend.families.registry import get_family
    from brmsjax.backend.infer.inits import cast_floats
    from brmsjax.backend.model.lower import lower
    from brmsjax.backend.priors.resolve import resolve_priors

    sim = simulate(rows, groups, sort=sort, family=family, slopes=slopes)
    des = design(sim)
    fam = get_family(family)
    pri = resolve_priors(des, fam, [])
    auto = lower(des, fam, pri, **options).forms
    gaussian = family == "gaussian"
    forms = [("plain", "index"), ("plain", "onehot"), ("suffstat" if gaussian else "glm", "index")]
    if gaussian:
        forms.append(("marginal", "index"))
    if sort:
        forms.insert(1, ("plain", "sorted"))
    calls: dict[str, Callable[[], Any]] = {}
    differentiate = jax.value_and_grad if value else jax.grad
    with jax.enable_x64(not float32):
        if gaussian:
            pot, kdata, ku = kernel(sim, groups, float32)
            kdata, ku = jax.device_put(kdata), jax.device_put(ku)
            calls["hand-written kernel"] = partial(jax.jit(differentiate(pot)), ku, kdata)
        for likelihood, gather in forms:
            name = likelihood if likelihood != "plain" else f"plain/{gather}"
            if (gather == "onehot" and groups > 256) or (only and name not in only):
                continue  # an (N, G) one-hot matrix: pointless past a few thousand levels
            lowered = lower(des, fam, pri, likelihood=likelihood, gather=gather, **options)
            data, prior_args = jax.device_put(cast_floats(lowered.model_args, float32))
            u = np.random.default_rng(3).uniform(-1.0, 1.0, lowered.program.dim)
            u = jax.device_put(u.astype(np.float32 if float32 else np.float64))
            calls[name] = partial(
                jax.jit(differentiate(lowered.program.potential)), u, data, prior_args
            )
        seconds = time_calls(calls, repeats)
    out = [
        {"form": name, "seconds": sec}
        for name, sec in seconds.items()
        if name != "hand-written kernel"
    ]
    base = seconds.get("hand-written kernel")
    if base is not None:
        out.append({"form": "hand-written kernel", "seconds": base})
    ref = (
        base
        if base is not None
        else next((r["seconds"] for r in out if r["form"] == "plain/index"), None)
    )
    for row in out:
        row.update(
            rows=rows,
            groups=groups,
            family=family,
            slopes=slopes,
            ratio=row["seconds"] / ref if ref else float("nan"),
            auto=f"{auto['likelihood']}, gather {auto['gather'][1]}",
        )
    return out


def table(results: list[dict[str, Any]], device: str, float32: bool, value: bool = False) -> str:
    """The markdown table of the results."""
    lines = [
        f"{'Value and gradient' if value else 'Gradient'} of the potential, "
        "`y ~ x1..xK + (1 + x1 | g)`, "
        f"{'float32' if float32 else 'float64'}; device {device}; "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC. Ratio: to the hand-written "
        "kernel (gaussian), to plain/index (other families).",
        "",
        "| family | K | N | G | form | us / call | ratio | auto chooses |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['family']} | {r['slopes']} | {r['rows']:,} | {r['groups']:,} | "
            f"{r['form']} | {r['seconds'] * 1e6:,.1f} | {r['ratio']:.2f} | "
            f"{r['auto']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--groups", type=int, nargs="+", default=[8, 1000])
    parser.add_argument("--float32", action="store_true")
    parser.add_argument("--sorted", action="store_true", help="sort the rows by level")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument(
        "--centred",
        type=int,
        default=None,
        help="lower(centred=...): coordinates of the group term sampled centred",
    )
    parser.add_argument(
        "--forms",
        nargs="+",
        default=None,
        help="only these forms (plain/index, plain/onehot, plain/sorted, suffstat, glm)",
    )
    parser.add_argument(
        "--family", nargs="+", default=["gaussian"], choices=["gaussian", "bernoulli", "poisson"]
    )
    parser.add_argument(
        "--value", action="store_true", help="time jax.value_and_grad (as NUTS) instead of jax.grad"
    )
    parser.add_argument(
        "--slopes", type=int, default=P_SLOPES, help="population-level slopes x1..xK"
    )
    args = parser.parse_args(argv)
    options = {} if args.centred is None else {"centred": args.centred}
    import jax

    dev = jax.devices()[0]
    device = f"{dev.platform}: {getattr(dev, 'device_kind', '')} ({platform.node()})"
    results = []
    for family in args.family:
        for groups in args.groups:
            results += run_forms(
                args.rows,
                groups,
                float32=args.float32,
                sort=args.sorted,
                repeats=max(1, args.repeats),
                options=options,
                only=args.forms,
                family=family,
                slopes=args.slopes,
                value=args.value,
            )
    text = table(results, device, args.float32, args.value)
    print(text)
    return text


if __name__ == "__main__":
    main()
