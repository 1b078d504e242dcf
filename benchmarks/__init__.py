"""Benchmark harness for primify (run with `python benchmarks/run.py`; see benchmarks/README.md)."""
