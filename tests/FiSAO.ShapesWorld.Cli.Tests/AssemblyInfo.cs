// Training seeds libtorch's process-wide generator and sets its thread count: one build at a time per process.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
