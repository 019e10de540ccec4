// Training seeds libtorch's process-wide generator (torch.manual_seed) and draws from it: two trainings running at the
// same time in one process would interleave their draws, so the determinism test would measure the scheduler.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
