"""brmsjax's tests by layer: formula/, families/, model/, fit/, port/; fixtures in fixtures/."""
