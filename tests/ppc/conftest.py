"""The plot tests share tests/validation's small gaussian fit (``gauss``, ``simulated``)."""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib
import pytest

from tests.validation.conftest import gauss, simulated  # noqa: F401  (shared fixtures)

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    import matplotlib.pyplot as plt

    yield
    plt.close("all")
