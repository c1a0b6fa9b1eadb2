"""The backend: a formula's :class:`~brmsjax.formula.design.ir.Design` to posterior draws (JAX).

The folders are the pipeline, in the order a fit runs through them::

    dists/      distribution densities (Stan's lpdfs/lpmfs, prior densities): the one table
        |
    families/   brms's families: links, dpars, likelihoods, random draws, default priors
    priors/     prior() and brms's prior table: grammar, parse, defaults, rows, checks
        |
    model/      lower a Design to a NumPyro program: parameters and transforms, the group-term
        |       geometry (centred or not), likelihood forms (plain, statistic, glm, marginal)
    infer/      run it: NUTS driver, metric from the mode, approximations (meanfield, laplace,
        |       pathfinder), devices and row sharding, draws with brms's names,
        |       sampler diagnostics
    predict.py  posterior predictions from draws (linear predictors, epred, predict, log_lik)
    new_levels.py  group-level effects of levels the fit never saw (sample_new_levels)

Beside the stages, at the bottom: ``cache.py`` (the compiled-program cache that ``model/`` and
``infer/`` share) and ``summaries.py`` (the one Estimate/Est.Error/quantile summary of draws).

Each folder's ``__init__`` says what it holds. Imports run down this list (and into
``brmsjax.formula``), never up: import-linter checks it in CI.
"""
