"""Devices for chains: host CPU devices for parallel chains, vectorized chains otherwise.

XLA shows a CPU as one device unless ``--xla_force_host_platform_device_count`` is in
``XLA_FLAGS`` when JAX initializes its backend. :func:`configure_host_devices` adds the flag
(appending to the user's ``XLA_FLAGS``, never replacing them, and never overriding a device
count the user set), so it must run before anything creates a JAX array or lists devices.
:func:`chain_layout` then puts one chain per host device ("parallel") and falls back to several
vectorized chains per device ("vectorized") on a GPU or when there are fewer devices than
chains. Chains are never run one after another with one compilation each.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_FLAG = "--xla_force_host_platform_device_count"
_COUNT = re.compile(re.escape(_FLAG) + r"=(\d+)")


def backends_initialized() -> bool:
    """Whether JAX has already created its backends (device counts are then fixed)."""
    from jax._src import xla_bridge

    return bool(xla_bridge.backends_are_initialized())


def configure_host_devices(n: int | None = None) -> int | None:
    """Ask XLA for ``n`` host (CPU) devices so that chains can run in parallel on CPU cores.

    Call it before JAX initializes its backend (before the first JAX array or
    ``jax.devices()``); ``import brmsjax`` does. A count the user already set, in ``XLA_FLAGS``
    or with JAX's ``jax_num_cpu_devices`` option, is kept, and other ``XLA_FLAGS`` are kept.

    Parameters
    ----------
    n
        Number of host devices; default ``max(4, os.cpu_count())``, so that brms's default of
        4 chains runs in parallel.

    Returns
    -------
    int or None
        The device count that will be in effect, or None when JAX's backend was already
        initialized (then the current devices are used, and chains beyond their number are
        vectorized).
    """
    flags = os.environ.get("XLA_FLAGS", "")
    match = _COUNT.search(flags)
    if match:
        return int(match.group(1))
    # Without JAX imported there are neither backends nor a jax.config setting yet, and JAX
    # is not imported here (``import brmsjax`` stays fast).
    jax = sys.modules.get("jax")
    if jax is not None and backends_initialized():
        return None
    user = os.environ.get("JAX_NUM_CPU_DEVICES")
    if user:
        return int(user)
    configured = int(getattr(getattr(jax, "config", None), "jax_num_cpu_devices", -1) or -1)
    if configured > 0:
        return configured
    count = max(4, os.cpu_count() or 1) if n is None else int(n)
    if count < 1:
        raise ValueError(f"The number of host devices must be at least 1, not {count}.")
    os.environ["XLA_FLAGS"] = f"{flags} {_FLAG}={count}".strip()
    return count


@dataclass(frozen=True)
class ChainLayout:
    """How chains are placed: ``n_devices`` devices with ``per_device`` chains each.

    Attributes
    ----------
    method
        ``"parallel"`` (one chain per device), ``"vectorized"`` (all chains on one device) or
        ``"parallel+vectorized"`` (several devices, several chains on each).
    n_devices, per_device
        Devices used and chains per device; ``n_devices * per_device`` may exceed the number of
        chains, and the extra chains are discarded.
    platform
        JAX platform of the devices (``"cpu"``, ``"gpu"``).
    rows
        0, or the number of devices the data's rows are split over (``"vectorized"`` chains
        replicated on every device of a ``("rows",)`` mesh; see
        :mod:`brmsjax.backend.infer.sharding`).
    """

    method: str
    n_devices: int
    per_device: int
    platform: str
    rows: int = 0

    @property
    def total(self) -> int:
        """Chains actually run (at least the chains asked for)."""
        return self.n_devices * self.per_device


def chain_layout(chains: int, cores: int | None = None) -> ChainLayout:
    """Place ``chains`` chains on this process's JAX devices (see :func:`plan_chains`)."""
    import jax

    return plan_chains(chains, cores, jax.local_device_count(), jax.default_backend())


def plan_chains(chains: int, cores: int | None, available: int, platform: str) -> ChainLayout:
    """Place ``chains`` chains on ``available`` devices of ``platform``.

    Parameters
    ----------
    chains
        Number of chains.
    cores
        At most this many devices (CPU cores) in parallel; None uses as many as there are
        chains, up to the devices available.
    available
        Number of devices.
    platform
        ``"cpu"``, or an accelerator, which gets all chains vectorized on one device.
    """
    if platform != "cpu":
        return ChainLayout("vectorized", 1, chains, platform)
    n = available if cores is None else max(1, min(int(cores), available))
    if n >= chains:
        return ChainLayout("parallel", chains, 1, platform)
    if n == 1:
        return ChainLayout("vectorized", 1, chains, platform)
    per = math.ceil(chains / n)
    return ChainLayout("parallel+vectorized", math.ceil(chains / per), per, platform)


def map_chains(fn: Callable[[Any, Any], Any], layout: ChainLayout, donate: bool = False) -> Any:
    """Jit ``fn(chain, shared)`` mapped over chains: sharded over devices, vectorized within one.

    Every leaf of ``chain`` has a leading chain axis of length ``layout.total``; ``shared`` is
    the same for all chains. Outputs get the leading chain axis. ``donate`` lets the program
    reuse the buffers of ``chain``. With ``layout.rows`` the outputs are replicated on the rows
    mesh, and ``shared`` may hold row-sharded data (:mod:`brmsjax.backend.infer.sharding`).
    """
    import jax
    import numpy as np
    from jax.sharding import Mesh, PartitionSpec

    donate_argnums = (0,) if donate else ()
    if layout.method == "vectorized":
        out = {"out_shardings": chain_sharding(layout)} if layout.rows else {}
        return jax.jit(jax.vmap(fn, in_axes=(0, None)), donate_argnums=donate_argnums, **out)

    def shard(chain: Any, shared: Any) -> Any:
        if layout.per_device > 1:
            return jax.vmap(fn, in_axes=(0, None))(chain, shared)
        out = fn(jax.tree.map(lambda a: a[0], chain), shared)
        return jax.tree.map(lambda a: a[None], out)

    mesh = Mesh(np.array(jax.local_devices()[: layout.n_devices]), ("chain",))
    mapped = jax.shard_map(
        shard,
        mesh=mesh,
        in_specs=(PartitionSpec("chain"), PartitionSpec()),
        out_specs=PartitionSpec("chain"),
        check_vma=False,
    )
    return jax.jit(mapped, donate_argnums=donate_argnums)


def chain_sharding(layout: ChainLayout) -> Any:
    """The sharding of arrays with a leading chain axis under :func:`map_chains`."""
    import jax
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec, SingleDeviceSharding

    if layout.rows:
        return NamedSharding(row_mesh(layout.rows), PartitionSpec())
    if layout.method == "vectorized":
        return SingleDeviceSharding(jax.local_devices()[0])
    mesh = Mesh(np.array(jax.local_devices()[: layout.n_devices]), ("chain",))
    return NamedSharding(mesh, PartitionSpec("chain"))


def row_mesh(n_devices: int) -> Any:
    """A 1-D ``("rows",)`` mesh of the first ``n_devices`` devices (the local ones, or those
    of every process of a multi-process fit: :mod:`brmsjax.backend.infer.distributed`)."""
    import jax
    import numpy as np
    from jax.sharding import Mesh

    return Mesh(np.array(jax.devices()[:n_devices]), ("rows",))
