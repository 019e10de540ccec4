using System.Diagnostics;
using System.Globalization;
using FiSAO.Rewards;
using FiSAO.Rewards.Statistics;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;
using FiSAO.Verifier.Hosting;
using FiSAO.ShapesWorld.Cli.BuiltIn;
using FiSAO.ShapesWorld.Cli.Reports;
using FiSAO.Verifier.Scoring;
using Microsoft.Extensions.Logging;

namespace FiSAO.Benchmarks;

/// <summary>
/// How many mention verdicts (correct / hallucinated / neutral, Eq. 8 with the calibrated baselines) change when the
/// verifier runs in bf16 instead of fp32: the embedded shapes-world CLIP (the shipped built-in model, installed into the data directory)
/// served twice from the same files and calibration, scoring Figure 1's held-out scenes (each scene's caption and the
/// same caption with one inserted hallucination).
/// </summary>
public static class PrecisionVerdictsBenchmark
{
    public static async Task<int> RunAsync(int scenes, string dataDirectory, int threads, string dtype)
    {
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning));
        var settings = new RewardSettings();
        VerifierEngine Engine(string dt) => VerifierStartup.CreateEngine(
            new VerifierOptions
            {
                DataDirectory = dataDirectory, DType = dt, TorchThreads = threads,
            }, settings, loggers);

        using var fp32 = Engine("fp32");
        using var half = Engine(dtype);
        Console.WriteLine($"precision-verdicts: shapes-world CLIP {fp32.ModelId}, fp32 against {dtype} on {scenes} held-out scenes " +
                          $"(seed {Figure1Report.DefaultSeed}), calibrated: {fp32.Describe().Calibration is not null}");

        var generator = new SceneGenerator(Figure1Report.DefaultSeed, BuiltInModelRecipe.Training.Scenes);
        int mentions = 0, changed = 0;
        double maxScoreDiff = 0, sumScoreDiff = 0, maxRewardDiff = 0;
        var changes = new Dictionary<(RewardVerdict, RewardVerdict), int>();
        var labelled = (Fp32: new List<(double, bool)>(), Half: new List<(double, bool)>());
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < scenes; i++)
        {
            var scene = generator.Generate(i);
            var image = ImageInput.FromBytes(scene.ToPng());
            var hallucinated = CaptionWriter.WithHallucinations(scene, 1, SceneRandom.For(Figure1Report.DefaultSeed, i, stream: 13)).Text;
            foreach (var text in new[] { scene.Caption, hallucinated })
            {
                var a = await fp32.ScoreTextAsync(image, text, CancellationToken.None);
                var b = await half.ScoreTextAsync(image, text, CancellationToken.None);
                if (a.Mentions.Count != b.Mentions.Count) throw new InvalidOperationException($"scene {i}: mention lists differ");
                for (var m = 0; m < a.Mentions.Count; m++)
                {
                    var (x, y) = (a.Mentions[m], b.Mentions[m]);
                    mentions++;
                    var diff = Math.Abs(x.Score - y.Score);
                    (maxScoreDiff, sumScoreDiff) = (Math.Max(maxScoreDiff, diff), sumScoreDiff + diff);
                    maxRewardDiff = Math.Max(maxRewardDiff, Math.Abs(x.Reward - y.Reward));
                    var truth = scene.Objects.ContainsKey(x.Entity);
                    labelled.Fp32.Add((x.Score, truth));
                    labelled.Half.Add((y.Score, truth));
                    if (x.Verdict == y.Verdict) continue;
                    changed++;
                    changes[(x.Verdict, y.Verdict)] = changes.GetValueOrDefault((x.Verdict, y.Verdict)) + 1;
                }
            }
            if ((i + 1) % 100 == 0) Console.WriteLine($"  {i + 1}/{scenes} scenes ({watch.Elapsed.TotalSeconds:F0} s)");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mentions {mentions}: verdict changed {changed} ({100.0 * changed / Math.Max(1, mentions):F2} %); |S fp32 - S {dtype}| mean {sumScoreDiff / Math.Max(1, mentions):F4}, max {maxScoreDiff:F4}; max |reward diff| {maxRewardDiff:F4}"));
        foreach (var ((from, to), count) in changes.OrderByDescending(c => c.Value))
            Console.WriteLine($"  {from} -> {to}: {count}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"token AUROC (correct vs hallucinated mentions): fp32 {Auroc.Compute(labelled.Fp32):F4}, {dtype} {Auroc.Compute(labelled.Half):F4}"));
        return 0;
    }
}
