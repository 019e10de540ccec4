// The verifier's Prometheus series are process-wide; tests that read their deltas must not overlap.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
