"""Engine conformance: the same YAML on every engine must produce the same outputs and results."""
