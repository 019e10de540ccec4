namespace FiSAO.Models.Tests.Support;

/// <summary>
/// Tests that seed libtorch's global CPU generator and compare two runs drawing from it (LoRA dropout): they run alone,
/// since a test on another thread drawing from the same generator in between would change their masks.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRngCollection
{
    public const string Name = "global torch RNG";
}
