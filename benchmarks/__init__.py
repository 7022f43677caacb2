"""Benchmarks (run as scripts) and the synthetic data they share (importable by tests)."""
