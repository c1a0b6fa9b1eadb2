"""mgcv's random knots for thin plate smooths of more than ``max.knots`` unique values."""
