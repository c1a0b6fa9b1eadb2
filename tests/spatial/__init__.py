"""Tests of brms's spatial terms ``sar()`` and ``car()`` (standata, priors, densities, fits)."""
