"""The priors of ``mo()`` terms: their ``bsp`` coefficients and ``simo`` simplexes.

brms puts the monotonic coefficients (``bsp_mox``) under class ``b`` with their own ``coef``
rows (``mox``, inheriting the class-level ``b`` prior), and gives every simplex
(``simo_mox1``) a row of class ``simo`` with the default ``dirichlet(1)``. A simplex takes only
a Dirichlet prior, whose concentration is one number (recycled) or one per element
(``dirichlet(c(1, 2))``), with brms's messages otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.priors.check import check_bounds
from brmsjax.backend.priors.rows import DIRICHLET_DEFAULT
from brmsjax.backend.priors.user import Prior
from brmsjax.formula.design.ir import Design, FixedBlock
from brmsjax.formula.errors import PriorError

__all__ = ["SIMPLEX_CLASSES", "check_dirichlet", "con_simo", "dirichlet_specs", "sp_priors"]

#: The prior classes of simplexes: ``mo()``'s and a mixture's mixing proportions.
SIMPLEX_CLASSES = ("simo", "theta")


def dirichlet_specs(p: Prior | None, size: int) -> tuple[PriorSpec, ...]:
    """One ``dirichlet(alpha_k)`` per element of a simplex of ``size`` from its prior (brms's
    ``dirichlet(1)`` without one; one concentration is recycled)."""
    alpha = (p.spec if p else DIRICHLET_DEFAULT).args
    if len(alpha) == 1:
        alpha = alpha * size
    if len(alpha) != size:
        raise PriorError(f"Invalid Dirichlet prior. Expected input of length {size}.")
    return tuple(PriorSpec("dirichlet", (a,)) for a in alpha)


def check_dirichlet(chosen: Mapping[Any, Prior]) -> None:
    """Refuse a Dirichlet prior outside the simplex classes ``simo`` (``mo()``) and ``theta``
    (a mixture's proportions), and any other prior on a simplex."""
    for key, p in chosen.items():
        if key[0] in SIMPLEX_CLASSES and p.spec.dist != "dirichlet":
            raise PriorError(
                "Currently 'dirichlet' is the only valid prior for simplex parameters. See "
                "help(set_prior) for more details."
            )
        if key[0] not in SIMPLEX_CLASSES and p.spec.dist == "dirichlet":
            raise PriorError(
                f"The prior for class '{key[0]}' is '{p.spec}', but dirichlet priors apply "
                "only to the simplexes of mo() terms (class 'simo') and of a mixture's "
                "proportions (class 'theta')."
            )


def sp_priors(
    block: FixedBlock,
    pick: Callable[..., Prior | None],
    top: Prior | None,
    where: str,
) -> dict[str, tuple[PriorSpec, ...]]:
    """The specs of ``bsp<_dpar>`` (one per coefficient) and of each ``simo<_dpar>_<j>`` (one
    ``dirichlet(alpha_k)`` per element), by internal parameter name.

    ``pick`` finds the user prior of a row key, ``top`` is the class-level ``b`` prior of the
    block's dpar and ``where`` names the dpar in messages.
    """
    sp = block.sp
    if sp is None:
        return {}
    d = block.dpar
    suffix = f"_{d}" if d else ""
    lb, ub = (top.lb, top.ub) if top else (None, None)
    bsp = []
    for c in sp.coefs:
        p = pick(("b", c, "", "", d, "")) or top
        spec = p.spec if p else PriorSpec("flat")
        bsp.append(check_bounds(spec, lb, ub, f"coefficient '{c}' of class 'b'{where}"))
    out: dict[str, tuple[PriorSpec, ...]] = {f"bsp{suffix}": tuple(bsp)}
    for j, (label, size) in enumerate(zip(sp.prior_coefs, sp.Jmo, strict=True), 1):
        if sp.owner(j - 1) != j - 1:  # mo(x, id = ...): the simplex is another's
            continue
        p = pick(("simo", label, "", "", d, ""))
        out[f"simo{suffix}_{j}"] = dirichlet_specs(p, size)
    return out


def con_simo(design: Design, resolved: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """brms's standata ``con_simo<_dpar>_<j>``: each simplex's resolved concentration."""
    out = {}
    for block in design.fixed:
        s = f"_{block.dpar}" if block.dpar else ""
        for j in range(1, len(block.sp.Jmo) + 1 if block.sp else 1):
            entry = resolved.get(f"simo{s}_{j}")
            if entry is not None:
                out[f"con_simo{s}_{j}"] = np.array([spec.args[0] for spec in entry.specs])
    return out
