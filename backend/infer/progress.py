"""The progress display of a NUTS fit: a compile phase, then a sampling bar, in a terminal or
a Jupyter notebook.

A fit spends its first seconds tracing and compiling its programs (and finding the mode for
the first metric), then runs its iterations. Counting the compile time in the first
iterations made the sampling bar's rate and ETA meaningless, so :class:`FitProgress` shows
two phases: a ``Compiling model...`` line whose elapsed time ticks while the programs compile
(:meth:`FitProgress.compiling`), then the sampling bar, whose clock starts when the iterations
start (:meth:`FitProgress.sampling`). ``progress=None`` (brm()'s default) shows them on a
terminal and in a Jupyter notebook, once a run has taken over :data:`DELAY` seconds; stderr
is not a terminal under Jupyter, so a notebook is detected from its IPython kernel
(:func:`in_notebook`) and gets tqdm's notebook widget (a text bar on stderr without
ipywidgets).
"""

from __future__ import annotations

import builtins
import sys
import threading
import time
from typing import Any

__all__ = ["DELAY", "FitProgress", "bar_class", "in_notebook", "shows"]

#: Seconds a run waits before showing its progress when ``progress=None``.
DELAY = 2.0
#: Seconds between refreshes of the compile phase's elapsed time.
TICK = 0.5
COMPILE_FORMAT = "{desc}... {elapsed}"


def in_notebook() -> bool:
    """Whether Python runs in a Jupyter kernel (IPython's ``ZMQInteractiveShell``).

    Reads the ``get_ipython`` that IPython puts in builtins (or IPython's own, when IPython is
    imported); IPython is never imported here, so this is cheap where it is absent. A terminal
    IPython (``TerminalInteractiveShell``) is not a notebook: its stderr is a terminal.
    """
    getter = getattr(builtins, "get_ipython", None)
    if getter is None:
        getter = getattr(sys.modules.get("IPython"), "get_ipython", None)
    if getter is None:
        return False
    try:
        shell = getter()
    except Exception:  # a broken or half-started shell is no notebook
        return False
    return type(shell).__name__ == "ZMQInteractiveShell"


def shows(progress: bool | None) -> bool:
    """Whether ``progress`` shows a display: True always, None on a terminal or a notebook."""
    if progress is None:
        return sys.stderr.isatty() or in_notebook()
    return bool(progress)


def bar_class() -> type[Any]:
    """tqdm's notebook widget in a Jupyter kernel with ipywidgets, else its text bar."""
    if in_notebook():
        from tqdm import notebook

        if notebook.IProgress is not None:
            return notebook.tqdm  # type: ignore[no-any-return]
    from tqdm.std import tqdm

    return tqdm


class FitProgress:
    """The two-phase display of one fit: compiling, then sampling.

    Parameters
    ----------
    progress
        brm()'s ``progress``: False shows nothing, True shows both phases at once, None shows
        them on a terminal or notebook once the run has taken :data:`DELAY` seconds.
    total
        Iterations per chain (warmup included).
    chains
        Number of chains, for the sampling bar's label.
    """

    def __init__(self, progress: bool | None, total: int, chains: int) -> None:
        self.show = shows(progress)
        self.delay = 0.0 if progress else DELAY
        self.total = total
        self.chains = chains
        self.t0 = time.perf_counter()
        self.compile_seconds: float | None = None
        self._bar: Any = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def compiling(self) -> None:
        """Start the compile phase: a ``Compiling model...`` line with its elapsed time."""
        if not self.show:
            return
        self._bar = bar_class()(
            total=None,
            desc="Compiling model",
            bar_format=COMPILE_FORMAT,
            delay=self.delay,
            leave=False,
        )
        self._ticker = threading.Thread(target=self._tick, args=(self._bar,), daemon=True)
        self._ticker.start()

    def _tick(self, bar: Any) -> None:
        # update(0) shows the line once the delay has passed and refreshes its elapsed time.
        while not self._stop.wait(TICK):
            bar.update(0)

    def _end_compiling(self) -> None:
        if self.compile_seconds is None:
            self.compile_seconds = time.perf_counter() - self.t0
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def sampling(self) -> Any:
        """End the compile phase and return the sampling bar (None when nothing shows).

        The bar is made now, so its clock, rate and ETA count iterations only; it shows at
        once when the compile line was shown, else when the run reaches :data:`DELAY`.
        """
        self._end_compiling()
        if not self.show:
            return None
        delay = max(0.0, self.delay - (time.perf_counter() - self.t0))
        self._bar = bar_class()(
            total=self.total,
            desc=f"Sampling {self.chains} chain{'s' * (self.chains > 1)}",
            unit="it",
            delay=delay,
            leave=False,
        )
        return self._bar

    def close(self) -> None:
        """Close whichever phase is showing (also after an error or Ctrl-C)."""
        self._end_compiling()
