"""The sampler's coordinates of group-level terms, rebuilt from brms's saved draws.

A plain-form model samples a group's standardized effects ``z_k`` (sheared or centred where
:mod:`brmsjax.backend.model.group_terms` chose so) and its ``sd_k``/``L_k`` (or one ``C_k``
site); brms saves ``r_k``, ``sd_k`` and ``cor_k``. ``z = (diag(sd) L)^-1 r'`` gives brms's
``z``, and the initial-value code of the sampler (which maps brms's values to the sampled
sites, shear and centring included) turns each draw into its flat unconstrained vector.
:mod:`brmsjax.methods.validation.moment_match` checks the result against the draws' ``lp__``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["group_values", "unconstrain_draws"]


def group_values(
    structure: Any, gather: Callable[[str, tuple[int, ...]], np.ndarray], n_rows: int
) -> dict[str, np.ndarray]:
    """brms's ``sd_k``, ``L_k`` (correlated groups) and ``z_k`` ``(M, levels)`` per draw.

    ``gather(key, shape)`` returns the draws of an internal key as ``(draws, *shape)``;
    ``n_rows`` is the number of draws.
    """
    out: dict[str, np.ndarray] = {}
    for g in structure.groups:
        M = int(g.M)
        sd = gather(f"sd_{g.id}", (M,))
        L: np.ndarray = np.broadcast_to(np.eye(M), (n_rows, M, M)).copy()
        if g.cor:
            cor = gather(f"cor_{g.id}", (M * (M - 1) // 2,))
            R = L.copy()
            pairs = [(j, k) for k in range(M) for j in range(k)]
            for i, (j, k) in enumerate(pairs):
                R[:, j, k] = R[:, k, j] = cor[:, i]
            L = np.linalg.cholesky(R)
            out[f"L_{g.id}"] = L
        r = gather(f"r_{g.id}", (int(g.n_levels), M))
        A = sd[:, :, None] * L
        out[f"sd_{g.id}"] = sd
        out[f"z_{g.id}"] = np.linalg.solve(A, np.transpose(r, (0, 2, 1)))
    return out


def unconstrain_draws(lowered: Any, values: Mapping[str, np.ndarray], n_rows: int) -> np.ndarray:
    """The flat unconstrained vector ``(draws, dim)`` of each draw of brms's ``values``
    (the sampler's own mapping of initial values; one draw at a time)."""
    import jax

    from brmsjax.backend.infer.inits import _init_values

    out = np.empty((n_rows, lowered.program.dim))
    with jax.enable_x64(True):
        for s in range(n_rows):
            u, mask = _init_values(lowered, {k: v[s] for k, v in values.items()}, np.float64)
            out[s] = u if mask.all() else np.nan
    return out
