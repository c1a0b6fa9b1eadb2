"""
Marginal effects of a binomial model
====================================

lme4's ``cbpp``: new cases of bovine pleuropneumonia out of the herd size, by period, with a
varying intercept per herd (``incidence | trials(size) ~ period + (1 | herd)``, binomial). The
marginal-effects layer (as R's marginaleffects/emmeans) works on the response scale from
``posterior_epred``.
"""

import brmsjax as bj

data = bj.datasets.cbpp()
fit = bj.brm(
    "incidence | trials(size) ~ period + (1 | herd)",
    data=data,
    family=bj.binomial(),
    chains=2,
    iter=600,
    seed=3,
    progress=False,
)
print(fit.fixef())

# %%
# Expected cases per period, averaged over the observed herds (``avg_predictions(fit, by =
# "period")``):

pred = fit.predictions(by="period")
print(pred)

# %%
# The contrast of each later period with the first (``avg_comparisons``), and its plot.

cmp = fit.comparisons({"period": ["p1", "p4"]})
print(cmp)
fig = pred.plot()
