"""pp_check types beyond the first five, and conditional_effects' methods."""
