"""Bad input: each reproducer of a wrong or unclear failure, pinned to a clear BrmsjaxError
(formulas, family terms, data, brm() arguments, the command line), and the formula fuzz test."""
