"""Predictions from a fit: posterior_predict, posterior_epred, predict, fitted, log_lik."""

from __future__ import annotations


class PredictionMethods:
    """Methods of :class:`~brmsjax.fit.BrmsFit` described in this module."""
