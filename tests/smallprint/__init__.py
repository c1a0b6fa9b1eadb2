"""brms 2.18's formula small print: ``0 + Intercept``, ``bf(center =, cmc =, decomp =)``,
prior arguments written as expressions, duplicated group-level terms; against brms fixtures
recorded by tests/fixtures/intercept0/make_fixtures.R."""
