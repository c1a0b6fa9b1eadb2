"""Start-up cost: what ``import brmsjax`` loads, and the programs a fit compiles."""
