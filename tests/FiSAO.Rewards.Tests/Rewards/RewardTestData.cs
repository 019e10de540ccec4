namespace FiSAO.Rewards.Tests;

/// <summary>A hand-made calibration: mu_gt = 25, mu_hal = 20, S in [10, 40].</summary>
internal static class RewardTestData
{
    public const double Tolerance = 1e-12;

    public static Calibration Calibration(double muGt = 25, double muHal = 20, double sMin = 10, double sMax = 40, string? template = null) => new()
    {
        MuGt = muGt,
        MuHal = muHal,
        SMin = sMin,
        SMax = sMax,
        CorrectCount = 4,
        HallucinatedCount = 3,
        MentionTemplate = template,
    };

    /// <summary>lambda = 1, so the thresholds are 26 (upper) and 19 (lower).</summary>
    public static RewardSettings Settings(double margin = 1, Action<RewardSettings>? configure = null)
    {
        var settings = new RewardSettings { Margin = margin };
        configure?.Invoke(settings);
        return settings;
    }

    public static RewardFunction Function(double margin = 1, Action<RewardSettings>? configure = null, Calibration? calibration = null) =>
        new(Settings(margin, configure), calibration ?? Calibration());
}
