"""The model's special terms: each term's planning, data and NumPyro code, beside the others.

- :mod:`.smooth_terms`: the penalized parts of ``s()`` terms (``sds``, ``zs``, ``Zs s``).
- :mod:`.gp`: ``gp()`` terms, exact and approximate (``sdgp``, ``lscale``, ``zgp``), and the
  exact GP's latents integrated out in gaussian models.
- :mod:`.monotonic`: ``mo()`` terms (``bsp``, the ``simo`` simplexes).
- :mod:`.autocor`: ``ar()``, ``ma()`` and ``arma()`` terms of mu.
- :mod:`.arma_latent`: their planning, and the latent residuals (``zerr``, ``sderr``,
  ``err``) of families other than gaussian and student.
- :mod:`.fcor`: ``fcor(M)``, residuals with a fixed correlation matrix (densities, brms's
  leave-one-out log likelihood, predictions).
- :mod:`.spatial`: ``sar()`` (lag and error SAR likelihoods, brms's leave-one-out log
  likelihood, epred and draws) and ``car()`` (``rcar`` in mu, escar/esicar/icar/bym2 densities).
- :mod:`.joint`: the summed log likelihood of the terms above whose density joins rows.
- :mod:`.nonlinear`: ``nl = TRUE`` formulas evaluated from their syntax tree.
- :mod:`.latent`: sampled latent variables: ``mi()`` responses and predictors (``Ymi``, ``Yl``),
  ``me()`` noise-free predictors (``meanme``, ``sdme``, ``zme``, ``Lme``) and the correlated
  latent residuals of ``ar(cov = TRUE)``/``cosy()`` in families other than gaussian and
  student (``zerr``, ``sderr``, ``err``).
- :mod:`.cs_groups`: the effects of ``(cs(1) | g)`` terms, summed per threshold and subtracted
  from the ordinal thresholds.
- :mod:`.shrinkage`: brms's horseshoe, R2D2 and lasso priors on mu's ``b`` (their sites,
  transforms to ``b`` and densities).

These modules import the shared plans (:mod:`brmsjax.backend.model.plans`), never the other
way round; :mod:`~brmsjax.backend.model.lower` and :mod:`~brmsjax.backend.model.program` call
them.
"""
