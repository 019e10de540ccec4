using FiSAO.Models.Clip;
using FiSAO.ShapesWorld.Evaluation;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.Training;
using Spectre.Console;

namespace FiSAO.ShapesWorld.Cli;

internal static partial class Commands
{
    public static int Train(CommandLine cl)
    {
        var dir = cl.RequiredString("out");
        var defaults = new TrainingOptions();
        var options = defaults with
        {
            Seed = cl.Long("seed", defaults.Seed),
            TrainScenes = cl.Int("scenes", defaults.TrainScenes),
            Epochs = cl.Int("epochs", defaults.Epochs),
            BatchSize = cl.Int("batch", defaults.BatchSize),
            LearningRate = cl.Double("lr", defaults.LearningRate),
            WeightDecay = cl.Double("weight-decay", defaults.WeightDecay),
            WordLossWeight = cl.Double("word-loss", defaults.WordLossWeight),
            Threads = cl.Int("threads", defaults.Threads),
            Size = (cl.String("size") ?? "default") switch
            {
                "tiny" => ShapesClipSize.Tiny,
                "default" => ShapesClipSize.Default,
                var other => throw new UsageException($"--size must be tiny or default, not '{other}'."),
            },
            Scenes = defaults.Scenes with { ImageSize = cl.Int("image-size", defaults.Scenes.ImageSize) },
        };
        int evalScenes = cl.Int("eval-scenes", 400);
        cl.RejectUnknown();

        ShapesModelBuildResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<int, ProgressTask>();
                var progress = new SynchronousProgress<TrainingProgress>(p =>
                {
                    if (!tasks.TryGetValue(p.Epoch, out var task))
                        tasks[p.Epoch] = task = ctx.AddTask($"epoch {p.Epoch}/{p.Epochs}", maxValue: p.StepsPerEpoch);
                    task.Value = p.Step;
                    task.Description = $"epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:F3}  caption {p.CaptionAccuracy:P0}  word {p.WordAccuracy:P0}  patch {p.PatchAccuracy:P0}";
                });
                result = ShapesModelBuilder.Build(dir, options, evalScenes, progress, line => AnsiConsole.MarkupLineInterpolated($"[grey]{line}[/]"));
            });

        var r = result!;
        var table = new Table().AddColumns("epoch", "loss", "image->caption", "image->word", "patch->word", "exp(logit_scale)", "elapsed");
        foreach (var e in r.Epochs)
            table.AddRow($"{e.Epoch}", $"{e.Loss:F4}", $"{e.CaptionAccuracy:P1}", $"{e.WordAccuracy:P1}", $"{e.PatchAccuracy:P1}", $"{e.LogitScale:F1}",
                $"{e.Elapsed.TotalSeconds:F1} s");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated(
            $"Trained {r.Parameters:N0} parameters in [green]{r.TrainingTime.TotalSeconds:F1} s[/] (scenes {r.GenerationTime.TotalSeconds:F1} s, total {r.TotalTime.TotalSeconds:F1} s); saved to [green]{r.Directory}[/].");
        if (r.Separation is { } s) WriteSeparation(s);
        return 0;
    }

    public static int Evaluate(CommandLine cl)
    {
        var dir = cl.RequiredString("model");
        long seed = cl.Long("seed", ShapesModelBuilder.EvaluationSeed(new TrainingOptions().Seed));
        int scenes = cl.Int("scenes", 400), hallucinations = cl.Int("hallucinations", 1);
        cl.RejectUnknown();
        using var model = ClipModel.FromPretrained(dir);
        var tokenizer = ClipTokenizer.FromDirectory(dir);
        var options = new SceneOptions { ImageSize = model.Config.VisionConfig.ImageSize };
        WriteSeparation(SeparationCheck.Run(model, tokenizer, seed, scenes, options, hallucinations));
        return 0;
    }

    private static void WriteSeparation(SeparationReport s)
    {
        AnsiConsole.MarkupLineInterpolated(
            $"Held-out separation ({s.Scenes} scenes, {s.CorrectMentions} correct / {s.HallucinatedMentions} hallucinated mentions, {s.Elapsed.TotalSeconds:F1} s):");
        AnsiConsole.MarkupLineInterpolated(
            $"  token-level AUROC [bold]{s.TokenAuroc:F4}[/]  (mean S correct {s.MeanCorrect:F2}, hallucinated {s.MeanHallucinated:F2}, scale {s.Scale:F1})");
        AnsiConsole.MarkupLineInterpolated($"  sentence-level AUROC {s.SentenceAuroc:F4}  (whole caption, correct vs with the inserted object)");
        AnsiConsole.MarkupLineInterpolated($"  image->word top-1 {s.WordTop1:P1}, word presence AUROC {s.WordPresenceAuroc:F4}");
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
