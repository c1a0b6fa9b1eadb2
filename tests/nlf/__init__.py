"""Tests of nlf(): non-linear formulas of distributional parameters."""
