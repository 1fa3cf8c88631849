"""Benchmarks (`kefu bench ...`). Each prints a table and writes JSON beside a baseline measured in the same run."""
