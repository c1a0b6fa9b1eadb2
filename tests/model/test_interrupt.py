"""Ctrl-C during sampling stops the run within a chunk with one clear line.

The fast tests drive :func:`run_chunks` with a stand-in for the compiled program; the slow one
runs a long sleepstudy fit in a subprocess, sends SIGINT once the progress bar shows sampling
iterations, and checks that the process ends within 3 seconds with brm()'s one-line message and
no frame of JAX in its traceback.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from brmsjax.backend.infer.chunks import (
    CHUNK_SECONDS,
    SamplingInterrupted,
    _next_size,
    run_chunks,
)

ROOT = Path(__file__).resolve().parents[2]


def _interrupt_after(seconds: float) -> dict[str, float]:
    """SIGINT this process after ``seconds``; the time it was sent is stored under ``"t"``."""
    sent: dict[str, float] = {}

    def fire() -> None:
        time.sleep(seconds)
        sent["t"] = time.perf_counter()
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=fire, daemon=True).start()
    return sent


def test_interrupt_stops_at_the_end_of_the_chunk() -> None:
    calls: list[tuple[int, int]] = []

    def step(lo: int, hi: int) -> None:
        calls.append((lo, hi))
        time.sleep(0.001 * (hi - lo))  # 1 ms per iteration

    sent = _interrupt_after(0.5)
    with pytest.raises(SamplingInterrupted) as info:
        run_chunks(step, 100_000)
    latency = time.perf_counter() - sent["t"]
    done = calls[-1][1]
    assert str(info.value) == f"brm(): interrupted by the user after {done} of 100000 iterations."
    assert 0 < done < 100_000
    assert latency < 2 * CHUNK_SECONDS + 0.2
    # Chunks start at one iteration and double at most; none runs much past CHUNK_SECONDS.
    sizes = [hi - lo for lo, hi in calls]
    assert sizes[0] == 1
    assert all(b <= 2 * a for a, b in zip(sizes, sizes[1:], strict=False))
    assert max(sizes) <= 1.5 * CHUNK_SECONDS / 0.001
    # The handler is gone: SIGINT raises KeyboardInterrupt as usual again.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_chunks_cover_every_iteration_once() -> None:
    calls: list[tuple[int, int]] = []
    run_chunks(lambda lo, hi: calls.append((lo, hi)), 1000, first=3)
    assert calls[0] == (0, 3)
    assert [lo for lo, _ in calls[1:]] == [hi for _, hi in calls[:-1]]
    assert calls[-1][1] == 1000


def test_next_size_targets_the_chunk_time() -> None:
    assert _next_size(100, CHUNK_SECONDS) == 100
    assert _next_size(100, CHUNK_SECONDS / 10) == 200  # grows at most twofold
    assert _next_size(100, CHUNK_SECONDS * 4) == 25
    assert _next_size(1, 10.0) == 1
    assert _next_size(8, 0.0) == 16


SCRIPT = """
import pandas as pd
import brmsjax as bj
data = pd.read_csv("brmsjax/data/sleepstudy.csv")
bj.brm("Reaction ~ Days + (Days | Subject)", data, chains=2, iter=200_000, seed=1, progress=True)
"""


@pytest.mark.slow
def test_ctrl_c_stops_a_long_fit_within_3_seconds() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        elapsed, rest = _interrupt_when_sampling(proc)
    lines = [ln for ln in rest.replace("\r", "\n").splitlines() if ln.strip()]
    assert elapsed < 3, (elapsed, rest[-2000:])
    assert re.fullmatch(
        r"brmsjax\.backend\.infer\.chunks\.SamplingInterrupted: brm\(\): interrupted by the user "
        r"after \d+ of 200000 iterations\.",
        lines[-1],
    ), rest[-2000:]
    assert not re.search(r"[/\\](jax|jaxlib)[/\\]", rest), rest[-2000:]


def _interrupt_when_sampling(proc: subprocess.Popen[str]) -> tuple[float, str]:
    """SIGINT ``proc`` once its progress bar counts iterations; the seconds it took to end
    and the rest of its stderr."""
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + 300
    # The progress bar (carriage returns, no newlines) shows iterations once sampling runs.
    while not re.search(r"\b[1-9]\d*/200000\b", seen) and time.monotonic() < deadline:
        char = proc.stderr.read(1)
        if not char:
            break
        seen += char
    assert re.search(r"\b[1-9]\d*/200000\b", seen), seen[-2000:]
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        rest = proc.stderr.read()
        proc.wait(timeout=10)
    finally:
        proc.kill()
    return time.monotonic() - t0, rest
