"""Row sharding beyond one machine: the rows mesh over the devices of several processes.

JAX runs one program on many hosts as "multi-controller" SPMD: every process runs the same
Python script, :func:`initialize` connects the processes (``jax.distributed.initialize``), and
``jax.devices()`` then lists the devices of all of them. The row-sharded fit of
:mod:`brmsjax.backend.infer.sharding` needs nothing else: its ``("rows",)`` mesh is built from
``jax.devices()`` (in one process, the local devices), so ``brm(..., shard_rows=True)`` splits
the rows over every device of every process and XLA sums the slices' log likelihoods with an
all-reduce across the processes (Gloo on CPUs, NCCL on GPUs). Every process holds the whole
data on its host (each builds the same model from the same data frame) and places only its
rows on its devices (:func:`place`, with ``jax.make_array_from_callback``); the prior values,
the chains' state and the draws are replicated, so every process runs the same chains in
lockstep and ends with the same fit. Data and prior values stay arguments of the compiled
programs, as in one process.

Chunks of sampling iterations (:mod:`brmsjax.backend.infer.chunks`) are sized by wall time in
one process; across processes every process must run the same chunks, so the iterations then
run in one call (:func:`chunk_start`).
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from brmsjax.backend.infer.devices import backends_initialized
from brmsjax.formula.errors import ModelError

__all__ = ["chunk_start", "initialize", "is_distributed", "place"]

PyTree = Any


def initialize(
    coordinator_address: str,
    num_processes: int,
    process_id: int,
    *,
    local_device_ids: list[int] | None = None,
    initialization_timeout: int = 300,
) -> None:
    """Connect this process to the others of a multi-process (multi-host) fit.

    Run the same script in every process, each calling this first (before anything creates a
    JAX array), then fit with ``brm(..., shard_rows=True)``: the rows are split over the
    devices of all processes, and every process gets the same fit.

    Parameters
    ----------
    coordinator_address
        ``"host:port"`` of process 0, reachable from every process (``"localhost:12345"`` for
        processes on one machine).
    num_processes
        Number of processes taking part.
    process_id
        This process's number, ``0`` to ``num_processes - 1``.
    local_device_ids
        The accelerators this process uses (``jax.distributed.initialize``'s argument); None
        uses all it sees. CPU processes get ``XLA_FLAGS=--xla_force_host_platform_device_count``
        devices each (``import brmsjax`` sets 4 unless the variable says otherwise).
    initialization_timeout
        Seconds to wait for the other processes to connect.

    Raises
    ------
    ModelError
        When JAX has already started (a JAX array was made or the devices were listed), or the
        arguments are not valid.

    Examples
    --------
    Two processes on one machine (``process_id`` 0 in one, 1 in the other)::

        import brmsjax as bj
        from brmsjax.backend.infer.distributed import initialize

        initialize("localhost:12345", num_processes=2, process_id=int(sys.argv[1]))
        fit = bj.brm("y ~ x + (1 | g)", data, shard_rows=True, seed=1)
    """
    if isinstance(num_processes, bool) or not isinstance(num_processes, int | np.integer):
        raise ModelError(f"num_processes must be a whole number, not {num_processes!r}.")
    if num_processes < 1:
        raise ModelError(f"num_processes must be at least 1, not {num_processes}.")
    if (
        isinstance(process_id, bool)
        or not isinstance(process_id, int | np.integer)
        or not 0 <= process_id < num_processes
    ):
        raise ModelError(
            f"process_id must be a whole number from 0 to {num_processes - 1}, not {process_id!r}."
        )
    if not isinstance(coordinator_address, str) or ":" not in coordinator_address:
        raise ModelError(
            f"coordinator_address must be 'host:port' of process 0, not {coordinator_address!r}."
        )
    if backends_initialized():
        raise ModelError(
            "initialize() must run before JAX starts: call it at the top of the script, before "
            "any fit, JAX array or jax.devices()."
        )
    # Cross-process collectives on CPUs need an implementation; Gloo ships with jaxlib.
    if not getattr(jax.config, "jax_cpu_collectives_implementation", None):
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=coordinator_address,
        num_processes=int(num_processes),
        process_id=int(process_id),
        local_device_ids=local_device_ids,
        initialization_timeout=initialization_timeout,
    )


def is_distributed() -> bool:
    """Whether this process is one of several (after :func:`initialize`)."""
    return jax.process_count() > 1


def place(tree: PyTree, shardings: PyTree) -> PyTree:
    """``tree``'s values as global arrays with ``shardings`` (a sharding or a tree of them).

    In one process this is ``jax.device_put``. Across processes every process holds the whole
    value on its host (the same in every process), and each of its devices gets its slice
    (``jax.make_array_from_callback``); a value already on a device is fetched first.
    """
    if not is_distributed():
        return jax.device_put(tree, shardings)
    if isinstance(shardings, jax.sharding.Sharding):
        shardings = jax.tree.map(lambda _: shardings, tree)

    def put(leaf: Any, sharding: Any) -> jax.Array:
        host = np.asarray(jax.device_get(leaf))
        dtype = jax.dtypes.canonicalize_dtype(host.dtype)
        return jax.make_array_from_callback(
            host.shape, sharding, lambda index: host[index].astype(dtype, copy=False)
        )

    return jax.tree.map(put, tree, shardings)


def chunk_start(total: int) -> int:
    """Iterations of the first chunk of sampling: 1 (later chunks timed), or all of them
    across processes, where chunks sized by each process's clock would part the processes."""
    return total if is_distributed() else 1
