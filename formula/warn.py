"""Warnings that point at the user's line, not at the brmsjax line that noticed the problem.

A warning such as ``brmsjax/api.py:54: DataWarning: Rows containing NAs were excluded`` names
a line the user never wrote. Python places a warning ``stacklevel`` frames up the stack, but
a fixed ``stacklevel`` is only right for one call path: the same check runs under
``bj.brm()``, ``bj.make_standata()``, ``fit.update()`` and the porter, at different depths.
:func:`user_stacklevel` counts the frames instead, up to the first one outside brmsjax's
source (a module named ``brmsjax.*``, or a file in ``brmsjax/`` or the folders installed as
``brmsjax.formula`` and ``brmsjax.backend``), so :func:`warn_user` reports the warning at the
line of the user's script or notebook cell that called brmsjax. ``warnings.warn``'s
``skip_file_prefixes`` does the same from Python 3.12 on; this works on every supported Python.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from types import FrameType

__all__ = ["package_dirs", "user_stacklevel", "warn_user"]

#: The modules whose folders hold brmsjax's source (formula/ and backend/ are installed as
#: ``brmsjax.formula`` and ``brmsjax.backend``, and may lie apart from ``brmsjax/``).
_PACKAGES = ("brmsjax", "brmsjax.formula", "brmsjax.backend")


def package_dirs() -> tuple[str, ...]:
    """The folders of brmsjax's source, each ending in a path separator.

    Read from the imported packages (``sys.modules``), so this module imports nothing above
    the formula layer; formula/ itself is always among them.
    """
    dirs = {str(Path(__file__).resolve().parent)}
    for name in _PACKAGES:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path is not None:
            dirs.add(str(Path(path).resolve().parent))
    return tuple(sorted(d.rstrip(os.sep) + os.sep for d in dirs))


def _inside(frame: FrameType, dirs: tuple[str, ...]) -> bool:
    """Whether ``frame`` runs brmsjax's code: a module of the package (which covers code it
    generates, such as a dataclass's ``__init__`` in ``<string>``) or a file in its folders."""
    module = frame.f_globals.get("__name__", "")
    if isinstance(module, str) and (module == "brmsjax" or module.startswith("brmsjax.")):
        return True
    try:
        resolved = str(Path(frame.f_code.co_filename).resolve())
    except (OSError, ValueError):
        return False
    return resolved.startswith(dirs)


def user_stacklevel() -> int:
    """The ``stacklevel`` for ``warnings.warn`` that names the first frame outside brmsjax.

    Call it in the function that calls ``warnings.warn``:
    ``warnings.warn(message, DataWarning, stacklevel=user_stacklevel())``.

    Returns
    -------
    int
        ``stacklevel`` counted from the function that calls ``warnings.warn``; when every
        frame is brmsjax's own (brmsjax called from its own command line), the outermost one.
    """
    dirs = package_dirs()
    frame: FrameType | None = sys._getframe(1)  # the caller of warnings.warn: stacklevel 1
    level = 1
    outermost = level
    while frame is not None:
        if not _inside(frame, dirs):
            return level
        outermost = level
        frame = frame.f_back
        level += 1
    return outermost


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn(message, category)`` at the user's line calling brmsjax.

    Parameters
    ----------
    message
        The warning's text.
    category
        Its class (``DataWarning``, ``SamplerWarning``, ``PriorWarning``, ...).
    """
    warnings.warn(message, category, stacklevel=user_stacklevel())
