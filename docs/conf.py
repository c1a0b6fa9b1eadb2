"""Sphinx configuration of brmsjax's documentation site.

Built with ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` (CI does this and
fails on any warning). The API pages come from the numpydoc docstrings (autodoc + napoleon), the
brms -> brmsjax guide is generated from what brmsjax exposes (``_ext/brms_guide.py``), and the
gallery in ``examples/`` is executed by sphinx-gallery at every build with small fits.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import brmsjax  # noqa: E402

project = "brmsjax"
author = "brmsjax contributors"
copyright = "brmsjax contributors, MIT license"
release = brmsjax.__version__
version = brmsjax.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx_gallery.gen_gallery",
    "brms_guide",
    "api_pages",
]

exclude_patterns = ["_build", "_generated", "examples", "walkthrough"]
templates_path: list[str] = []
html_theme = "alabaster"
html_static_path: list[str] = []
html_theme_options = {"description": "brms for Python, on JAX", "fixed_sidebar": True}

# numpydoc-style docstrings (napoleon reads them; the docs do not need the numpydoc package).
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"show-inheritance": False}

sphinx_gallery_conf = {
    "examples_dirs": ["walkthrough", "examples"],
    "gallery_dirs": ["auto_walkthrough", "auto_examples"],
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "plot_gallery": "True",
    "image_scrapers": ("matplotlib",),
    "capture_repr": ("_repr_html_", "__repr__"),
    # warnings inside an example are errors (see _ext/gallery_warnings.py)
    "reset_modules": ("gallery_warnings.reset",),
    "reset_modules_order": "both",
}
