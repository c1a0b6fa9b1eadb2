"""Families, priors, lowering to NumPyro, inference and diagnostics."""
