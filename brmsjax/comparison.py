"""Model checking and comparison (loo, waic, bayes_R2)."""

from __future__ import annotations


class ComparisonMethods:
    """Methods of :class:`~brmsjax.fit.BrmsFit` described in this module."""
