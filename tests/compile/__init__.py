"""Compile-time tests: which XLA options the sampler's programs get, and shared traces."""
