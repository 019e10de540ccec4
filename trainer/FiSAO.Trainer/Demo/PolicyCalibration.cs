using System.Text.Json;
using FiSAO.Models.Llava;
using FiSAO.Models.Torch;
using FiSAO.Trainer.Evaluation;
using FiSAO.Trainer.Rewards;
using FiSAO.Trainer.Rollouts;
using FiSAO.Trainer.Training;
using FiSAO.Verifier.V1;

namespace FiSAO.Trainer.Demo;

/// <summary>
/// Eq. 7 baselines from the policy's own responses (METHOD.md section 3: "a calibration set of generated responses"):
/// the warmed-up policy samples responses for held-out scenes the way PPO rollouts are sampled, every object mention is
/// correct or hallucinated by the scene's ground truth, and the verifier's Calibrate RPC turns their scores into mu_gt
/// and mu_hal and makes them its active calibration. Objects a policy confuses look more like the image than random
/// inserted ones, so this mu_hal sits higher than the built-in calibration's and Eq. 8 penalises the policy's own
/// hallucinations instead of leaving most of them in its zero band.
/// </summary>
public static class PolicyCalibration
{
    public static async Task<Calibration> RunAsync(string policyDirectory, VerifierReward verifier, long seed, int scenes,
        int maxNewTokens, double temperature, string outputFile, Action<string> log)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var source = new ShapesPromptSource(seed, scenes, ShapesPolicy.Prompt);
        var samples = new List<PromptSample>(scenes);
        var responses = new List<GeneratedSequence>(scenes);
        using (var policy = LlavaPolicy.Load(policyDirectory, TorchTarget.Cpu()))
        {
            var batches = ShapesEvaluation.Generate(policy, policyDirectory, source, (start, count) => new GenerationOptions
            {
                MaxNewTokens = maxNewTokens,
                Temperature = temperature,
                RowSeeds = [.. Enumerable.Range(start, count).Select(i => Seeds.Derive(seed, 0, i, 0xca1))],
            });
            foreach (var (batchSamples, sequences) in batches)
            {
                samples.AddRange(batchSamples);
                responses.AddRange(sequences);
            }
        }
        var answer = await verifier.CalibrateAsync(samples, responses, apply: true);
        var c = answer.Calibration;
        foreach (var e in answer.SampleErrors) log($"calibration: sample {e.Index} skipped: {e.Error.Message}");
        if (!answer.Applied)
            throw new InvalidOperationException($"The verifier did not apply the policy calibration: {answer.NotAppliedReason}");
        File.WriteAllText(outputFile, Google.Protobuf.JsonFormatter.Default.Format(c) + "\n");
        log($"calibration on the policy's own responses ({scenes} scenes, seed {seed}): mu_gt {c.MuGt:F3}, mu_hal {c.MuHal:F3}, " +
            $"S in [{c.SMin:F2}, {c.SMax:F2}], {c.CorrectCount} correct / {c.HallucinatedCount} hallucinated mentions, " +
            $"{watch.Elapsed.TotalSeconds:F0} s -> {outputFile}");
        return c;
    }
}
