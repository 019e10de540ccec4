using System.Diagnostics;
using System.Text.Json;
using FiSAO.Models.Torch;
using FiSAO.Rewards;
using FiSAO.Rewards.Alignment;
using FiSAO.Rewards.Entities;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.Training;
using FiSAO.ShapesWorld.World;
using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Model;
using FiSAO.Verifier.Scoring;
using Microsoft.Extensions.Logging.Abstractions;

namespace FiSAO.ShapesWorld.Cli.BuiltIn;

/// <summary>
/// The recipe of the verifier's built-in model (<c>services/Verifier/BuiltInModel/v1-shapes-world</c>): the shapes-world
/// CLIP trained with <see cref="Training"/>, the world's entity list, and its Eq. 7 calibration computed through the
/// verifier's own engine on held-out scenes. The stored folder is this recipe's output; a test rebuilds it and compares,
/// so the recipe, not the binary, is the source of truth.
/// </summary>
public static class BuiltInModelRecipe
{
    /// <summary>The stored folder's name; the model id (<c>{name}@{hash}</c>) and so the calibration's provenance use it.</summary>
    public const string FolderName = BuiltInModel.FolderName;

    /// <summary>Files whose bytes the recipe determines (given the arithmetic): the rebuild test compares exactly these.</summary>
    public static readonly IReadOnlyList<string> DeterminedFiles =
    [
        "config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json",
        "preprocessor_config.json", ShapesVocabulary.EntityFileName, BuiltInModel.CalibrationFileName,
    ];

    /// <summary>Where the build ran and how long it took (not compared: machine facts and timings).</summary>
    public const string BuildFileName = "build.json";

    /// <summary>libtorch's intra-op threads, fixed at one: kernels split sums by thread count, so the bytes depend on it;
    /// one thread gives the same bytes on any number of cores and does not stall on a busy machine (two threads on two
    /// shared cores ran 25 times slower than on quiet ones).</summary>
    public const int Threads = 1;

    /// <summary>Held-out scenes the calibration is computed on (the seed is disjoint from training's).</summary>
    public const long CalibrationSeed = 2_000_003;
    public const int CalibrationScenes = 600;

    /// <summary>The training recipe: <see cref="TrainingOptions"/> defaults (32,000 scenes x 5 epochs) on one thread.</summary>
    public static TrainingOptions Training { get; } = new() { Threads = Threads };

    /// <summary>Builds the folder <paramref name="directory"/> (its name must be <see cref="FolderName"/>) from the recipe.</summary>
    public static BuiltInModelBuild Build(string directory, IProgress<TrainingProgress>? progress = null, Action<string>? log = null,
        TrainingOptions? training = null, CancellationToken cancellationToken = default)
    {
        if (Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))) != FolderName)
            throw new ArgumentException($"The built-in model's folder must be named '{FolderName}' (the model id names it): '{directory}'.",
                nameof(directory));
        training ??= Training;
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(directory);
        var built = ShapesModelBuilder.Build(directory, training, evaluationScenes: 0, progress, log, cancellationToken);
        var trainingTime = watch.Elapsed;
        var calibration = Calibrate(directory, log, cancellationToken);
        var build = new BuiltInModelBuild(ArithmeticFingerprint.Current(Threads), built.Parameters,
            Math.Round(trainingTime.TotalSeconds, 1), Math.Round((watch.Elapsed - trainingTime).TotalSeconds, 1),
            calibration.MuGt, calibration.MuHal, DateTime.UtcNow);
        build.Save(Path.Combine(directory, BuildFileName));
        return build;
    }

    /// <summary>Eq. 7 baselines through the verifier's own calibration code, on captions with inserted hallucinations.</summary>
    static Calibration Calibrate(string folder, Action<string>? log, CancellationToken cancellationToken)
    {
        var settings = new RewardSettings();
        var options = new VerifierOptions { ModelPath = folder, DataDirectory = Path.Combine(folder, "..", $".{FolderName}-features") };
        TorchSharp.torch.set_num_threads(Threads);
        using var model = VerifierModel.Load(folder, TorchTarget.Parse(options.Device, options.DType), options.Limits.MaxImagePixels);
        var entities = EntitySet.Load(Path.Combine(folder, ShapesVocabulary.EntityFileName));
        var features = EntityTextFeatures.Build(model, entities, settings, options.DataDirectory, NullLogger.Instance);
        using var engine = new VerifierEngine(model, entities, features, settings, calibration: null, options, "shapes world");
        var outcome = engine.CalibrateAsync(CalibrationSamples(CalibrationScenes), apply: false, cancellationToken).GetAwaiter().GetResult();
        try { Directory.Delete(options.DataDirectory, recursive: true); } catch (IOException) { }
        if (outcome.SampleErrors.Count > 0)
            throw new InvalidOperationException($"Calibrating the shapes-world model failed on {outcome.SampleErrors.Count} samples: " +
                                                outcome.SampleErrors[0].Error.Message);
        // No creation time: the file's bytes depend on the recipe alone.
        var calibration = outcome.Calibration with { CreatedUtc = null };
        if (!(calibration.MuGt > calibration.MuHal))
            throw new InvalidOperationException($"The shapes-world model built in {folder} does not separate correct from hallucinated " +
                                                $"mentions (mu_gt {calibration.MuGt:F3} <= mu_hal {calibration.MuHal:F3}).");
        calibration.Save(Path.Combine(folder, BuiltInModel.CalibrationFileName));
        log?.Invoke($"Calibrated on {CalibrationScenes} held-out scenes: mu_gt {calibration.MuGt:F3}, mu_hal {calibration.MuHal:F3} " +
                    $"({calibration.CorrectCount} correct / {calibration.HallucinatedCount} hallucinated mentions)");
        return calibration;
    }

    /// <summary>
    /// Calibration responses: for every held-out scene its caption with one inserted object that is not in the image (so
    /// every response has correct and hallucinated mentions), judged against the scene's ground truth.
    /// </summary>
    public static IReadOnlyList<CalibrationSampleInput> CalibrationSamples(int count)
    {
        var scenes = new SceneGenerator(CalibrationSeed, Training.Scenes).Generate(0, count);
        return scenes.Select(scene =>
        {
            var rng = SceneRandom.For(CalibrationSeed, scene.Index, stream: 11);
            var caption = CaptionWriter.WithHallucinations(scene, hallucinations: 1, rng);
            return new CalibrationSampleInput(ImageInput.FromBytes(scene.ToPng()), caption.Text, null, TokenFormat.Auto,
                scene.Objects.Keys.ToList());
        }).ToList();
    }
}

/// <summary>What a build of the recipe recorded in <c>build.json</c>.</summary>
public sealed record BuiltInModelBuild(ArithmeticFingerprint Arithmetic, long Parameters, double TrainingSeconds,
    double CalibrationSeconds, double MuGt, double MuHal, DateTime BuiltUtc)
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    public static BuiltInModelBuild Load(string path) =>
        JsonSerializer.Deserialize<BuiltInModelBuild>(File.ReadAllText(path), Json)
        ?? throw new InvalidDataException($"'{path}' holds no build record.");
}
