using FiSAO.Models.Torch;
using FiSAO.Rewards;
using FiSAO.Rewards.Entities;
using FiSAO.Verifier.Calibrations;
using FiSAO.Verifier.Model;
using FiSAO.Verifier.Scoring;
using TorchSharp;

namespace FiSAO.Verifier.Hosting;

/// <summary>A start-up problem a person must fix (missing model, bad calibration): printed, exit code 2.</summary>
public sealed class VerifierStartupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Builds the engine from the options: model, entity set, calibration, entity text features.</summary>
public static class VerifierStartup
{
    public static VerifierEngine CreateEngine(VerifierOptions options, RewardSettings settings, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("FiSAO.Verifier.Startup");
        var problems = settings.Validate();
        if (problems.Count > 0) throw new VerifierStartupException("Invalid reward settings: " + string.Join("; ", problems));
        torch.set_num_threads(options.TorchThreads > 0 ? options.TorchThreads : Environment.ProcessorCount);
        if (string.IsNullOrWhiteSpace(options.ModelPath)) options = WithBuiltInModel(options, logger);
        TorchTarget target;
        try { target = TorchTarget.Parse(options.Device, options.DType); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException)
        {
            throw new VerifierStartupException($"Invalid device/dtype: {e.Message}", e);
        }

        logger.LogInformation("Loading CLIP from {Path} on {Target}", options.ModelPath, target);
        VerifierModel model;
        try { model = VerifierModel.Load(options.ModelPath!, target, options.Limits.MaxImagePixels); }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException or ArgumentException or UnauthorizedAccessException)
        {
            throw new VerifierStartupException($"Cannot load the model from '{options.ModelPath}': {e.Message}", e);
        }

        try
        {
            var (entities, source) = LoadEntities(options);
            var calibration = LoadCalibration(options, model, entities, settings, logger);
            var textFeatures = EntityTextFeatures.Build(model, entities, settings, options.DataDirectory, logger);
            var store = new CalibrationStore(options.CalibrationRoot, model.ModelId, entities.ContentHash, settings.MentionTemplate);
            var engine = new VerifierEngine(model, entities, textFeatures, settings, calibration, options, source, store);
            AdoptAppliedCalibration(engine, store, logger);
            logger.LogInformation("Verifier ready: model {Model}, {Forms} surface forms, {Calibrated}",
                model.ModelId, entities.Counts.SurfaceForms, engine.CalibrationId is { } id ? $"calibration {id}" : "uncalibrated (rewards are 0)");
            return engine;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>No --model: the built-in shapes-world model, and its entity list and calibration unless given.</summary>
    static VerifierOptions WithBuiltInModel(VerifierOptions options, ILogger logger)
    {
        BuiltInModelAssets assets;
        try { assets = BuiltInModel.Install(options.DataDirectory); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VerifierStartupException($"Cannot install the built-in model into the data directory " +
                                               $"'{options.DataDirectory}' (--data-dir): {e.Message}", e);
        }
        logger.LogInformation("Serving the built-in shapes-world model from {Folder}", assets.ModelDirectory);
        return options.With(assets.ModelDirectory,
            string.IsNullOrWhiteSpace(options.EntitiesPath) ? assets.EntitiesPath : options.EntitiesPath,
            string.IsNullOrWhiteSpace(options.CalibrationPath) ? assets.CalibrationPath : options.CalibrationPath);
    }

    /// <summary>A calibration applied through any replica (the shared store's active one) wins over the configured file.</summary>
    static void AdoptAppliedCalibration(VerifierEngine engine, CalibrationStore store, ILogger logger)
    {
        string? id;
        try { id = store.ReadActiveId(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VerifierStartupException($"Cannot read the calibration store '{store.Directory}' (--data-dir): {e.Message}", e);
        }
        if (id is null || id == engine.CalibrationId) return;
        try
        {
            var calibration = store.TryLoad(id) ?? throw new CalibrationLoadException(store.Directory, $"the active calibration {id} has no file.");
            engine.Activate(calibration);
            logger.LogInformation("Serving calibration {Id}, applied through Calibrate and stored in {Folder} (it overrides the configured one)",
                id, store.Directory);
        }
        catch (Exception e) when (e is CalibrationLoadException or InvalidCalibrationException or IOException)
        {
            logger.LogError("The applied calibration {Id} in {Folder} cannot be served ({Message}); serving the configured one", id,
                store.Directory, e.Message);
        }
    }

    static (EntitySet Entities, string Source) LoadEntities(VerifierOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.EntitiesPath)) return (EntitySet.Default, "built-in (LVIS v1 + COCO + WordNet)");
        try { return (EntitySet.Load(options.EntitiesPath), Path.GetFullPath(options.EntitiesPath)); }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ArgumentException or UnauthorizedAccessException)
        {
            throw new VerifierStartupException($"Cannot load the entity list '{options.EntitiesPath}': {e.Message}", e);
        }
    }

    static Calibration? LoadCalibration(VerifierOptions options, VerifierModel model, EntitySet entities, RewardSettings settings, ILogger logger)
    {
        if (string.IsNullOrWhiteSpace(options.CalibrationPath))
        {
            logger.LogWarning("No calibration (--calibration): scores are computed but every reward is 0.");
            return null;
        }
        Calibration calibration;
        try { calibration = Calibration.Load(options.CalibrationPath); }
        catch (Exception e) when (e is CalibrationLoadException or InvalidCalibrationException or IOException)
        {
            throw new VerifierStartupException($"Cannot load the calibration: {e.Message}", e);
        }
        var mismatches = calibration.FindProvenanceMismatches(model.ModelId, entities.ContentHash, settings.MentionTemplate);
        if (mismatches.Count > 0)
            throw new VerifierStartupException($"The calibration '{options.CalibrationPath}' was made for another set-up: " +
                                               string.Join("; ", mismatches) + ". Calibrate again for this model.");
        try { RewardFunction.Calibrated(settings, calibration); }
        catch (InvalidCalibrationException e)
        {
            throw new VerifierStartupException($"The calibration '{options.CalibrationPath}' cannot be used: {e.Message}", e);
        }
        logger.LogInformation("Calibration: mu_gt {MuGt:F3}, mu_hal {MuHal:F3}, S in [{SMin:F3}, {SMax:F3}] from {Correct} correct / {Hal} hallucinated mentions",
            calibration.MuGt, calibration.MuHal, calibration.SMin, calibration.SMax, calibration.CorrectCount, calibration.HallucinatedCount);
        return calibration;
    }
}
