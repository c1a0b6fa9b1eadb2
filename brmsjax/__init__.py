"""brmsjax: brms for Python, sampled with NumPyro on JAX."""

__version__ = "0.1.0"
