"""Speed and memory benchmarks; results as JSON in bench/results/, the report in docs/benchmarks.md."""
