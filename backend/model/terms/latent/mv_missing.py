"""The model side of ``mi()`` in multivariate models: each response's missings as parameters,
and ``mi(x)`` predictors that read another response's latent values.

brms's Stan code of ``bf(bmi | mi() ~ age * mi(chl)) + bf(chl | mi() ~ age)``::

    vector[Nmi_bmi] Ymi_bmi;  vector[Nmi_chl] Ymi_chl;
    vector[N_bmi] Yl_bmi = Y_bmi;  Yl_bmi[Jmi_bmi] = Ymi_bmi;   // and so for chl
    mu_bmi[n] += bsp_bmi[1] * Yl_chl[n] + bsp_bmi[2] * Yl_chl[n] * Csp_bmi_1[n];
    target += normal_lpdf(Yl_bmi | mu_bmi, sigma_bmi) + normal_lpdf(Yl_chl | ...);

``y | mi(sdy)`` makes a response's whole column the latent ``Yl_<resp>``, observed with noise
(``normal_lpdf(Y[Jme] | Yl[Jme], noise[Jme])``). :func:`plan_mv_missing` plans the vectors
(brms's names, so the draws are ``Ymi_chl[4]``) and the data (``data["mv_mi"]``);
:func:`latent_mv_response` is the ``(N, nresp)`` response with the parameters in place, which
both the likelihood and the ``mi(x)`` terms of the linear predictors read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import numpy as np
import numpyro.distributions as dist
from jax import Array

from brmsjax.formula.design.ir import Design

__all__ = [
    "MvMissingPlan",
    "latent_mv_response",
    "mi_lookup",
    "mv_missing_names",
    "mv_noise_log_lik",
]


@dataclass(frozen=True)
class MvMissingPlan:
    """One response's ``mi()``: its column of the response matrix, its vector's name
    (``Ymi_chl`` or, for ``mi(sdy)``, ``Yl_chl``) and size."""

    resp: str
    column: int
    latent: bool
    n: int

    @property
    def name(self) -> str:
        """The parameter vector's name (brms's ``Ymi_<resp>`` or ``Yl_<resp>``)."""
        return f"{'Yl' if self.latent else 'Ymi'}_{self.resp}"


def _bound(value: float) -> float | None:
    return None if math.isinf(value) else float(value)


def plan_mv_missing(
    design: Design, vector: Callable[..., None], data: dict[str, Any]
) -> tuple[MvMissingPlan, ...]:
    """Plan the ``mi()`` vectors of a multivariate design's responses; ``data["y"]`` gets 0
    at their latent entries and ``data["mv_mi"]`` their rows (and ``mi(sdy)``'s noise)."""
    mv = design.mv
    if mv is None:
        return ()
    plans = []
    y = np.asarray(data["y"], dtype=float).copy()
    entries: dict[str, dict[str, np.ndarray]] = {}
    sub = mv.subset  # subset(): a response's own design is on its subset rows
    if sub is not None:
        plan_mv_subset(design, data, y)
    for k, (resp, d) in enumerate(zip(mv.responses, mv.designs, strict=True)):
        mi = d.missing
        if mi is None:
            continue
        n = d.N if mi.latent else len(mi.missing)
        plan = MvMissingPlan(resp, k, mi.latent, n)
        if n:
            vector(name=plan.name, size=n, scalar=False, natural=(_bound(mi.lb), _bound(mi.ub)))
        rows = mi.missing if sub is None else sub.full_rows(k, mi.missing)
        y[rows, k] = 0.0
        entry = {"rows": np.asarray(rows, dtype=np.int32)}
        if mi.latent and sub is not None:  # Yl_<resp> fills the subset rows only
            entry["own"] = np.asarray(sub.full_rows(k, np.arange(d.N)), dtype=np.int32)
        if mi.noise is not None:
            known = np.ones(d.N, dtype=bool)
            known[mi.missing] = False
            entry["known"] = known.astype(float)
            entry["noise"] = np.where(known, mi.noise, 1.0)
        entries[resp] = entry
        plans.append(plan)
    data["y"] = y
    if plans:
        data["mv_mi"] = entries
    return tuple(plans)


def latent_mv_response(
    plans: tuple[MvMissingPlan, ...], params: Mapping[str, Array], data: Any
) -> Array:
    """The ``(N, nresp)`` response with each ``mi()`` response's parameters in place."""
    y = jnp.asarray(data["y"])
    for p in plans:
        if p.latent and "own" in data["mv_mi"][p.resp]:  # a subsetted response's rows
            y = y.at[data["mv_mi"][p.resp]["own"], p.column].set(params[p.name])
        elif p.latent:
            y = y.at[:, p.column].set(params[p.name])
        elif p.n:
            y = y.at[data["mv_mi"][p.resp]["rows"], p.column].set(params[p.name])
    return y


def mv_noise_log_lik(
    plans: tuple[MvMissingPlan, ...], params: Mapping[str, Array], data: Any
) -> Array:
    """``normal_lpdf(Y[Jme] | Yl[Jme], noise[Jme])`` of each ``mi(sdy)`` response."""
    total = jnp.zeros(())
    for p in plans:
        if p.latent:
            entry = data["mv_mi"][p.resp]
            y = data["y"][:, p.column] if "own" not in entry else data["y"][entry["own"], p.column]
            lp = dist.Normal(params[p.name], entry["noise"]).log_prob(y)
            total = total + jnp.sum(lp * entry["known"])
    return total


def mv_missing_names(design: Design) -> tuple[tuple[str, str, int], ...]:
    """brms's draws of the ``Ymi_<resp>`` vectors: ``Ymi_chl[j]`` at the 1-based rows
    ``Jmi_chl``, response by response (``Yl_<resp>`` is not saved)."""
    mv = design.mv
    if mv is None:
        return ()
    out = []
    for resp, d in zip(mv.responses, mv.designs, strict=True):
        mi = d.missing
        if mi is None or mi.latent:
            continue
        out += [(f"Ymi_{resp}[{j + 1}]", f"Ymi_{resp}", i) for i, j in enumerate(mi.missing)]
    return tuple(out)


def mi_columns(design: Design) -> dict[str, tuple[tuple[int, ...], ...]]:
    """Per flat dpar with ``mi(x)`` terms, each sp term's response columns (of ``Yl``)."""
    mv = design.mv
    if mv is None:
        return {}
    out = {}
    for block in design.fixed:
        if block.sp is not None and any(t.mi for t in block.sp.terms):
            out[block.dpar] = tuple(
                tuple(mv.responses.index(r) for r in t.mi) for t in block.sp.terms
            )
    return out


def plan_mv_subset(design: Design, data: dict[str, Any], y: np.ndarray) -> None:
    """``subset()`` responses and ``mi(x, idx)`` lookups (:mod:`~.design.mv.mv_subset`):
    ``y`` gets 0 outside a response's subset rows, ``data["mv_subset"]`` the ``(N, nresp)``
    mask of the rows each response's likelihood counts and ``data["mi_idx"]`` per flat dpar
    and response column the rows whose latent values ``mi(x, idx)`` reads."""
    mv = design.mv
    sub = None if mv is None else mv.subset
    if mv is None or sub is None:
        return
    mask = np.ones(y.shape, dtype=float)
    for k, rows in enumerate(sub.rows):
        if rows is not None:
            mask[:, k] = 0.0
            mask[rows, k] = 1.0
    y[mask == 0.0] = 0.0
    data["mv_subset"] = mask
    lookups: dict[str, dict[str, np.ndarray]] = {}
    for look in sub.lookups:
        k = mv.responses.index(look.target)
        rows = np.asarray(sub.full_rows(k, look.positions), dtype=np.int32)
        lookups.setdefault(look.dpar, {})[str(k)] = rows
    if lookups:
        data["mi_idx"] = lookups


def mi_lookup(dpar: str, data: Any) -> Array:
    """The latent responses that ``dpar``'s ``mi(x)`` terms read: ``data["y"]``, with the
    columns of ``mi(x, idx)`` terms read at the rows matched by ``index()`` (brms's
    ``Yl_x[idxl[n]]``)."""
    y = jnp.asarray(data["y"])
    for col, rows in data.get("mi_idx", {}).get(dpar, {}).items():
        y = y.at[:, int(col)].set(y[rows, int(col)])
    return y
