"""A lowered model's priors: one :class:`VectorPlan` per parameter vector and its prior values.

The structure (which elements are free or ``constant()``, their bounds, which distribution
each group of elements has) goes into the plan and chooses code; the prior arguments go into
``prior_args``, which the compiled program takes as an argument, so a refit with other prior
values reuses the program.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from brmsjax.backend.dists.densities import DIST_ARITY, PriorSpec
from brmsjax.backend.model.plans import VectorPlan
from brmsjax.backend.model.transforms import Bound
from brmsjax.formula.errors import ModelError

__all__ = ["ParamPriorLike", "lkj_args", "plan_vector"]

_LKJ = ("lkj", "lkj_corr_cholesky")


class ParamPriorLike(Protocol):
    """What :func:`lower` reads from a resolved prior
    (``brmsjax.backend.priors.resolve.ParamPrior``)."""

    @property
    def param(self) -> str: ...

    @property
    def specs(self) -> tuple[PriorSpec, ...]: ...


def _specs(priors: Mapping[str, ParamPriorLike], name: str, size: int) -> tuple[PriorSpec, ...]:
    entry = priors.get(name)
    if entry is None:
        return (PriorSpec("flat"),) * size
    specs = tuple(entry.specs)
    if len(specs) != size:
        raise ModelError(
            f"The prior of '{name}' has {len(specs)} element(s) but the parameter has {size}; "
            "resolve the priors against this model's design."
        )
    for s in specs:
        if s.dist not in DIST_ARITY or s.dist in (*_LKJ, "dirichlet"):
            raise ModelError(
                f"The prior '{s}' cannot be used for '{name}'; use a univariate distribution."
            )
    return specs


def plan_vector(
    vectors: list[VectorPlan],
    prior_args: dict[str, dict[str, np.ndarray]],
    priors: Mapping[str, ParamPriorLike],
    *,
    name: str,
    size: int,
    scalar: bool,
    natural: tuple[Bound, Bound],
    ordered: bool = False,
) -> None:
    """Plan one parameter vector and collect its prior argument values."""
    specs = _specs(priors, name, size)
    free = tuple(i for i, s in enumerate(specs) if s.dist != "constant")
    const = tuple(i for i, s in enumerate(specs) if s.dist == "constant")
    bounds = {(s.lb, s.ub) for i, s in enumerate(specs) if i in free}
    if ordered and (const or bounds - {(None, None)}):
        raise ModelError(
            f"The ordinal thresholds '{name}' take neither constant() priors nor bounds; give "
            "them unbounded priors such as student_t(3, 0, 2.5)."
        )
    lb, ub = natural
    if len(bounds) > 1:
        raise ModelError(
            f"The elements of '{name}' have different bounds {sorted(bounds, key=str)}; "
            "give all of them the same lb and ub."
        )
    if bounds:
        spec_lb, spec_ub = bounds.pop()
        lb = spec_lb if spec_lb is not None else lb
        ub = spec_ub if spec_ub is not None else ub
    groups: dict[str, list[int]] = {}
    for i in free:
        if specs[i].dist != "flat":
            groups.setdefault(specs[i].dist, []).append(i)
    args: dict[str, np.ndarray] = {}
    plan = []
    for k, (dname, idx) in enumerate(groups.items()):
        rows = [_checked_args(name, specs[i]) for i in idx]
        args[f"p{k}"] = np.asarray(rows, dtype=float).reshape(len(idx), DIST_ARITY[dname])
        plan.append((dname, tuple(idx)))
    if const:
        args["const"] = np.asarray([_checked_args(name, specs[i])[0] for i in const], dtype=float)
    prior_args[name] = args
    vectors.append(VectorPlan(name, size, scalar, free, const, lb, ub, tuple(plan), ordered))


def _checked_args(name: str, spec: PriorSpec) -> Sequence[float]:
    if len(spec.args) != DIST_ARITY[spec.dist]:
        raise ModelError(
            f"The prior '{spec.dist}' of '{name}' needs {DIST_ARITY[spec.dist]} argument(s), "
            f"not {len(spec.args)}."
        )
    return spec.args


def lkj_args(
    prior_args: dict[str, dict[str, np.ndarray]], priors: Mapping[str, ParamPriorLike], gid: int
) -> bool:
    """Collect the LKJ shape of ``L_<gid>``; False when its prior is flat."""
    name = f"L_{gid}"
    entry = priors.get(name)
    specs = tuple(entry.specs) if entry is not None else (PriorSpec("flat"),)
    if len(specs) != 1 or specs[0].dist not in (*_LKJ, "flat"):
        raise ModelError(
            f"The prior of '{name}' must be one lkj(eta) prior, not "
            f"{', '.join(str(s) for s in specs)}."
        )
    if specs[0].dist == "flat":
        prior_args[name] = {}
        return False
    prior_args[name] = {"eta": np.asarray(float(specs[0].args[0]))}
    return True
