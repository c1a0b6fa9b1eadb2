"""Planning the population-level blocks and collecting the parameter vectors while lowering.

:class:`Planner` is the working state of :func:`~brmsjax.backend.model.lower.lower`: it plans
each population-level block (centring, ordinal thresholds, category-specific and ``mo()``
effects, shrinkage priors, QR coordinates) and each parameter vector with its prior values;
:func:`plan_shrinkage` plans mu's shrinkage prior on ``b``.
:func:`n_thresholds` counts an ordinal response's thresholds; :func:`brms_qr_inverse` and
:func:`qr_inverse` give the QR coordinates of ``b``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import Array

from brmsjax.backend.model.plans import FixedPlan, VectorPlan, sfx
from brmsjax.backend.model.prior_values import ParamPriorLike, plan_vector
from brmsjax.backend.model.terms.monotonic import plan_simplex
from brmsjax.backend.model.terms.shrinkage import (
    ShrinkPlan,
    autoscales,
    shrink_args,
    shrink_vector,
    special_spec,
)
from brmsjax.backend.model.transforms import Bound
from brmsjax.formula.design.ir import Design, FixedBlock, FixedSpec
from brmsjax.formula.errors import ModelError

__all__ = [
    "Planner",
    "brms_qr_inverse",
    "n_thresholds",
    "ordinal_thresholds",
    "plan_shrinkage",
    "qr_inverse",
]


def n_thresholds(design: Design, block: FixedBlock) -> int:
    """Number of ordinal thresholds: the block's ``thresholds``, else categories minus one."""
    if block.thresholds:
        return block.thresholds
    levels = design.response.levels
    ncat = len(levels) if levels is not None else int(np.max(design.response.y))
    if ncat < 2:
        raise ModelError(
            f"The ordinal response '{design.response.name}' has {ncat} category; it needs at "
            "least 2 categories."
        )
    return ncat - 1


@dataclass
class Planner:
    """Collects parameter vectors and their prior argument values while lowering."""

    vectors: list[VectorPlan]
    prior_args: dict[str, dict[str, np.ndarray]]
    priors: Mapping[str, ParamPriorLike]
    reparam: bool = True
    #: Whether ordinal thresholds are ordered (cumulative) or free (sratio, cratio, acat).
    ordered: bool = True
    #: brms's ``threshold`` of an ordinal family: flexible, equidistant or sum.
    threshold: str = "flexible"

    def fixed_block(
        self, block: FixedBlock, nthres: int, data: dict[str, Any]
    ) -> tuple[FixedPlan, FixedSpec]:
        """Plan one population-level block; centred columns go into ``data``."""
        s = sfx(block.dpar)
        X = np.asarray(block.X, dtype=float)
        columns = block.slope_columns
        if block.intercept or nthres:
            slopes = X[:, 1:] if block.intercept else X
            # bf(center = FALSE) leaves ordinal thresholds uncentred (b_Intercept = Intercept)
            means = slopes.mean(axis=0) if block.center else np.zeros(slopes.shape[1])
            if nthres and self.threshold == "sum":  # brms does not centre X then
                means = np.zeros_like(means)
            data["X"][block.dpar] = slopes - means
            data["means_X"][block.dpar] = means
            if nthres and self.threshold == "equidistant":  # first_Intercept, delta
                self.vector(name="Intercept", size=1, scalar=True, natural=(None, None))
                lb = 0.0 if self.ordered else None
                self.vector(name="delta", size=1, scalar=True, natural=(lb, None))
            elif nthres:
                self.vector(
                    name="Intercept",
                    size=nthres,
                    scalar=False,
                    natural=(None, None),
                    ordered=self.ordered,
                )
            else:
                self.vector(name=f"Intercept{s}", size=1, scalar=True, natural=(None, None))
        else:
            data["X"][block.dpar] = X
        n_cs = len(block.cs_columns) if nthres and block.Xcs is not None else 0
        if n_cs:  # category-specific effects: bcs[column, threshold], row by row
            data["Xcs"] = np.asarray(block.Xcs, dtype=float)
            self.vector(name="bcs", size=n_cs * nthres, scalar=False, natural=(None, None))
        n_b = len(columns)
        qr_inv = None
        qr_prior = bool(n_b and block.qr and len(block.columns) >= 2)
        if n_b:
            special = special_spec(self.priors, f"b{s}")
            if special is not None:  # horseshoe(), R2D2(), lasso(): see model/terms/shrinkage.py
                self.vectors.append(shrink_vector(f"b{s}", special, n_b))
                self.prior_args[f"b{s}"] = {}
            else:
                self.vector(name=f"b{s}", size=n_b, scalar=False, natural=(None, None))
            vp = self.vectors[-1]
            if qr_prior:
                qr_inv = brms_qr_inverse(vp, data["X"][block.dpar])
            elif (
                self.reparam
                and n_b > 1
                and vp.free
                and not vp.const
                and vp.lb is None
                and vp.ub is None
            ):
                qr_inv = qr_inverse(data["X"][block.dpar])
        if qr_inv is not None:
            data.setdefault("qr_inv", {})[block.dpar] = qr_inv
        if block.offset is not None:
            data["offset"][block.dpar] = np.asarray(block.offset, dtype=float)
        center = block.intercept and not nthres
        plan = FixedPlan(
            block.dpar,
            center,
            n_b,
            block.offset is not None,
            nthres,
            qr=qr_inv is not None,
            qr_prior=qr_prior,
            n_cs=n_cs,
            threshold=self.threshold if nthres else "flexible",
        )
        cs_columns = block.cs_columns if n_cs else ()
        spec = FixedSpec(
            block.dpar,
            center,
            columns,
            nthres,
            smooth=block.smooth,
            cs_columns=cs_columns,
            threshold=plan.threshold,
        )
        sp = block.sp
        if sp is not None:
            self.vector(name=f"bsp{s}", size=len(sp.terms), scalar=False, natural=(None, None))
            owners = tuple(sp.owner(j) for j in range(len(sp.Jmo)))
            for j, size in enumerate(sp.Jmo, 1):
                if owners[j - 1] == j - 1:
                    name = f"simo{s}_{j}"
                    plan_simplex(self.vectors, self.prior_args, self.priors, name, size)
            data.setdefault("Xsp", {})[block.dpar] = sp.expanded(len(block.X))
            plan = replace(plan, sp=tuple(t.mo for t in sp.terms), jmo=sp.Jmo, owners=owners)
            if sp.Xn:
                plan = replace(plan, me=tuple(t.me for t in sp.terms))
            spec = replace(spec, sp=sp.coefs, simo=sp.simo_labels, jmo=sp.Jmo)
        return plan, spec

    def vector(
        self,
        *,
        name: str,
        size: int,
        scalar: bool,
        natural: tuple[Bound, Bound],
        ordered: bool = False,
    ) -> None:
        """Plan one parameter vector and collect its prior argument values."""
        plan_vector(
            self.vectors,
            self.prior_args,
            self.priors,
            name=name,
            size=size,
            scalar=scalar,
            natural=natural,
            ordered=ordered,
        )


def brms_qr_inverse(vp: VectorPlan, X: np.ndarray) -> np.ndarray:
    """``XR_inv`` of brms's ``decomp = "QR"``, whose priors of class b apply to ``bQ = XR b``.

    Raises
    ------
    ModelError
        With brms's message for bounds on ``b``; for constant priors on ``b`` and for an X
        without full column rank (brms's ``inverse(XR)`` fails there too).
    """
    if vp.lb is not None or vp.ub is not None:
        raise ModelError("Cannot add bounds to class 'b' for this prior.")
    if vp.const:
        raise ModelError(
            "constant() priors of class b cannot be combined with decomp = 'QR' (brms would fix "
            "the QR-scale coefficients bQ, not b); remove decomp = 'QR' or the constant prior."
        )
    qr_inv = qr_inverse(X)
    if qr_inv is None:
        raise ModelError(
            "decomp = 'QR' needs a population-level design of full column rank with more rows "
            "than columns; remove decomp = 'QR' or the redundant predictors."
        )
    return qr_inv


def qr_inverse(X: np.ndarray) -> np.ndarray | None:
    """brms's scaled ``R*^-1`` of ``X = Q* R*`` (``R* = R / sqrt(N - 1)``), or None.

    None when X is rank deficient or too short (the b site is then sampled as ``b``).
    """
    n, k = X.shape
    if n <= k:
        return None
    R = np.asarray(np.linalg.qr(X, mode="r"))
    R = R * np.sign(np.where(np.diag(R) == 0, 1.0, np.diag(R)))[:, None]
    d = np.abs(np.diag(R))
    if d.min() <= 1e-8 * max(d.max(), 1e-300):
        return None
    return np.linalg.inv(R / math.sqrt(n - 1))


def plan_shrinkage(
    design: Design,
    priors: Mapping[str, ParamPriorLike],
    prior_args: dict[str, dict[str, np.ndarray]],
    aux: tuple[str, ...],
) -> tuple[ShrinkPlan, ...]:
    """Plan mu's shrinkage prior on ``b`` and put its hyperparameters in ``prior_args``.

    ``autoscale`` takes effect where brms's ``simple_sigma`` holds: a scalar ``sigma``.
    """
    out = []
    for block in design.fixed:
        spec = special_spec(priors, f"b{sfx(block.dpar)}")
        if spec is None or not block.slope_columns:
            continue
        if block.dpar:
            raise ModelError(
                f"The prior '{spec.dist}()' on the coefficients of dpar '{block.dpar}' is not "
                "supported yet in brmsjax; give shrinkage priors to mu's coefficients only."
            )
        n_b = len(block.slope_columns)
        prior_args["shrink"] = shrink_args(spec, n_b, len(design.response.y))
        out.append(ShrinkPlan(spec.dist, n_b, autoscales(spec) and "sigma" in aux))
    return tuple(out)


def ordinal_thresholds(params: Mapping[str, Any], fp: FixedPlan) -> Array:
    """brms's ordinal thresholds of centred predictors from the sampled ``Intercept``:
    ``first_Intercept + (k - 1) * delta`` (equidistant), ``Intercept - mean(Intercept)``
    (sum, brms's ``Intercept_stz``), else ``Intercept`` itself."""
    icpt = params["Intercept"]
    if fp.threshold == "equidistant":
        return icpt + jnp.arange(fp.thresholds, dtype=icpt.dtype) * params["delta"]
    if fp.threshold == "sum":
        return icpt - jnp.mean(icpt)
    return icpt
