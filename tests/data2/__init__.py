"""brms data2 structures: gr(g, cov = A), against brms 2.18 (tests/fixtures/data2, made
by its R script)."""
