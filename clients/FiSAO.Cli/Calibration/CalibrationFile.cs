using System.Globalization;

namespace FiSAO.Cli;

/// <summary>The Calibrate answer as the calibration file the verifier loads with <c>--calibration</c>, written by
/// <see cref="FiSAO.Rewards.Calibration.Save"/> itself so the format cannot drift.</summary>
internal static class CalibrationFile
{
    public static FiSAO.Rewards.Calibration From(FiSAO.Verifier.V1.Calibration c) => new()
    {
        MuGt = c.MuGt,
        MuHal = c.MuHal,
        SMin = c.SMin,
        SMax = c.SMax,
        CorrectCount = c.CorrectCount,
        HallucinatedCount = c.HallucinatedCount,
        ModelId = Empty(c.ModelId),
        EntitySetHash = Empty(c.EntitySetHash),
        MentionTemplate = Empty(c.MentionTemplate),
        CreatedUtc = DateTimeOffset.TryParse(c.CreatedUtc, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var created)
            ? created
            : DateTimeOffset.UtcNow,
    };

    static string? Empty(string value) => value.Length == 0 ? null : value;
}
