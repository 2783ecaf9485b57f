"""Muster's benchmarks: each figure is a ratio to a baseline measured side by side in the same run.

`muster bench [--quick] [--only a,b,...]` runs them; `bench/RESULTS.md` says what each measures.
"""
