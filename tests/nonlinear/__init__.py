"""Non-linear formulas (``bf(..., nl = TRUE)``): design, priors, the compiled expression, fits."""
