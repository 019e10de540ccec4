using System.Diagnostics;
using FiSAO.Rewards;
using FiSAO.ShapesWorld.Cli.BuiltIn;
using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Scoring;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace FiSAO.ShapesWorld.Cli.Reports;

/// <summary>
/// <c>report [--out DIR] [--scenes N] [--seed S] [--model DIR --entities FILE --calibration FILE] [--data-dir DIR]</c>:
/// the paper's Figure 1 on held-out shapes-world scenes with the verifier engine (no <c>--model</c>: the verifier's
/// built-in model). Writes two PNG histograms and figure1.json; the last line printed states both AUROCs.
/// </summary>
internal static class ReportCommand
{
    public const string DefaultOutput = "reports/figure1";

    public static int Run(CommandLine cl)
    {
        var outDir = cl.String("out") ?? DefaultOutput;
        int scenes = cl.Int("scenes", 500);
        long seed = cl.Long("seed", Figure1Report.DefaultSeed);
        if (scenes < 1) throw new UsageException("--scenes must be a positive whole number.");
        var options = new VerifierOptions
        {
            ModelPath = cl.String("model"),
            EntitiesPath = cl.String("entities"),
            CalibrationPath = cl.String("calibration"),
        };
        if (cl.String("data-dir") is { } data) options.DataDirectory = data;
        cl.RejectUnknown();

        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        VerifierEngine engine;
        try { engine = VerifierStartup.CreateEngine(options, new RewardSettings(), loggers); }
        catch (VerifierStartupException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]report: {e.Message}[/]");
            return 2;
        }
        using (engine)
        {
            Console.WriteLine($"Figure 1 on {scenes} held-out shapes-world scenes (seed {seed}), model {engine.ModelId}");
            var watch = Stopwatch.StartNew();
            var progress = new LineProgress(done =>
            {
                if (done % 100 == 0 || done == scenes) Console.WriteLine($"  scored {done}/{scenes} scenes ({watch.Elapsed.TotalSeconds:F0} s)");
            });
            var result = Figure1Report.RunAsync(engine, scenes, seed, BuiltInModelRecipe.Training.Scenes, progress).GetAwaiter().GetResult();
            Figure1Report.Write(result, outDir);
            int correct = result.Mentions.Count(m => !m.Hallucinated), hallucinated = result.Mentions.Count - correct;
            Console.WriteLine($"Wrote {Path.Combine(outDir, "token-level.png")}, {Path.Combine(outDir, "sentence-level.png")}, " +
                              $"{Path.Combine(outDir, "figure1.json")} in {watch.Elapsed.TotalSeconds:F0} s");
            Console.WriteLine($"token-level AUROC {result.TokenAuroc:F4} ({correct} correct / {hallucinated} hallucinated mentions); " +
                              $"sentence-level AUROC {result.SentenceAuroc:F4} ({result.Responses.Count / 2} responses with / " +
                              $"{result.Responses.Count / 2} without a hallucination)");
        }
        return 0;
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    sealed class LineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
