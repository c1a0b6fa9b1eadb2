"""
Porting an R brms call
======================

:func:`brmsjax.from_r` reads a ``brm()`` call written in R; ``to_python()`` prints the Python,
and ``run(data)`` fits it. ``make_standata`` and ``get_prior`` give brms's data and prior table
without fitting.
"""

import brmsjax as bj

call = bj.from_r(
    "brm(count ~ zAge + zBase * Trt + (1 | patient), data = epilepsy, family = poisson(), "
    "prior = c(prior(normal(0, 1), class = b)))"
)
print(call.to_python())

# %%
# brms's prior table of a model (``get_prior``), with the defaults brms derives from the data:

data = bj.datasets.sleepstudy()
bj.get_prior("Reaction ~ Days + (Days | Subject)", data)

# %%
# The data brms would pass to Stan (``make_standata``): the same names and values.

standata = bj.make_standata("Reaction ~ Days + (Days | Subject)", data)
print(sorted(standata))
print(standata["N"], standata["K"], standata["N_1"], standata["M_1"])
