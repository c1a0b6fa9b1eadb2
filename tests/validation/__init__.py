"""Cross-validation by refitting (kfold, reloo, loo_moment_match) and criteria in fit files."""
