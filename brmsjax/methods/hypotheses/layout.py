"""R's printing of ``hypothesis()`` tables: R 4's ``round()``, ``format`` and
``print.data.frame``, and brms's ``limit_chars``."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["format_frame", "limit_chars", "r_round"]


def r_round(x: np.ndarray, digits: int = 2) -> np.ndarray:
    """R 4's ``round()``: the nearer of the two candidates, ties to the even last digit."""
    x = np.asarray(x, dtype=np.float64)
    p10 = 10.0**digits
    ax = np.where(np.isfinite(x), np.abs(x), 0.0)
    x10 = ax * p10
    i10 = np.floor(x10)
    xd, xu = i10 / p10, np.ceil(x10) / p10
    du, dd = xu - ax, ax - xd
    up = (du < dd) | ((du == dd) & (np.fmod(i10, 2) == 1))
    out = np.sign(x) * np.where(up, xu, xd)
    return np.where(np.isfinite(x), out, x)


def _decimals(v: float, digits: int = 7) -> int:
    """Decimals R's ``format`` needs to show ``v`` with at most ``digits`` significant digits."""
    if v == 0:
        return 0
    e10 = int(np.floor(np.log10(abs(v))))
    for sig in range(1, digits + 1):
        if abs(v - float(f"{v:.{sig - 1}e}")) <= 1e-12 * abs(v):
            break
    return max(0, sig - 1 - e10)


def _format_column(values: pd.Series) -> list[str]:
    if not pd.api.types.is_numeric_dtype(values):
        return [str(v) for v in values]
    x = values.to_numpy(dtype=np.float64)
    finite = x[np.isfinite(x)]
    dec = max((_decimals(float(v)) for v in finite), default=0)
    special = {True: "Inf", False: "-Inf"}
    return [
        f"{v:.{dec}f}" if np.isfinite(v) else ("NA" if np.isnan(v) else special[bool(v > 0)])
        for v in x
    ]


def format_frame(table: pd.DataFrame, width: int = 80) -> str:
    """R's ``print.data.frame``: right-aligned columns, wrapped into blocks of ``width``."""
    rows = [str(i) for i in table.index]
    rw = max((len(r) for r in rows), default=0)
    cols = []
    for name in table.columns:
        cells = _format_column(table[name])
        w = max([len(str(name)), *(len(c) for c in cells)])
        cols.append([str(name).rjust(w), *(c.rjust(w) for c in cells)])
    blocks: list[list[list[str]]] = []
    used = width + 1
    for col in cols:
        if used + 1 + len(col[0]) > width and (not blocks or blocks[-1]):
            blocks.append([])
            used = rw
        blocks[-1].append(col)
        used += 1 + len(col[0])
    lines = []
    for block in blocks:
        for i, label in enumerate(["", *rows]):
            lines.append(" ".join([label.ljust(rw), *(c[i] for c in block)]))
    return "\n".join(lines)


def limit_chars(text: str, chars: int = 20, suffix: int = 4) -> str:
    """brms's ``limit_chars``: long hypotheses keep 17 characters, ``...`` and the sign part."""
    cut = len(text) - suffix
    if cut <= chars:
        return text
    return text[: chars - 3] + "..." + text[cut:]
