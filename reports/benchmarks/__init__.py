"""Benchmarks (issue 10): metric catalogue, within-tenant percentiles, anonymised cross-tenant
distributions and published reference figures. See docs/benchmarks.md."""
