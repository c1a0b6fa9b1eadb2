"""Inference: running a lowered model and turning its output into brms's draws.

- :mod:`.nuts`: the NUTS driver (chains in parallel); :mod:`.nuts_programs`: its compiled
  start and advance programs; :mod:`.inits`: initial values (brms's ``init``).
- :mod:`.metric_init`: NUTS's first metric from the curvature at the posterior mode.
- :mod:`.approx`, :mod:`.approx_fit`: meanfield/fullrank ADVI, laplace and pathfinder.
- :mod:`.devices`, :mod:`.sharding`: host devices for parallel chains; data sharded by rows;
  :mod:`.distributed`: the rows over the devices of several processes or hosts.
- :mod:`.draws`: draws with brms's names (``b_``, ``sd_``, ``cor_``, ``r_g[level,coef]``).
- :mod:`.diagnostics`: Rhat, ESS and the sampler warnings brms prints.

This ``__init__`` imports nothing: host devices must be configured before JAX starts.
"""
