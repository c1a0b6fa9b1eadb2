"""The mode search's program compiled beside the tracing, and ArviZ imported after ``derive``.

``mode_search_later`` compiles the ``value_and_grad`` program that the mode search
(``laplace_inverse_mass``) then finds under the same key and argument signature, so ``start``'s
compile thread no longer traces and compiles it; models whose first metric needs no mode search
(group coordinates sampled) compile nothing. ``_then_arviz`` hands ``derive``'s result (or its
error) to whoever waits for it before ArviZ is imported on the same thread.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

import jax
import numpy as np
import pytest

from brmsjax.backend import cache
from brmsjax.backend.families.registry import gaussian
from brmsjax.backend.infer.devices import ChainLayout
from brmsjax.backend.infer.inits import init_centre
from brmsjax.backend.infer.metric_init import value_and_grad_fn
from brmsjax.backend.infer.nuts_programs import _then_arviz
from brmsjax.backend.infer.prepare import mode_search_later
from brmsjax.backend.model.lower import lower
from tests.model.test_lower import default_priors, sleep_design

CPU = ChainLayout("parallel", 4, 1, "cpu")


@pytest.mark.parametrize(
    ("marginalize", "compiles"),
    [
        (True, True),  # group effects integrated out: the metric starts from the mode
        (False, False),  # z_1 sampled: NumPyro's identity, no mode search
    ],
)
def test_mode_program_compiled_beside_and_found_by_the_search(marginalize, compiles) -> None:  # type: ignore[no-untyped-def]
    design = sleep_design("sleep_rs")
    lowered = lower(design, gaussian(), default_priors(design), marginalize=marginalize)
    with jax.enable_x64(True):
        prepared = jax.jit(lowered.program.prepare)(lowered.prior_args)
        u = np.asarray(init_centre(lowered), dtype=np.float64)
        cache.clear()
        wait = mode_search_later(
            lowered, lowered.data, lambda: prepared, u, options=None, layout=CPU, float32=False
        )
        wait()
        key = ("value_and_grad", lowered.structure, CPU)
        found = cache.lookup(key, (u, lowered.data, prepared))
        assert (found is not None) == compiles
        if not compiles:
            return
        value, grad = value_and_grad_fn(lowered, lowered.data, prepared, u, None, key=CPU)(u)
        assert cache.lookup(key, (u, lowered.data, prepared)) is found  # not compiled again
        want, want_grad = jax.value_and_grad(lowered.program.potential)(u, lowered.data, prepared)
    np.testing.assert_allclose(value, float(want), rtol=1e-12)
    np.testing.assert_allclose(grad, np.asarray(want_grad), rtol=1e-10, atol=1e-12)


def _fails() -> None:
    raise ValueError("derive failed")


@pytest.mark.parametrize(
    ("work", "expected"),
    [(lambda: 42, 42), (_fails, ValueError)],
)
def test_derive_result_handed_over_before_arviz(work, expected) -> None:  # type: ignore[no-untyped-def]
    done: Future[int] = Future()
    after = threading.Event()
    after.set()  # advance lowered
    _then_arviz(done, work, after)
    assert done.done()
    if expected is ValueError:
        with pytest.raises(ValueError, match="derive failed"):
            done.result()
    else:
        assert done.result() == expected
