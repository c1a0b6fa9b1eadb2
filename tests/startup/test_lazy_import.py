"""``import brmsjax`` loads neither JAX nor pandas; the public names still resolve on use.

The package ``__init__`` imports its public names on first use (PEP 562), so scripts and the
command line start in a fraction of a second instead of seconds. These tests run each start-up
in a fresh interpreter and check ``sys.modules``, so that a new top-level import of a heavy
package in the import path fails here rather than silently costing every user seconds.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import brmsjax
import brmsjax.formula

HEAVY = ("jax", "jaxlib", "numpyro", "pandas", "scipy", "arviz", "xarray", "matplotlib", "lark")

PROBE = (
    "import json, sys\n"
    "{code}\n"
    "print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))\n"
)


def _probe(code: str, timeout: int = 120, env: dict[str, str] | None = None) -> list[str]:
    """The output lines of ``code`` then :data:`PROBE`'s list of the heavy packages in
    ``sys.modules``, run in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(code=code, heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
        timeout=timeout,
        env=env,
    )
    return out.stdout.strip().splitlines()


def _loaded(code: str) -> list[str]:
    """The heavy packages in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    return list(json.loads(_probe(code)[-1]))


@pytest.mark.parametrize(
    "code",
    [
        "import brmsjax",
        "import brmsjax; brmsjax.__version__; dir(brmsjax)",
        "from brmsjax.formula.errors import BrmsjaxError, FormulaError",
        "import brmsjax.cli; brmsjax.cli._parser().format_help()",
    ],
)
def test_start_up_loads_no_heavy_package(code: str) -> None:
    assert _loaded(code) == []


def test_cli_help_loads_no_heavy_package() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from brmsjax.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass"
    )
    assert _loaded(code) == []


@pytest.mark.parametrize(
    ("code", "loaded"),
    [
        ("from brmsjax import brm", ["jax", "jaxlib", "lark", "numpyro", "pandas", "scipy"]),
        ("import brmsjax; brmsjax.bf('y ~ x')", ["lark"]),
        (
            "from brmsjax import make_standata",
            ["jax", "jaxlib", "lark", "numpyro", "pandas", "scipy"],
        ),
    ],
)
def test_public_names_import_what_they_need(code: str, loaded: list[str]) -> None:
    # a fit needs JAX, NumPyro and pandas, but not ArviZ, xarray or matplotlib until its
    # summary or plots are asked for
    assert _loaded(code) == loaded


FIT = (
    "import atexit, gc, warnings\n"
    "import numpy as np, pandas as pd\n"
    # registered before brmsjax's handler, so it runs after it (atexit runs last in, first out)
    "atexit.register(lambda: print('frozen at exit', gc.get_freeze_count() > 0))\n"
    "from brmsjax import brm\n"
    "rng = np.random.default_rng(1)\n"
    "df = pd.DataFrame({'x': rng.normal(size=30)}).assign(y=lambda d: d.x + rng.normal(size=30))\n"
    "with warnings.catch_warnings():\n"
    "    warnings.simplefilter('ignore')\n"
    "    fit = brm('y ~ x', df, chains=2, iter=200, seed=1)\n"
    "fit.draws()\n"
)


@pytest.mark.parametrize(
    ("code", "loaded"),
    [
        (FIT, ["jax", "jaxlib", "lark", "numpyro", "pandas", "scipy"]),
        (FIT + "str(fit.summary())\n", sorted(HEAVY)),
    ],
)
def test_a_fit_imports_arviz_only_for_its_summary(code: str, loaded: list[str]) -> None:
    # brm()'s R-hat check is NumPy's; summary()'s ESS columns import ArviZ (and xarray, and
    # ArviZ imports matplotlib)
    out = _probe(code, 300, dict(os.environ, BRMSJAX_CACHE_DIR=""))
    assert json.loads(out[-2]) == loaded
    assert out[-1] == "frozen at exit True"


def _type_checking_names(path: Path) -> dict[str, str]:
    """Name -> module of the imports under ``if TYPE_CHECKING:`` in the file ``path``."""
    tree = ast.parse(path.read_text())
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom)
                for alias in stmt.names:
                    if stmt.module == "brmsjax":
                        names[alias.name] = f"brmsjax.{alias.name}"
                    elif stmt.level:
                        names[alias.name] = f"brmsjax.formula.{stmt.module}"
                    else:
                        names[alias.name] = str(stmt.module)
    return names


@pytest.mark.parametrize("package", [brmsjax, brmsjax.formula])
def test_lazy_table_matches_type_checking_imports_and_all(package: ModuleType) -> None:
    path = Path(str(package.__file__))
    lazy = package._LAZY
    assert _type_checking_names(path) == lazy
    assert set(package.__all__) - {"__version__"} == set(lazy)


@pytest.mark.parametrize("package", [brmsjax, brmsjax.formula])
def test_every_public_name_resolves_and_is_listed_by_dir(package: ModuleType) -> None:
    lazy = package._LAZY
    listed = dir(package)
    for name, module in lazy.items():
        value = getattr(package, name)
        assert name in listed
        source = sys.modules[module]
        is_module = module == f"{package.__name__}.{name}"
        assert value is (source if is_module else getattr(source, name))


@pytest.mark.parametrize("package", [brmsjax, brmsjax.formula])
def test_unknown_name_is_an_attribute_error(package: ModuleType) -> None:
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        package.no_such_name  # noqa: B018


def test_from_import_of_public_names() -> None:
    from brmsjax import BrmsFit, bf, brm, datasets, gaussian

    assert brm.__module__ == "brmsjax.api"
    assert BrmsFit.__name__ == "BrmsFit"
    assert bf("y ~ x").formulas == ("y ~ x",)
    assert datasets.__name__ == "brmsjax.datasets"
    assert gaussian().name == "gaussian"
