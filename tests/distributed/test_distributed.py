"""Row sharding across two local CPU processes (``jax.distributed``) against one process.

Each test starts two processes of :mod:`tests.distributed.worker` (one CPU device each,
coordinator on a free localhost port) and compares what they computed with this process's
values of the same models: the row-sharded program on 2 local devices (the same program and
the same summation order: bit for bit equal) and the unsharded program (another summation
order: equal to rounding, relative 1e-13 for the log density and 1e-11 for the gradient).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest

from brmsjax.backend.infer.distributed import initialize
from brmsjax.formula.errors import ModelError
from tests.distributed.worker import FIT_NAMES, MODELS, density, fit

ROOT = Path(__file__).parents[2]


def free_port() -> int:
    """A TCP port on localhost that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return int(s.getsockname()[1])


class Processes:
    """Two worker processes running ``task``; :meth:`results` waits for their JSON."""

    def __init__(self, task: str, tmp: Path, n: int = 2):
        env = {
            **os.environ,
            "JAX_PLATFORMS": "cpu",
            "XLA_FLAGS": "--xla_force_host_platform_device_count=1",
            "BRMSJAX_CACHE_DIR": "",
            "PYTHONPATH": str(ROOT),
        }
        port = str(free_port())
        self.outs = [tmp / f"{task}{i}.json" for i in range(n)]
        self.procs = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.distributed.worker", task, str(i), str(n), port,
                 str(out)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for i, out in enumerate(self.outs)
        ]  # fmt: skip

    def results(self, timeout: float = 600) -> list[dict[str, Any]]:
        """Each process's result, once all have exited; the logs if one failed."""
        try:
            logs = [p.communicate(timeout=timeout)[0] for p in self.procs]
        finally:
            for p in self.procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        codes = [p.returncode for p in self.procs]
        assert codes == [0] * len(codes), "\n".join(logs)
        return [json.loads(out.read_text()) for out in self.outs]


@pytest.fixture(scope="module")
def densities(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Both processes' results, and this process's on 2 devices and unsharded (computed while
    the processes run)."""
    procs = Processes("density", tmp_path_factory.mktemp("density"))
    local = {"2 local devices": density(2), "unsharded": density(0)}
    yield {"processes": procs.results(), **local}


def test_every_process_sees_all_devices_and_gets_the_same_values(
    densities: dict[str, Any],
) -> None:
    first, second = densities["processes"]
    assert (first.pop("process"), second.pop("process")) == (0, 1)
    assert first["device_count"] == 2
    assert first == second


def test_a_device_count_short_of_all_processes_is_refused(densities: dict[str, Any]) -> None:
    assert densities["processes"][0]["row_count_error"] == (
        "shard_rows must be True or 2 (the devices of all 2 processes) in a multi-process fit, "
        "not 1."
    )


@pytest.mark.parametrize("case", MODELS, ids=list(MODELS))
def test_two_processes_equal_two_local_devices_bit_for_bit(
    densities: dict[str, Any], case: str
) -> None:
    got, ref = densities["processes"][0][case], densities["2 local devices"][case]
    np.testing.assert_array_equal(got["values"], ref["values"])
    np.testing.assert_array_equal(got["grads"], ref["grads"])


@pytest.mark.parametrize("case", MODELS, ids=list(MODELS))
def test_two_processes_equal_the_unsharded_program(densities: dict[str, Any], case: str) -> None:
    got, ref = densities["processes"][0][case], densities["unsharded"][case]
    assert np.all(np.isfinite(ref["values"]))
    np.testing.assert_allclose(got["values"], ref["values"], rtol=1e-13, atol=0)
    grads = np.asarray(ref["grads"])
    np.testing.assert_allclose(got["grads"], grads, rtol=0, atol=1e-11 * np.abs(grads).max())


BAD_ARGS = {
    "no port": (("localhost", 2, 0), "coordinator_address must be 'host:port' of process 0"),
    "no processes": (("localhost:1", 0, 0), "num_processes must be at least 1, not 0."),
    "id too large": (("localhost:1", 2, 2), "process_id must be a whole number from 0 to 1"),
    "id a text": (("localhost:1", 2, "0"), "process_id must be a whole number from 0 to 1"),
    "JAX started": (("localhost:1", 2, 0), "initialize\\(\\) must run before JAX starts"),
}


@pytest.mark.parametrize("case", BAD_ARGS, ids=list(BAD_ARGS))
def test_bad_initialize_calls_raise(case: str) -> None:
    args, message = BAD_ARGS[case]
    jax.devices()  # this test process's JAX has started
    with pytest.raises(ModelError, match=message):
        initialize(*args)


@pytest.mark.slow
def test_two_process_fit_gives_the_one_process_draws(tmp_path: Path) -> None:
    """brm(shard_rows=True) on 2 processes: the draws and trees of brm(shard_rows=2) in one
    process, bit for bit; the unsharded fit's posterior (its sums differ in their last bits,
    and NUTS's trajectories drift apart)."""
    procs = Processes("fit", tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        two, one = fit(2), fit(1)
    first, second = procs.results()
    first.pop("process"), second.pop("process")
    assert first == second
    assert first["n_leapfrog"] == two["n_leapfrog"]
    assert first["elpd_loo"] == two["elpd_loo"] and first["fixef"] == two["fixef"]
    np.testing.assert_allclose(first["epred"], two["epred"], rtol=1e-14)
    for k in FIT_NAMES:
        np.testing.assert_array_equal(first["draws"][k], two["draws"][k], err_msg=k)
        ref = np.asarray(one["draws"][k])
        assert abs(np.mean(first["draws"][k]) - ref.mean()) < 0.5 * ref.std(), k
