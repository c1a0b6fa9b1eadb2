"""Plots of a fit with matplotlib: pp_check, conditional_effects, trace and density."""

from __future__ import annotations


class PlotMethods:
    """Methods of :class:`~brmsjax.fit.BrmsFit` described in this module."""
