"""The marginal-effects layer: predictions, comparisons, slopes, marginal means, datagrid."""
