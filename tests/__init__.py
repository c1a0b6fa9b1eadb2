"""brmsjax's tests by layer (formula/, families/, model/, fit/, port/), errors/ and interop/."""
