"""brmsjax's tests by layer (formula/, families/, model/, fit/, port/) and errors/ (bad input)."""
