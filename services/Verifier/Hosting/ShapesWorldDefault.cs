using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FiSAO.Models.Torch;
using FiSAO.Rewards;
using FiSAO.Rewards.Alignment;
using FiSAO.Rewards.Entities;
using FiSAO.ShapesWorld;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.Training;
using FiSAO.ShapesWorld.World;
using FiSAO.Verifier.Model;
using FiSAO.Verifier.Scoring;

namespace FiSAO.Verifier.Hosting;

/// <summary>Where the embedded default's files are: an HF CLIP folder with its entity list and calibration.</summary>
public sealed record ShapesWorldAssets(string ModelDirectory)
{
    public string EntitiesPath => Path.Combine(ModelDirectory, ShapesVocabulary.EntityFileName);
    public string CalibrationPath => Path.Combine(ModelDirectory, ShapesWorldDefault.CalibrationFileName);
}

/// <summary>
/// The verifier's embedded default (no <c>--model</c>): the shapes-world CLIP, its entity list and its calibration,
/// built on the first start into <c>{data dir}/shapes-world/{key}</c> and reused afterwards. The key hashes everything
/// the files depend on (world version, training options, calibration set, mention template), so a change rebuilds.
/// Safe when several processes start together: one builds under an exclusive file lock, into a temporary folder that is
/// renamed into place when complete; the others wait for the lock and then find the finished folder.
/// </summary>
public static class ShapesWorldDefault
{
    public const string CalibrationFileName = "calibration.json";
    public const string CompleteFileName = "complete.json";

    /// <summary>Bumped whenever the generator, captions or model code change what a build produces.</summary>
    public const int WorldVersion = 1;

    /// <summary>Held-out scenes the calibration is computed on (the seed is disjoint from training's).</summary>
    public const long CalibrationSeed = 2_000_003;
    public const int CalibrationScenes = 600;

    /// <summary>The built-in training recipe (<see cref="TrainingOptions"/> defaults).</summary>
    public static TrainingOptions Training { get; } = new();

    /// <summary>The recipe with the configured overrides (<c>Verifier:ShapesWorld:*</c>).</summary>
    public static TrainingOptions TrainingFor(VerifierOptions options) => Training with
    {
        TrainScenes = options.ShapesWorld.TrainScenes ?? Training.TrainScenes,
        Epochs = options.ShapesWorld.Epochs ?? Training.Epochs,
    };

    /// <summary>The folder for this data directory, recipe and mention template (it may not exist yet).</summary>
    public static string FolderFor(string dataDirectory, RewardSettings settings, VerifierOptions options) =>
        Path.Combine(Path.GetFullPath(dataDirectory), "shapes-world", Key(settings, TrainingFor(options)));

    /// <summary>Returns the finished assets, building them first when they are missing.</summary>
    public static ShapesWorldAssets Ensure(string dataDirectory, RewardSettings settings, VerifierOptions options, ILogger logger,
        CancellationToken cancellationToken = default)
    {
        var folder = FolderFor(dataDirectory, settings, options);
        if (IsComplete(folder)) return new ShapesWorldAssets(folder);

        Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
        using var held = AcquireLock(folder + ".lock", logger, cancellationToken);
        if (IsComplete(folder)) return new ShapesWorldAssets(folder); // another process built it while we waited

        var watch = Stopwatch.StartNew();
        if (!File.Exists(Path.Combine(folder, ShapesModelBuilder.SummaryFileName)))
        {
            // Trained into a temporary folder and renamed when complete: a crash never leaves a half-written model in place.
            var temporary = $"{folder}.tmp-{Environment.ProcessId}";
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
            Directory.CreateDirectory(temporary);
            try
            {
                Train(temporary, options, logger, cancellationToken);
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
                Directory.Move(temporary, folder);
            }
            catch
            {
                try { Directory.Delete(temporary, recursive: true); } catch (IOException) { }
                throw;
            }
        }
        else logger.LogInformation("Found the trained shapes-world CLIP in {Folder}; calibrating it", folder);

        // Calibrated in place: the model id the calibration records includes the folder's name.
        Calibrate(folder, dataDirectory, settings, options, logger, cancellationToken);
        File.WriteAllText(Path.Combine(folder, CompleteFileName), JsonSerializer.Serialize(new
        {
            world_version = WorldVersion,
            key = Path.GetFileName(folder),
            build_seconds = Math.Round(watch.Elapsed.TotalSeconds, 1),
            threads = TorchSharp.torch.get_num_threads(),
            built_utc = DateTime.UtcNow,
        }, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        logger.LogInformation("Shapes-world verifier model ready in {Seconds:F0} s", watch.Elapsed.TotalSeconds);
        return new ShapesWorldAssets(folder);
    }

    static bool IsComplete(string folder) => File.Exists(Path.Combine(folder, CompleteFileName));

    static void Train(string folder, VerifierOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        logger.LogInformation("No --model given: building the shapes-world verifier model in {Folder} (first start only; " +
                              "about 5 minutes on 2 cores, reused afterwards)", Path.GetDirectoryName(folder));
        var built = ShapesModelBuilder.Build(folder, TrainingFor(options), evaluationScenes: 0, new ThrottledProgress(logger),
            m => logger.LogInformation("{Message}", m), cancellationToken);
        logger.LogInformation("Shapes-world CLIP trained: {Parameters:N0} parameters in {Seconds:F0} s", built.Parameters,
            built.TrainingTime.TotalSeconds);
    }

    /// <summary>Eq. 7 baselines through the verifier's own calibration code, on captions with inserted hallucinations.</summary>
    static void Calibrate(string folder, string dataDirectory, RewardSettings settings, VerifierOptions options, ILogger logger,
        CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var model = VerifierModel.Load(folder, TorchTarget.Parse(options.Device, options.DType), options.Limits.MaxImagePixels);
        var entities = EntitySet.Load(Path.Combine(folder, ShapesVocabulary.EntityFileName));
        var features = EntityTextFeatures.Build(model, entities, settings, dataDirectory, logger);
        using var engine = new VerifierEngine(model, entities, features, settings, calibration: null, options, "shapes world");
        var outcome = engine.CalibrateAsync(CalibrationSamples(CalibrationScenes), apply: false, cancellationToken).GetAwaiter().GetResult();
        if (outcome.SampleErrors.Count > 0)
            throw new VerifierStartupException($"Calibrating the shapes-world model failed on {outcome.SampleErrors.Count} samples: " +
                                               outcome.SampleErrors[0].Error.Message);
        var calibration = outcome.Calibration;
        logger.LogInformation("Calibrated on {Scenes} held-out scenes in {Seconds:F1} s: mu_gt {MuGt:F3}, mu_hal {MuHal:F3} " +
                              "({Correct} correct / {Hallucinated} hallucinated mentions)", CalibrationScenes, watch.Elapsed.TotalSeconds,
            calibration.MuGt, calibration.MuHal, calibration.CorrectCount, calibration.HallucinatedCount);
        if (!(calibration.MuGt > calibration.MuHal))
            throw new VerifierStartupException($"The shapes-world model built in {folder} does not separate correct from hallucinated " +
                                               $"mentions (mu_gt {calibration.MuGt:F3} <= mu_hal {calibration.MuHal:F3}): it needs more training (Verifier:ShapesWorld:TrainScenes / Epochs).");
        calibration.Save(Path.Combine(folder, CalibrationFileName));
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

    static string Key(RewardSettings settings, TrainingOptions training)
    {
        var identity = JsonSerializer.Serialize(new
        {
            WorldVersion, training, CalibrationSeed, CalibrationScenes, settings.MentionTemplate,
        });
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..12];
        return $"v{WorldVersion}-{hash}";
    }

    /// <summary>An exclusive lock on a file: the OS releases it when the process dies, so a crashed build never blocks.</summary>
    static FileStream AcquireLock(string path, ILogger logger, CancellationToken cancellationToken)
    {
        var waiting = Stopwatch.StartNew();
        var nextNote = TimeSpan.Zero;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (!cancellationToken.IsCancellationRequested)
            {
                if (waiting.Elapsed >= nextNote)
                {
                    logger.LogInformation("Another process is building the shapes-world model ({Lock}); waiting ({Seconds:F0} s so far)",
                        path, waiting.Elapsed.TotalSeconds);
                    nextNote = waiting.Elapsed + TimeSpan.FromSeconds(15);
                }
                Thread.Sleep(500);
            }
        }
    }

    /// <summary>Training progress as a log line every few seconds and at the end of every epoch.</summary>
    sealed class ThrottledProgress(ILogger logger) : IProgress<TrainingProgress>
    {
        TimeSpan? _last;

        public void Report(TrainingProgress p)
        {
            if (!p.EndOfEpoch && _last is { } last && p.Elapsed - last < TimeSpan.FromSeconds(10)) return;
            _last = p.Elapsed;
            logger.LogInformation("Training the shapes-world CLIP: epoch {Epoch}/{Epochs}, step {Step}/{Steps}, loss {Loss:F3}, " +
                                  "object-word accuracy {Accuracy:P0}, {Seconds:F0} s", p.Epoch, p.Epochs, p.Step, p.StepsPerEpoch, p.Loss,
                p.WordAccuracy, p.Elapsed.TotalSeconds);
        }
    }
}
