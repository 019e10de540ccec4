using FiSAO.ShapesWorld.Training;
using Spectre.Console;

namespace FiSAO.ShapesWorld.Cli.BuiltIn;

/// <summary>
/// <c>build-verifier-model --out DIR/v1-shapes-world</c>: the verifier's built-in model from <see cref="BuiltInModelRecipe"/>
/// (training, entity list, calibration, build.json). To refresh the stored copy, build into a temporary folder of that
/// name and copy its files over <c>services/Verifier/BuiltInModel/v1-shapes-world</c>.
/// </summary>
internal static class BuildVerifierModelCommand
{
    public static int Run(CommandLine cl)
    {
        var dir = cl.RequiredString("out");
        cl.RejectUnknown();
        if (Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir))) != BuiltInModelRecipe.FolderName)
            throw new UsageException($"--out must end in a folder named '{BuiltInModelRecipe.FolderName}' (the model id names it).");
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
            throw new UsageException($"--out '{dir}' is not empty.");

        TimeSpan last = TimeSpan.Zero;
        var progress = new Progress(p =>
        {
            if (!p.EndOfEpoch && p.Elapsed - last < TimeSpan.FromSeconds(15)) return;
            last = p.Elapsed;
            Console.WriteLine($"epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.StepsPerEpoch} loss {p.Loss:F3} word {p.WordAccuracy:P0} ({p.Elapsed.TotalSeconds:F0} s)");
        });
        var build = BuiltInModelRecipe.Build(dir, progress, Console.WriteLine);
        AnsiConsole.MarkupLineInterpolated(
            $"Built [green]{dir}[/]: {build.Parameters:N0} parameters, training {build.TrainingSeconds:F0} s, calibration {build.CalibrationSeconds:F0} s, mu_gt {build.MuGt:F3}, mu_hal {build.MuHal:F3}.");
        return 0;
    }

    sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
