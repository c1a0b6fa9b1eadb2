"""The Python stack: ArviZ data, any DataFrame, fit files (netCDF and saved pickles) and the
command line for pipelines."""
