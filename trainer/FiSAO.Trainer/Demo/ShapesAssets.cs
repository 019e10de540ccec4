using FiSAO.ShapesWorld;
using FiSAO.ShapesWorld.Training;

namespace FiSAO.Trainer.Demo;

/// <summary>
/// The shapes-world CLIP that both the verifier and the policy's vision tower use (the paper: the policy's own CLIP is
/// the verifier). One function, so it can be swapped for the project's default ShapesWorld assets once the verifier
/// builds them itself: built with <see cref="ShapesModelBuilder.Build"/> into <c>data/shapes-clip</c> unless a
/// complete folder is already there.
/// </summary>
public static class ShapesAssets
{
    public static string EnsureClip(string dataDirectory, TrainingOptions options, Action<string> log)
    {
        var directory = Path.Combine(dataDirectory, "shapes-clip");
        if (File.Exists(Path.Combine(directory, ShapesModelBuilder.SummaryFileName)))
        {
            log($"shapes CLIP: reusing {directory}");
            return directory;
        }
        var temp = directory + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        var result = ShapesModelBuilder.Build(temp, options, evaluationScenes: 300, log: log);
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.Move(temp, directory);
        log($"shapes CLIP: built in {result.TotalTime.TotalSeconds:F0} s" + (result.Separation is { } s
            ? $", token AUROC {s.TokenAuroc:F3} (sentence {s.SentenceAuroc:F3}), mean S correct {s.MeanCorrect:F2} vs hallucinated {s.MeanHallucinated:F2}"
            : ""));
        return directory;
    }
}
