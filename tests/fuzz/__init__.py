"""Fuzz harnesses, run by hand (not collected by pytest): python -m tests.fuzz.fuzz_rules --help."""
