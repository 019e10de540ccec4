using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Metrics;
using FiSAO.Trainer.Tests.Support;
using FiSAO.Trainer.Training;
using Xunit.Abstractions;

namespace FiSAO.Trainer.Tests;

/// <summary>generation.chunk_size: chunks scored while the next generates; the run's numbers stay the one-batch run's.</summary>
public sealed class ChunkedScoringTests(ITestOutputHelper output)
{
    private static IReadOnlyList<StepMetrics> Run(int chunkSize)
    {
        var directory = TestDirectories.New($"chunks-{chunkSize}");
        var config = TestConfigs.Toy(directory, steps: 2);
        config = config with { Generation = config.Generation with { ChunkSize = chunkSize }, Lora = config.Lora with { Dropout = 0 } };
        return TrainingRun.Run(config, resume: false).Steps;
    }

    [Fact]
    public void Scoring_in_chunks_gives_the_same_rewards_and_updates_and_logs_where_the_time_went()
    {
        var whole = Run(0);
        var chunked = Run(3);                      // 8 rollouts: chunks of 3, 3 and 2
        foreach (var (a, b) in whole.Zip(chunked))
        {
            output.WriteLine($"step {a.Step}: reward {a.RewardMean} vs {b.RewardMean}, kl {a.Kl} vs {b.Kl}, policy loss {a.PolicyLoss} vs {b.PolicyLoss}");
            output.WriteLine($"  times (generate / verifier wait / reference / update): {a.GenerateSeconds:F2} / {a.VerifierWaitSeconds:F2} / {a.ReferenceSeconds:F2} / {a.UpdateSeconds:F2} vs " +
                             $"{b.GenerateSeconds:F2} / {b.VerifierWaitSeconds:F2} / {b.ReferenceSeconds:F2} / {b.UpdateSeconds:F2}");
            Assert.Equal(a.RewardMean, b.RewardMean);
            Assert.Equal(a.Mentions, b.Mentions);
            Assert.Equal(a.ResponseLength, b.ResponseLength);
            Assert.Equal(a.Kl, b.Kl, 1e-4);
            Assert.Equal(a.PolicyLoss, b.PolicyLoss, 1e-4);
            Assert.True(b.GenerateSeconds > 0 && b.UpdateSeconds > 0 && b.ReferenceSeconds > 0 && b.VerifierWaitSeconds >= 0);
            Assert.True(b.GenerateSeconds + b.VerifierWaitSeconds + b.ReferenceSeconds + b.UpdateSeconds <= b.Seconds);
        }
    }
}
