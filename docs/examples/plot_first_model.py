"""
A first model: sleep deprivation and reaction times
===================================================

lme4's ``sleepstudy``: reaction times of 18 subjects over 10 days of sleep deprivation, with a
varying intercept and slope per subject, as ``brm(Reaction ~ Days + (Days | Subject))`` in R.
"""

import brmsjax as bj

data = bj.datasets.sleepstudy()
fit = bj.brm(
    "Reaction ~ Days + (Days | Subject)", data=data, chains=2, iter=600, seed=1, progress=False
)
print(fit)

# %%
# brms's extractors are methods of the fit: population-level effects, the group-level
# covariance, and draws with brms's variable names.

print(fit.fixef())
print(fit.VarCorr())
fit.draws()[["b_Intercept", "b_Days", "sd_Subject__Days", "cor_Subject__Intercept__Days"]].head()

# %%
# A posterior predictive check (``pp_check(fit)``): the density of the data against densities
# of replicated data sets.

fig = fit.pp_check(ndraws=20, seed=1)

# %%
# Calibration of the leave-one-out predictive distributions (``pp_check(fit, type =
# "loo_pit_qq")``): for a well-calibrated model the LOO-PIT values lie near the diagonal.

fig = fit.pp_check("loo_pit_qq", seed=1)

# %%
# The conditional effect of ``Days`` (``conditional_effects(fit)``): the expected reaction
# time with a 95% interval, and, with ``method = "posterior_predict"``, the wider interval of
# new observations.

figures = fit.conditional_effects().plot()
figures = fit.conditional_effects(method="posterior_predict", seed=1).plot()
