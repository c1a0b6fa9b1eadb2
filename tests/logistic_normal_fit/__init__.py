"""Fitting brms 2.18's logistic_normal family: the model program, names, fits, post-processing."""
