"""Tests of ``car()`` per mixture component and per response (brms's suffixed CAR structures)."""
