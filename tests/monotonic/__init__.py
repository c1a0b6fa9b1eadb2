"""Tests of brms's monotonic effects ``mo()``: design, priors, fitting and prediction."""
