"""Registers the shared fixtures of switchyard.common.testing for every test in the repository."""

pytest_plugins = ["switchyard.common.testing.fixtures"]
