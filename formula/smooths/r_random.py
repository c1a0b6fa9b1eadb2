"""R's default random number generator and ``sample()``, to the bit (for mgcv's knot draws).

mgcv's thin plate constructor picks ``max.knots`` knots at random when a smooth has more unique
covariate values than that (``smooth.construct.tp.smooth.spec``); it fixes R's generator for the
draw with ``temp.seed(seed)`` (``RNGkind("default", "default"); set.seed(seed)``, seed 1 unless
``xt$seed`` says otherwise) and calls ``sample(1:nu, nk)``. Which knots it picks, and with them
every column of the basis, follow from R's arithmetic:

- ``set.seed`` (``src/main/RNG.c``, ``RNG_Init``): the seed is scrambled by 50 steps of the
  linear congruence ``seed = 69069 seed + 1`` (unsigned 32 bits), then each of the 625 words of
  the Mersenne-Twister state (``mti`` then ``mt[0..623]``) takes the next step; ``mti = 624``;
- ``unif_rand``: ``MT_genrand`` (MT19937 with its tempering) times ``2.3283064365386963e-10``,
  moved into ``(0, 1)`` by ``fixup``;
- ``sample(n, k)`` without replacement (R >= 3.6, ``sample.kind = "Rejection"``): ``k`` times
  ``j = R_unif_index(n)`` (rejection sampling of ``ceil(log2(n))`` random bits, built 16 bits
  at a time from ``floor(65536 unif_rand())``), take ``x[j] + 1`` and move the last of the
  ``n`` remaining values into its place.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["RRandom", "r_sample"]

_N = 624
_M = 397
_MATRIX_A = 0x9908B0DF
_UPPER = 0x80000000
_LOWER = 0x7FFFFFFF
_MASK32 = 0xFFFFFFFF
_I2_32M1 = 2.328306437080797e-10  # 1 / (2^32 - 1), R's fixup constant


class RRandom:
    """R's Mersenne-Twister after ``set.seed(seed)`` (``RNGkind("default")``).

    Parameters
    ----------
    seed
        The integer given to ``set.seed``.
    """

    def __init__(self, seed: int) -> None:
        s = int(seed) & _MASK32
        for _ in range(50):
            s = (69069 * s + 1) & _MASK32
        words = []
        for _ in range(_N + 1):
            s = (69069 * s + 1) & _MASK32
            words.append(s)
        # dummy[0] is mti, set to N by FixupSeeds(initial = TRUE)
        self._mt = np.array(words[1:], dtype=np.uint64)
        self._mti = _N
        self._buffer = np.empty(0, dtype=np.uint64)

    def _twist(self) -> None:
        """The generation step of ``MT_genrand`` (all 624 words)."""
        mt = [int(v) for v in self._mt]
        for kk in range(_N):
            y = (mt[kk] & _UPPER) | (mt[(kk + 1) % _N] & _LOWER)
            mt[kk] = mt[(kk + _M) % _N] ^ (y >> 1) ^ (_MATRIX_A if y & 1 else 0)
        self._mt = np.array(mt, dtype=np.uint64)
        t: np.ndarray = self._mt.copy()
        t ^= t >> np.uint64(11)
        t ^= (t << np.uint64(7)) & np.uint64(0x9D2C5680)
        t ^= (t << np.uint64(15)) & np.uint64(0xEFC60000)
        t ^= t >> np.uint64(18)
        self._buffer = t & np.uint64(_MASK32)
        self._mti = 0

    def unif_rand(self) -> float:
        """R's ``unif_rand()``: one uniform on ``(0, 1)``."""
        if self._mti >= _N:
            self._twist()
        y = int(self._buffer[self._mti])
        self._mti += 1
        value = float(y) * 2.3283064365386963e-10
        if value <= 0.0:
            return 0.5 * _I2_32M1
        if 1.0 - value <= 0.0:
            return 1.0 - 0.5 * _I2_32M1
        return value

    def _rbits(self, bits: int) -> int:
        """``rbits``: a random integer below ``2^bits`` from 16-bit pieces."""
        v = 0
        for _ in range(0, bits + 1, 16):
            v1 = int(math.floor(self.unif_rand() * 65536))
            v = 65536 * v + v1
        return v & ((1 << bits) - 1)

    def unif_index(self, dn: int) -> int:
        """``R_unif_index(dn)`` with ``sample.kind = "Rejection"``: uniform on ``0..dn-1``."""
        if dn <= 0:
            return 0
        bits = int(math.ceil(math.log2(dn)))
        while True:
            dv = self._rbits(bits)
            if dn > dv:
                return dv


def r_sample(n: int, size: int, seed: int) -> np.ndarray:
    """``set.seed(seed); sample(1:n, size)`` in R >= 3.6 (1-based values, in R's order).

    Parameters
    ----------
    n
        Population ``1..n`` (at most ``1e7``: R hashes larger populations another way).
    size
        How many values, drawn without replacement (``size <= n``).
    seed
        The seed given to ``set.seed``.
    """
    if size > n:
        raise ValueError("cannot take a sample larger than the population")
    if n > 10_000_000:
        raise NotImplementedError("R samples populations over 1e7 by hashing (not reproduced)")
    rng = RRandom(seed)
    x = list(range(n))
    out = np.empty(size, dtype=np.int64)
    left = n
    for i in range(size):
        j = rng.unif_index(left)
        out[i] = x[j] + 1
        left -= 1
        x[j] = x[left]
    return out
