"""Lay out brmsjax as pip installs it, in build/layout, for the type check and import contracts.

The repository maps ``brmsjax.formula`` onto formula/ and ``brmsjax.backend`` onto backend/
(pyproject's ``package-dir``). Neither mypy nor import-linter reads that mapping, and an
editable install resolves it with an import hook they cannot follow, so both would see three
unrelated trees. This script mirrors the installed package: real folders, with every source
file a symbolic link to the file in the repository (so mypy's messages name real lines).
"""

import shutil
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = ROOT / "build" / "layout"


def main() -> None:
    """Write build/layout/brmsjax from pyproject.toml's package-dir and packages."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    package_dir: dict[str, str] = config["package-dir"]
    shutil.rmtree(LAYOUT, ignore_errors=True)
    for package in config["packages"]:
        # The nearest mapped ancestor gives the source folder (brmsjax.backend.model ->
        # backend/model).
        parts = package.split(".")
        for cut in range(len(parts), 0, -1):
            head = ".".join(parts[:cut])
            if head in package_dir:
                source = ROOT / package_dir[head] / Path(*parts[cut:])
                break
        else:
            sys.exit(f"installed_layout: no package-dir entry for '{package}'")
        target = LAYOUT / Path(*parts)
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(source.iterdir()):
            if path.is_file() and path.suffix in {".py", ".pyi", ".lark", ".tables", ".typed"}:
                (target / path.name).symlink_to(path)
    unlisted = sorted(set(_package_folders(package_dir)) - set(config["packages"]))
    if unlisted:
        sys.exit(
            "installed_layout: folders with an __init__.py missing from pyproject.toml's "
            f"[tool.setuptools] packages (pip would not install them): {', '.join(unlisted)}"
        )
    print(f"installed_layout: {LAYOUT.relative_to(ROOT)}")


def _package_folders(package_dir: dict[str, str]) -> list[str]:
    """Every importable package under the mapped source folders, as dotted names."""
    names = []
    for head, folder in package_dir.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            names.append(".".join([head, *rel.parts]))
    return names


if __name__ == "__main__":
    main()
