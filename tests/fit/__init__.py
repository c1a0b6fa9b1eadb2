"""The fit object and its methods: summaries, predictions, hypothesis, loo, plots, level
notation, saved fits and brm()'s errors."""
