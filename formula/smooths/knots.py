"""mgcv's random knots for thin plate smooths with many unique covariate values.

``smooth.construct.tp.smooth.spec`` (mgcv 1.8-41), when the data have more than ``max.knots``
rows (2000 unless ``xt = list(max.knots = )``) and no knots are given:

1. ``xu <- uniquecombs(x, ordered = TRUE)`` on the centred covariates: in one dimension
   ``sort(unique(x))``; in more, each row is pasted into a string (``paste0(x1, "*", x2)``, each
   number by ``as.character``: R 4.2's 15 significant digits, fixed or scientific notation,
   whichever is narrower), rows with a repeated string dropped (the first kept) and the rest
   ordered by the strings in the C locale (byte order);
2. if ``xu`` has more than ``max.knots`` rows, ``temp.seed(seed)`` (``xt$seed``, default 1)
   and ``ind <- sample(1:nu, max.knots)`` (:mod:`.r_random`) pick the knots ``xu[ind, ]``.

``construct_tprs`` then builds the basis on the knots (sorted again by ``Xd_strip``) and
evaluates it at every row of the data (``tps_g`` and reference BLAS's ``dgemv``, whose sums
run in order over the knots).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np

from .r_random import r_sample

__all__ = ["MAX_KNOTS", "r_as_character", "sample_knots", "unique_combinations"]

#: mgcv's default ``max.knots``.
MAX_KNOTS = 2000
_DIGITS = 15


def _scientific(x: float) -> tuple[int, int, int]:
    """R's ``scientific()`` with 15 digits: ``(neg, kpower, nsig)``."""
    if x == 0.0:
        return 0, 0, 1
    neg = 1 if x < 0 else 0
    r = abs(x)
    kp = math.floor(math.log10(r)) - _DIGITS + 1
    # R scales in long double and rounds to an integer of 15 digits; the exact decimal
    # value rounded to 15 significant digits agrees except in double-rounding corner cases
    scaled = Decimal(r).scaleb(-kp)
    if scaled < Decimal(10) ** (_DIGITS - 1):
        scaled = scaled * 10
        kp -= 1
    alpha = int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    nsig = _DIGITS
    for _ in range(_DIGITS):
        if alpha % 10 == 0:
            nsig -= 1
            alpha //= 10
        else:
            break
    if nsig == 0:
        nsig = 1
        kp += 1
    return neg, kp + _DIGITS - 1, nsig


def r_as_character(x: float) -> str:
    """R 4.2's ``as.character()`` of one double (``formatReal`` with 15 digits, then
    ``EncodeRealDrop0``)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    neg, kpower, nsig = _scientific(x)
    left = kpower + 1
    sleft = neg + (1 if left <= 0 else left)
    rgt = max(nsig - kpower - 1, 0)
    width_fixed = sleft + rgt + (1 if rgt else 0)
    e = 2 if kpower >= 100 or kpower <= -99 else 1
    d = nsig - 1
    width_sci = neg + (1 if d > 0 else 0) + d + 4 + e
    if width_fixed <= width_sci:
        return f"{x:.{rgt}f}"
    mantissa, exponent = f"{x:.{d}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    sign = exponent[0]
    digits = exponent[1:].lstrip("0").rjust(2, "0")
    return f"{mantissa}e{sign}{digits}"


def unique_combinations(x: np.ndarray) -> np.ndarray:
    """``uniquecombs(x, ordered = TRUE)`` of an ``(n, d)`` numeric matrix: its unique rows in
    mgcv's order (numeric in one dimension, by R's pasted strings in more)."""
    x = np.asarray(x, dtype=float)
    if x.shape[1] == 1:
        return np.unique(x[:, 0])[:, None]
    cols = [[r_as_character(float(v)) for v in x[:, c]] for c in range(x.shape[1])]
    keys = ["*".join(parts) for parts in zip(*cols, strict=True)]
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    ordered = sorted(first, key=lambda s: s.encode())
    return x[[first[s] for s in ordered]]


def sample_knots(x: np.ndarray, max_knots: int = MAX_KNOTS, seed: int = 1) -> np.ndarray | None:
    """The knots mgcv draws for centred covariates ``x`` ``(n, d)``, or None when it uses
    the data themselves (at most ``max_knots`` rows or unique rows)."""
    n = x.shape[0]
    if n <= max_knots:
        return None
    xu = unique_combinations(x)
    if xu.shape[0] <= max_knots:
        return None
    ind = r_sample(xu.shape[0], max_knots, seed) - 1
    return xu[ind]
