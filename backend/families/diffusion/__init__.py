"""brms 2.18's ``wiener()`` family: the Wiener diffusion model of decisions and response times.

- :mod:`.wiener`: the :class:`~.wiener.Wiener` family (drift rate mu, boundary separation bs,
  non-decision time ndt, initial bias), its likelihood with the ``dec()`` decisions, brms's
  ``posterior_epred`` and ``posterior_predict``.
- :mod:`.wiener_rng`: exact draws of the decision and response time by inversion of the
  first passage time distribution (brms draws with ``RWiener::rwiener``).

The log density itself is Stan's ``wiener_lpdf``, in
:mod:`brmsjax.backend.dists.stan_wiener`.
"""
