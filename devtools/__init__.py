"""Development helpers for tests and benchmarks (not part of the installed package).

``synthetic`` generates synthetic optimiser instances of any size.
"""
