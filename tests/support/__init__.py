"""Helpers shared by the test suites: real service processes, free ports, HTTP waits."""
