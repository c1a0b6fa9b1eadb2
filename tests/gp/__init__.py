"""Gaussian process terms gp(): design data, priors, model density and predictions against brms
2.18 (tests/fixtures/gp, made by its R script)."""
