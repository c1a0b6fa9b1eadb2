"""mgcv smooth bases (formula/smooths) against brms 2.18 / mgcv 1.8-41 references."""
