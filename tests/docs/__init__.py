"""The documentation site: the generated brms -> brmsjax guide, the gallery warning hook, CI."""
