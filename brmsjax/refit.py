"""update(): refit a model with a new formula, data or settings."""

from __future__ import annotations


class RefitMethods:
    """Methods of :class:`~brmsjax.fit.BrmsFit` described in this module."""
