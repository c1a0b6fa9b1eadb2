"""Sampling speed of non-gaussian and distributional models with group terms (issue 20)."""
