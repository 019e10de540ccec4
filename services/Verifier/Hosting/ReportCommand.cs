using System.Diagnostics;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.Verifier.Extensions;
using FiSAO.Verifier.Reports;
using FiSAO.Verifier.Scoring;

namespace FiSAO.Verifier.Hosting;

/// <summary>
/// <c>report [--out DIR] [--scenes N] [--seed S] [verifier options]</c>: the paper's Figure 1 on held-out shapes-world
/// scenes with the verifier engine as configured (no <c>--model</c>: the embedded shapes-world model, built if missing).
/// Writes two PNG histograms and figure1.json; the last line printed states both AUROCs.
/// </summary>
public static class ReportCommand
{
    public const string DefaultOutput = "reports/figure1";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        string outDir = DefaultOutput;
        int scenes = 500;
        long seed = Figure1Report.DefaultSeed;
        var rest = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length: outDir = args[++i]; break;
                case "--scenes" when i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n > 0: scenes = n; i++; break;
                case "--seed" when i + 1 < args.Length && long.TryParse(args[i + 1], out var s): seed = s; i++; break;
                case "--scenes" or "--seed" or "--out":
                    error.WriteLine($"report: {args[i]} needs a value ({(args[i] == "--scenes" ? "a positive whole number" : args[i] == "--seed" ? "a whole number" : "a folder")}).");
                    error.WriteLine("usage: report [--out DIR] [--scenes N] [--seed S] [--model DIR --entities FILE --calibration FILE] [--data-dir DIR]");
                    return 2;
                default: rest.Add(args[i]); break;
            }
        }

        var builder = WebApplication.CreateBuilder(rest.ToArray());
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.AddVerifier(rest.ToArray());
        await using var app = builder.Build();
        VerifierEngine engine;
        try { engine = app.Services.GetRequiredService<VerifierEngine>(); }
        catch (VerifierStartupException e)
        {
            error.WriteLine($"report: {e.Message}");
            return 2;
        }

        output.WriteLine($"Figure 1 on {scenes} held-out shapes-world scenes (seed {seed}), model {engine.ModelId}");
        var watch = Stopwatch.StartNew();
        var progress = new LineProgress(done =>
        {
            if (done % 100 == 0 || done == scenes) output.WriteLine($"  scored {done}/{scenes} scenes ({watch.Elapsed.TotalSeconds:F0} s)");
        });
        var result = await Figure1Report.RunAsync(engine, scenes, seed, ShapesWorldDefault.Training.Scenes, progress);
        Figure1Report.Write(result, outDir);
        int correct = result.Mentions.Count(m => !m.Hallucinated), hallucinated = result.Mentions.Count - correct;
        output.WriteLine($"Wrote {Path.Combine(outDir, "token-level.png")}, {Path.Combine(outDir, "sentence-level.png")}, " +
                         $"{Path.Combine(outDir, "figure1.json")} in {watch.Elapsed.TotalSeconds:F0} s");
        output.WriteLine($"token-level AUROC {result.TokenAuroc:F4} ({correct} correct / {hallucinated} hallucinated mentions); " +
                         $"sentence-level AUROC {result.SentenceAuroc:F4} ({result.Responses.Count / 2} responses with / " +
                         $"{result.Responses.Count / 2} without a hallucination)");
        return 0;
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    sealed class LineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
