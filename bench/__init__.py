"""cmkg benchmarks: the synthetic-graph generator and the harness behind `make bench`."""
