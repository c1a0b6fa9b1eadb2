"""brms's shrinkage priors on ``b`` (horseshoe, R2D2, lasso): the prior language, brms's tables,
data and messages, the model's density against brms's Stan code, the prior itself, recovery."""
