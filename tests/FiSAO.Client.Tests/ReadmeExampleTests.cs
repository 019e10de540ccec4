using FiSAO.Client.Tests.Support;
using FiSAO.Verifier.V1;

namespace FiSAO.Client.Tests;

/// <summary>The usage example of clients/FiSAO.Client/README.md, run as written (addresses aside).</summary>
public class ReadmeExampleTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    sealed record Rollout(byte[] ImagePng, string[] Tokens);

    [Fact]
    public async Task The_readme_example_scores_a_rollout_batch()
    {
        var rollouts = Rollouts.Batch(items: 16, images: 4, seed: 95_000).Select(i => new Rollout(i.Image.ToArray(), [.. i.Tokens])).ToList();
        var tokenRewards = new float[rollouts.Count][];
        using var console = new StringWriter();

        using var verifier = new FiSAOVerifierClient(new FiSAOClientOptions { Addresses = [fixture.Verifier.Address] });
        var items = rollouts.Select(r => new ScoreItem(r.ImagePng, r.Tokens)).ToList();       // one PPO rollout batch
        var results = await verifier.ScoreBatchAsync(items, TokenFormat.SentencePiece);          // result i answers item i
        foreach (var result in results)
            if (result.IsSuccess) tokenRewards[result.Index] = [.. result.Response!.Rewards];    // one reward per policy token
            else console.WriteLine($"item {result.Index}: {result.Failure!.Code} {result.Failure.Message}");
        console.WriteLine($"{results.Statistics.ImageUploads} image uploads in {results.Statistics.Calls} calls");

        Assert.All(tokenRewards.Select((r, i) => (r, i)), p => Assert.Equal(rollouts[p.i].Tokens.Length, p.r.Length));
        Assert.StartsWith("4 image uploads in ", console.ToString());
    }
}
