"""Sphinx-gallery hook: a warning raised while an example runs fails the docs build.

``sphinx -W`` turns Sphinx's own warnings into errors, but the examples' Python warnings
(a ``DataWarning`` from brmsjax, a deprecation in a dependency) would only be printed. Before
each example this resets matplotlib (sphinx-gallery's default) and turns warnings into errors,
with the same exceptions as the test suite's ``filterwarnings`` in ``pyproject.toml``; with
``abort_on_example_error`` the error stops the build. Sphinx's own filters come back after each
example.
"""

from __future__ import annotations

import warnings
from typing import Any

import matplotlib.pyplot as plt

_SAVED: list[Any] = []


def reset(gallery_conf: dict[str, Any], fname: str, when: str) -> None:
    """Close figures; make warnings errors before an example runs, restore them after."""
    plt.close("all")
    if when == "after":
        warnings.filters[:] = _SAVED
        return
    _SAVED[:] = warnings.filters
    warnings.resetwarnings()
    warnings.simplefilter("error")
    warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="jax")
