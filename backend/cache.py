"""Compilation caches: JAX's persistent cache on disk, and compiled samplers in memory.

On disk, :func:`enable_persistent_cache` points JAX's persistent compilation cache at
``~/.cache/brmsjax/jax`` (``$XDG_CACHE_HOME/brmsjax/jax``; ``$BRMSJAX_CACHE_DIR/jax`` when that
variable is set, and no cache when it is set to an empty string), unless the user already chose
a directory (``JAX_COMPILATION_CACHE_DIR`` or ``jax.config``). A new process then loads compiled
samplers instead of compiling them again; it still traces them.

In memory, :func:`compiled` keeps each compiled sampler program under a hashable key (model
structure, static sampler settings and the shapes and dtypes of the arguments), so a second fit
of the same structure with data of the same shapes neither traces nor compiles.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

_ENV = "BRMSJAX_CACHE_DIR"
# XLA:CPU's legacy emitters compile about twice as fast; used for programs that run once, and
# for samplers whose steps are many small operations (brmsjax.backend.infer.nuts).
ONE_OFF_OPTIONS: dict[str, Any] = {"xla_cpu_use_fusion_emitters": False}
# Small samplers (brmsjax.backend.infer.nuts_programs): LLVM's code generation on one thread.
# It otherwise splits the program into modules compiled on a thread pool, which costs 10-15%
# more CPU (sleepstudy's sampler 2.31 -> 2.07 s), and on a CPU the other compile thread
# already keeps the second core busy (benchmarks/RESULTS.md, "Third session").
SAMPLER_OPTIONS: dict[str, Any] = {**ONE_OFF_OPTIONS, "xla_cpu_parallel_codegen_split_count": 1}
# Programs that run once on a few numbers (the prior values' ``prepare``): LLVM without
# optimizations compiles them in about half the time, before anything else can start.
RUN_ONCE_OPTIONS: dict[str, Any] = {**SAMPLER_OPTIONS, "xla_backend_optimization_level": 0}
_STATE: dict[str, Any] = {"done": False, "path": None}
_FUNCTIONS: dict[Hashable, Any] = {}


def cache_root() -> Path | None:
    """The brmsjax cache directory, or None when ``BRMSJAX_CACHE_DIR`` is set empty."""
    env = os.environ.get(_ENV)
    if env is not None:
        return Path(env).expanduser() if env.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "brmsjax"


def enable_persistent_cache() -> str | None:
    """Turn on JAX's persistent compilation cache in the brmsjax cache directory, once.

    Leaves a directory the user set alone and returns it. Returns None when the cache is
    switched off or the directory cannot be created (then nothing is cached on disk).
    """
    import jax

    if _STATE["done"]:
        return _STATE["path"]
    _STATE["done"] = True
    current = getattr(jax.config, "jax_compilation_cache_dir", None)
    if current:
        _STATE["path"] = str(current)
        return _STATE["path"]
    root = cache_root()
    if root is None:
        return None
    path = root / "jax"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    jax.config.update("jax_compilation_cache_dir", str(path))
    _STATE["path"] = str(path)
    return _STATE["path"]


def signature(args: Any) -> Hashable:
    """Hashable pytree structure, shapes and dtypes of ``args``."""
    import jax
    import numpy as np

    leaves, treedef = jax.tree.flatten(args)
    return treedef, tuple(
        (tuple(np.shape(a)), str(a.dtype) if hasattr(a, "dtype") else type(a).__name__)
        for a in leaves
    )


def compiled(
    key: Hashable,
    build: Callable[[], Any],
    args: tuple[Any, ...],
    options: dict[str, Any] | Callable[[Any], dict[str, Any] | None] | None = None,
) -> Any:
    """The compiled program for ``key`` and the signature of ``args``, compiled once.

    ``build()`` returns a jitted function; it is lowered with ``args`` and compiled with the XLA
    ``options`` (or those that ``options(lowered)`` picks for the lowered program), or without
    them where this XLA does not know an option.
    """
    import jax

    full = (key, signature(args))
    exe = _FUNCTIONS.get(full)
    if exe is None:
        lowered = build().lower(*args)
        chosen = options(lowered) if callable(options) else options
        try:
            exe = lowered.compile(chosen) if chosen else lowered.compile()
        except jax.errors.JaxRuntimeError as err:
            if "compile option" not in str(err):
                raise
            exe = lowered.compile()
        _FUNCTIONS[full] = exe
    return exe


def lookup(key: Hashable, args: tuple[Any, ...]) -> Any:
    """The program :func:`compiled` holds for ``key`` and the signature of ``args``, or None."""
    return _FUNCTIONS.get((key, signature(args)))


def clear() -> None:
    """Forget the compiled programs kept in memory (JAX's own caches are not touched)."""
    _FUNCTIONS.clear()
