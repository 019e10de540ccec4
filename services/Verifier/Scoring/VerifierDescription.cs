using FiSAO.Verifier.Hosting;

namespace FiSAO.Verifier.Scoring;

/// <summary>What GetInfo and GET /v1/info report: model, entity set, calibration, settings, limits.</summary>
public sealed record VerifierDescription(
    string Version,
    string ModelId,
    string ModelPath,
    int ImageSize,
    int EmbeddingDim,
    double LogitScale,
    string Device,
    EntitySetDescription EntitySet,
    bool Calibrated,
    string? UncalibratedReason,
    FiSAO.Rewards.Calibration? Calibration,
    FiSAO.Rewards.RewardSettings Settings,
    LimitsOptions Limits,
    BatchingOptions Batching)
{
    /// <summary>The active calibration's id (content hash); null when uncalibrated.</summary>
    public string? CalibrationId { get; init; }
}

public sealed record EntitySetDescription(int EntityCount, int SurfaceFormCount, string Hash, string Source);

public static class VerifierDescriptions
{
    public static string Version { get; } =
        typeof(VerifierEngine).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static VerifierDescription Describe(this VerifierEngine engine)
    {
        var rewarder = engine.Rewarder;
        var calibrationId = engine.CalibrationId;
        var model = engine.Model;
        return new VerifierDescription(Version, model.ModelId, model.ModelPath, model.ImageSize, model.EmbeddingDim,
            model.Clip.LogitScale, model.Target.ToString(),
            new EntitySetDescription(engine.Entities.Counts.Entities, engine.Entities.Counts.SurfaceForms,
                engine.Entities.ContentHash, engine.EntitySetSource),
            rewarder.IsCalibrated, rewarder.UncalibratedReason, rewarder.IsCalibrated ? rewarder.Calibration : null, engine.Settings,
            engine.Limits, engine.Batching) { CalibrationId = calibrationId };
    }
}
