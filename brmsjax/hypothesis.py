"""brms's hypothesis() on a fit."""

from __future__ import annotations


class HypothesisMethods:
    """Methods of :class:`~brmsjax.fit.BrmsFit` described in this module."""
