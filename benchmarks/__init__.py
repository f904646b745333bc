"""Measurements run by hand (`python -m benchmarks.<name>`), never by the test suite."""
