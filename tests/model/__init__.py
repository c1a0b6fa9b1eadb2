"""Lowering to NumPyro and inference: the program's log density against brms's, likelihood
forms, geometry, the sampler and the approximations."""
