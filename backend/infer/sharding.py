"""Row sharding: the data's rows split over devices, for data too big for one device.

With ``shard_rows``, every per-row array of a lowered model's data (``y``, ``X[dpar]``,
``offset[dpar]``, ``J[k]``, ``Z[k]`` and the ``addition`` terms; found from the model's
:class:`~brmsjax.backend.model.plans.Structure`) is split over a 1-D ``("rows",)`` mesh of ``D``
devices with a ``NamedSharding``; parameters, prior values, the other data (``means_X``,
``qr_inv``, ``shear``, fixed dpars) and the chains' state are replicated on every device. All
chains are vectorized within the one sharded program (every device holds every chain and a
slice of the rows), and XLA sums the log likelihood of the slices with an all-reduce.

When the rows do not divide by ``D``, copies of the first row pad them (so that a padded row
is always valid and never NaN), and a ``row_mask`` data entry zeroes their log likelihood with
``where`` (:class:`RowShardedProgram`). The fit keeps the unpadded model: ``pointwise()``,
``log_lik()`` and predictions never see the padding.

The mesh is built from ``jax.devices()``: in one process its local devices, and after
:func:`brmsjax.backend.infer.distributed.initialize` the devices of every process, each process
placing its own rows (:func:`brmsjax.backend.infer.distributed.place`). The program is the same.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.sharding import NamedSharding, PartitionSpec

from brmsjax.backend.families.registry import Family
from brmsjax.backend.infer.devices import ChainLayout, row_mesh
from brmsjax.backend.infer.distributed import is_distributed, place
from brmsjax.backend.model.lower import LoweredModel
from brmsjax.backend.model.plans import Structure
from brmsjax.backend.model.program import ModelProgram, program
from brmsjax.formula.errors import ModelError

__all__ = [
    "RowShardedProgram",
    "pad_rows",
    "replicate",
    "row_count",
    "row_keys",
    "row_layout",
    "shard_data",
    "sharded_program",
]

PyTree = Any
MASK = "row_mask"


class RowShardedProgram(ModelProgram):
    """A :class:`ModelProgram` whose summed log likelihood skips padded rows.

    ``data["row_mask"]`` is True for real rows; padded rows contribute exactly zero.
    """

    def log_lik(self, params: Mapping[str, Array], data: PyTree) -> Array:
        """Summed (weighted) log likelihood of the rows where ``data["row_mask"]`` holds."""
        ll = self.pointwise(params, data)
        if "weights" in data["addition"]:
            ll = ll * data["addition"]["weights"]
        return jnp.sum(jnp.where(data[MASK], ll, jnp.zeros_like(ll)))


def sharded_program(structure: Structure, family: Family) -> RowShardedProgram:
    """The shared :class:`RowShardedProgram` of a structure (made on first use)."""
    return cast(RowShardedProgram, program(structure, family, RowShardedProgram))


def row_keys(structure: Structure) -> tuple[tuple[str, ...], ...]:
    """Paths into the data of the arrays with one entry per row, read from the structure."""
    keys: list[tuple[str, ...]] = [("y",)]
    for fp in structure.fixed:
        keys.append(("X", fp.dpar))
        if fp.offset:
            keys.append(("offset", fp.dpar))
        if fp.sp:  # the expanded mo() columns
            keys.append(("Xsp", fp.dpar))
    for g in structure.groups:
        keys += [("J", str(g.id)), ("Z", str(g.id))]
    keys += [("addition", k) for k in structure.addition]
    return tuple(keys)


def row_count(n_devices: bool | int, available: int | None = None) -> int:
    """Devices to split the rows over: all devices for True, else the number given.

    All devices are this process's, or those of every process after
    :func:`brmsjax.backend.infer.distributed.initialize`; then the rows go over all of them.
    """
    available = jax.device_count() if available is None else available
    if n_devices is True:
        return available
    if is_distributed() and n_devices != available:
        raise ModelError(
            f"shard_rows must be True or {available} (the devices of all "
            f"{jax.process_count()} processes) in a multi-process fit, not {n_devices!r}."
        )
    if (
        isinstance(n_devices, bool)
        or not isinstance(n_devices, int | np.integer)
        or (not 1 <= n_devices <= available)
    ):
        raise ModelError(
            f"shard_rows must be True, False or a number of devices from 1 to {available}, "
            f"not {n_devices!r}."
        )
    return int(n_devices)


def row_layout(chains: int, shard_rows: bool | int) -> ChainLayout:
    """All ``chains`` vectorized, the rows split over ``shard_rows`` devices (see
    :func:`row_count`)."""
    return ChainLayout("vectorized", 1, chains, jax.default_backend(), rows=row_count(shard_rows))


def pad_rows(data: PyTree, structure: Structure, n_devices: int) -> PyTree:
    """The data with its rows padded to a multiple of ``n_devices`` and a ``row_mask`` added.

    Padded rows copy the first row. Raises :class:`ModelError` when a per-row array does not
    have the response's number of rows.
    """
    n = int(np.shape(data["y"])[0])
    if n == 0:
        raise ModelError("The model has no rows to split over devices.")
    total = math.ceil(n / n_devices) * n_devices
    out = {k: dict(v) if isinstance(v, Mapping) else v for k, v in data.items()}
    for path in row_keys(structure):
        parent = out if len(path) == 1 else out[path[0]]
        a = np.asarray(parent[path[-1]])
        if a.ndim == 0 or a.shape[0] != n:
            raise ModelError(
                f"The data entry {'/'.join(path)} has shape {a.shape}; a per-row entry needs "
                f"{n} rows."
            )
        parent[path[-1]] = np.concatenate([a, np.repeat(a[:1], total - n, axis=0)])
    out[MASK] = np.arange(total) < n
    return out


def _shardings(data: PyTree, structure: Structure, mesh: Any) -> PyTree:
    """A ``NamedSharding`` per data leaf: rows split over ``"rows"``, the rest replicated."""
    rows = set(row_keys(structure)) | {(MASK,)}
    flat, treedef = jax.tree_util.tree_flatten_with_path(data)
    specs = []
    for path, _ in flat:
        key = tuple(str(getattr(p, "key", p)) for p in path)
        spec = PartitionSpec("rows") if key in rows else PartitionSpec()
        specs.append(NamedSharding(mesh, spec))
    return jax.tree_util.tree_unflatten(treedef, specs)


def shard_data(
    lowered: LoweredModel, data: PyTree, layout: ChainLayout, *, x64: bool = True
) -> tuple[LoweredModel, PyTree]:
    """The model with the row-masked program, and ``data`` padded and split over the rows mesh.

    ``data`` is ``lowered.data`` (cast to the sampler's dtype); ``layout`` comes from
    :func:`row_layout`; ``x64`` keeps 64-bit values on the devices (False for a float32
    run). The returned model shares ``lowered``'s structure, names and prior
    values; only its program sums the masked rows.
    """
    structure = lowered.structure
    padded = pad_rows(data, structure, layout.rows)
    mesh = row_mesh(layout.rows)
    with jax.enable_x64(x64):
        placed = place(padded, _shardings(padded, structure, mesh))
    prog = sharded_program(structure, lowered.program.family)
    return replace(lowered, program=prog, data=padded), placed


def replicate(tree: PyTree, layout: ChainLayout) -> PyTree:
    """``tree`` replicated on the rows mesh of a row-sharded layout; unchanged otherwise."""
    if not layout.rows:
        return tree
    return place(tree, NamedSharding(row_mesh(layout.rows), PartitionSpec()))
