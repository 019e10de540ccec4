using System.Diagnostics;
using FiSAO.ShapesWorld.Scenes;
using Spectre.Console;

namespace FiSAO.ShapesWorld.Cli;

internal static partial class Commands
{
    public static int ExportCoco(CommandLine cl)
    {
        var dir = cl.RequiredString("out");
        var split = cl.RequiredString("split");
        if (!CocoExport.DefaultSeeds.TryGetValue(split, out var defaultSeed))
            throw new UsageException($"--split: '{split}' is none of {string.Join(", ", CocoExport.DefaultSeeds.Keys)}.");
        var count = cl.Int("count", 500);
        if (count <= 0) throw new UsageException($"--count: {count} must be positive.");
        var seed = cl.Long("seed", defaultSeed);
        var options = new SceneOptions { ImageSize = cl.Int("size", 96) };
        cl.RejectUnknown();
        var watch = Stopwatch.StartNew();
        var dataset = CocoExport.Write(dir, split, count, seed, options);
        AnsiConsole.MarkupLineInterpolated(
            $"Wrote split [green]{split}[/] (scene seed {seed}) to [green]{dir}[/]: {dataset.Images.Count} images, {dataset.Annotations.Count} instances, {dataset.Captions.Count} captions in {watch.Elapsed.TotalSeconds:F1} s.");
        return 0;
    }
}
