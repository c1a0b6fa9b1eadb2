"""Tests of brms's missing values and measurement error: ``mi()`` responses and ``me()`` terms."""
