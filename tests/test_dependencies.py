"""The installed third-party packages are the ones pyproject.toml declares, in its ranges.

A wrong ArviZ major (1.x removed ``az.psislw`` and changed ``from_dict``) or a dependency
older than its lower bound fails here, by name, rather than deep inside a fit.
"""

from __future__ import annotations

import ast
import inspect
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DEPENDENCIES = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
OPTIONAL = [
    Requirement(r)
    for extra in PYPROJECT["project"]["optional-dependencies"].values()
    for r in extra
]


@pytest.mark.parametrize("req", DEPENDENCIES, ids=lambda r: r.name)
def test_installed_version_in_declared_range(req: Requirement) -> None:
    installed = metadata.version(req.name)
    assert req.specifier.contains(installed, prereleases=True), (
        f"{req.name} {installed} is installed, pyproject.toml declares {req.name}{req.specifier}"
    )


def test_arviz_major_and_the_apis_brmsjax_calls() -> None:
    (req,) = [r for r in DEPENDENCIES if r.name == "arviz"]
    assert not req.specifier.contains("1.0.0"), "ArviZ 1.x is not supported (no az.psislw)"
    from brmsjax.backend.infer.diagnostics import import_arviz

    az = import_arviz()
    assert int(az.__version__.split(".")[0]) == 0
    for name in ("psislw", "rhat", "ess", "from_dict", "from_netcdf"):
        assert callable(getattr(az, name, None)), f"arviz.{name} is missing"
    params = inspect.signature(az.from_dict).parameters
    assert {"posterior", "sample_stats"} <= set(params)


def _imported_top_levels() -> set[str]:
    names: set[str] = set()
    for folder in ("brmsjax", "formula", "backend"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names


def test_every_third_party_import_is_declared() -> None:
    declared = {canonicalize_name(r.name) for r in DEPENDENCIES + OPTIONAL}
    dists = metadata.packages_distributions()
    third_party = _imported_top_levels() - set(sys.stdlib_module_names) - {"brmsjax"}
    undeclared = {
        module: dists.get(module, ["?"])
        for module in sorted(third_party)
        if not any(canonicalize_name(d) in declared for d in dists.get(module, []))
    }
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def _lowest_pins() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / ".ci" / "lowest.txt").read_text().splitlines():
        req = Requirement(line.split("#")[0]) if line.split("#")[0].strip() else None
        if req is not None and [s.operator for s in req.specifier] == ["=="]:
            pins[canonicalize_name(req.name)] = Version(next(iter(req.specifier)).version)
    return pins


LOWER_BOUNDED = [*DEPENDENCIES, *{r.name: r for r in OPTIONAL if r.name == "blackjax"}.values()]


@pytest.mark.parametrize("req", LOWER_BOUNDED, ids=lambda r: r.name)
def test_ci_lowest_versions_pin_each_lower_bound(req: Requirement) -> None:
    """.ci/run's lowest-versions step tests exactly the lower bounds pyproject.toml declares."""
    (lower,) = [Version(s.version) for s in req.specifier if s.operator == ">="]
    assert _lowest_pins().get(canonicalize_name(req.name)) == lower
