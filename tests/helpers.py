"""Helpers that several test folders share, so each check is written once.

- :func:`load_bench` imports a script of benchmarks/ (not a package) for tests that reuse its
  cases, data and criteria.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def load_bench(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` imported as the module ``brmsjax_bench_<name>`` (registered
    in ``sys.modules``: dataclasses look their module up while decorating)."""
    spec = importlib.util.spec_from_file_location(f"brmsjax_bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
