"""Sphinx extension: the API reference pages, generated from ``brmsjax.__all__``.

Every public name gets an autodoc entry (its numpydoc docstring, read by napoleon), sorted into
sections by what it is, so a name added to ``__all__`` appears without editing the docs. The
generated text goes to ``_generated/api_members.inc``, which ``api.rst`` includes.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import brmsjax
from brmsjax.backend.families import registry

SECTIONS = (
    ("fit", "The fit object", "Returned by :func:`brmsjax.brm`; brms's methods are its methods."),
    ("function", "Functions", "Fitting, formulas, priors, designs and model comparison."),
    ("family", "Families", "brms's families with their links (``bj.poisson()``, ...)."),
    ("class", "Classes", "Formula, prior, family and level-notation objects."),
    ("error", "Errors", "Every error brmsjax raises on bad input is one of these."),
    ("module", "Data sets", "Real data sets bundled with brmsjax."),
)


def _kind(name: str, obj: Any) -> str:
    if obj is brmsjax.BrmsFit:
        return "fit"
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "error" if issubclass(obj, Exception) else "class"
    if getattr(obj, "__module__", "") == registry.__name__:
        return "family"
    return "function"


def api_text() -> str:
    """The reStructuredText of the API reference's sections."""
    kinds: dict[str, list[str]] = {key: [] for key, _, _ in SECTIONS}
    for name in brmsjax.__all__:
        if name.startswith("_"):
            continue
        kinds[_kind(name, getattr(brmsjax, name))].append(name)
    out: list[str] = []
    for key, title, blurb in SECTIONS:
        names = kinds[key]
        if not names:
            continue
        out += [title, "-" * len(title), "", blurb, ""]
        for name in names:
            if key == "fit":
                out += [f".. autoclass:: brmsjax.{name}", "   :members:", ""]
            elif key == "module":
                out += [f".. automodule:: brmsjax.{name}", "   :members:", ""]
            elif key in ("class", "error"):
                out += [f".. autoclass:: brmsjax.{name}", "   :members:", ""]
            else:
                out += [f".. autofunction:: brmsjax.{name}", ""]
    return "\n".join(out)


def _write(app: Any) -> None:
    target = Path(app.srcdir) / "_generated" / "api_members.inc"
    target.parent.mkdir(exist_ok=True)
    text = api_text()
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


def setup(app: Any) -> dict[str, Any]:
    """Register the page generator with Sphinx."""
    app.connect("builder-inited", _write)
    return {"parallel_read_safe": True, "version": "1"}
