"""Benchmark scripts: ``python -m benchmarks.<name>``. Results go to docs/benchmarks.md."""
