"""The porter: R code read as brms calls and scripts translated to Python."""
