using System.Diagnostics;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;
using Spectre.Console;

namespace FiSAO.ShapesWorld.Cli;

internal static partial class Commands
{
    public static int Generate(CommandLine cl)
    {
        var dir = cl.RequiredString("out");
        int count = cl.Int("count", 100), start = cl.Int("start", 0);
        long seed = cl.Long("seed", 1);
        var options = new SceneOptions { ImageSize = cl.Int("size", 96) };
        cl.RejectUnknown();

        var watch = Stopwatch.StartNew();
        string jsonl = "";
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"scenes (seed {seed})", maxValue: count);
                jsonl = SceneDatasetWriter.Write(dir, seed, count, options, start, new Progress<int>(done => task.Value = done));
                task.Value = count;
            });
        AnsiConsole.MarkupLineInterpolated($"Wrote {count} scenes to [green]{dir}[/] ({jsonl}) in {watch.Elapsed.TotalSeconds:F1} s.");
        return 0;
    }

    public static int Sheet(CommandLine cl)
    {
        var path = cl.RequiredString("out");
        int count = cl.Int("count", 32), columns = cl.Int("columns", 8), start = cl.Int("start", 0);
        long seed = cl.Long("seed", 1);
        bool vocabulary = cl.Flag("vocabulary");
        cl.RejectUnknown();
        var png = vocabulary
            ? ContactSheet.Vocabulary(columns: columns)
            : ContactSheet.Scenes(new SceneGenerator(seed).Generate(start, count), columns);
        File.WriteAllBytes(path, png);
        AnsiConsole.MarkupLineInterpolated($"Wrote [green]{path}[/].");
        return 0;
    }

    public static int Entities(CommandLine cl)
    {
        var path = cl.RequiredString("out");
        cl.RejectUnknown();
        ShapesVocabulary.WriteEntityList(path);
        AnsiConsole.MarkupLineInterpolated($"Wrote {ShapesVocabulary.Nouns.Count} entities and their plurals to [green]{path}[/].");
        return 0;
    }
}
