"""The priors of ``me()`` terms' latent variables: brms's classes ``meanme``, ``sdme``, ``corme``.

brms's defaults are flat for ``meanme`` and ``sdme`` (``sdme`` bounded below by 0) and
``lkj(1)`` for ``corme`` (:func:`~brmsjax.backend.priors.rows.me_rows`); a coefficient-level
user prior (``coef = "mex"``) comes before the class-level one. The vectors are ``meanme_1``
and ``sdme_1`` (one element per ``me()`` variable) and ``Lme_1`` (one ``lkj(eta)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.priors.check import check_bounds
from brmsjax.backend.priors.rows import LKJ_DEFAULT
from brmsjax.formula.design.ir import Design
from brmsjax.formula.terms.readers.mecor import design_mecor

__all__ = ["me_labels", "me_priors"]


def me_labels(design: Design) -> tuple[str, ...]:
    """The ``me()`` variables' labels (``mex``) in brms's order."""
    return tuple(lb for b in design.fixed if b.sp is not None for lb in b.sp.me_labels)


def me_priors(design: Design, pick: Callable[..., Any]) -> dict[str, tuple[PriorSpec, ...]]:
    """The priors of ``meanme_1``, ``sdme_1`` and ``Lme_1`` by parameter name (none without
    ``me()``); ``pick(*keys)`` is the resolver's first user prior among the row keys."""
    labels = me_labels(design)
    if not labels:
        return {}
    out: dict[str, tuple[PriorSpec, ...]] = {}
    for cls, lb in (("meanme", None), ("sdme", 0.0)):
        specs = []
        for label in labels:
            p = pick((cls, label, "", "", "", ""), (cls, "", "", "", "", ""))
            spec = p.spec if p else PriorSpec("flat")
            specs.append(check_bounds(spec, lb, None, f"'{label}' of class '{cls}'"))
        out[f"{cls}_1"] = tuple(specs)
    if len(labels) > 1 and design_mecor(design):
        p = pick(("corme", "", "", "", "", ""))
        out["Lme_1"] = (LKJ_DEFAULT if p is None else PriorSpec("lkj", p.spec.args),)
    return out
