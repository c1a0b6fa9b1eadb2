"""ARMA autocorrelation terms ar(), ma(), arma() (brms 2.18, cov = FALSE)."""
