"""Tests of the NUTS sampler itself: its energies, divergences and step sizes."""
