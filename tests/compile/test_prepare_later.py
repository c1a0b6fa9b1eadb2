"""``prepared_later``: the prior values' shapes at once, their values from a thread of its own.

The other programs of a fit are traced with the shapes while ``prepare`` compiles; the values
must equal ``prepare``'s, and a refit (program compiled before) gets the values at once.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

from brmsjax.backend import cache
from brmsjax.backend.families.registry import gaussian
from brmsjax.backend.infer.devices import ChainLayout
from brmsjax.backend.infer.prepare import prepared_later
from brmsjax.backend.model.lower import lower
from tests.model.test_lower import default_priors, sleep_design

CPU = ChainLayout("parallel", 4, 1, "cpu")


@pytest.fixture(scope="module")
def sleep_rs():  # type: ignore[no-untyped-def]
    design = sleep_design("sleep_rs")
    return lower(design, gaussian(), default_priors(design))


@pytest.mark.parametrize("refit", [False, True])
def test_shapes_first_then_the_values_of_prepare(sleep_rs, refit) -> None:  # type: ignore[no-untyped-def]
    prior_args = sleep_rs.prior_args
    with jax.enable_x64(True):
        expected = jax.jit(sleep_rs.program.prepare)(prior_args)
        cache.clear()
        if refit:  # compiled by a first fit
            prepared_later(sleep_rs, prior_args, CPU, float32=False)[1]()
        first, values = prepared_later(sleep_rs, prior_args, CPU, float32=False)
        got = values()
    leaves = jax.tree.leaves(first)
    assert leaves and all(isinstance(a, jax.ShapeDtypeStruct) != refit for a in leaves)
    assert jax.tree.structure(got) == jax.tree.structure(expected)
    for shape, value, want in zip(
        leaves, jax.tree.leaves(got), jax.tree.leaves(expected), strict=True
    ):
        assert (np.shape(shape), shape.dtype) == (np.shape(want), want.dtype)
        np.testing.assert_allclose(np.asarray(value), np.asarray(want), rtol=1e-12)
