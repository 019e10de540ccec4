using System.Globalization;

namespace FiSAO.Client;

/// <summary>The Calibrate answer as the calibration file the verifier loads with <c>--calibration</c>, saved by
/// <see cref="FiSAO.Rewards.Calibration.Save"/> itself so the format cannot drift (<c>fisao calibrate</c> and
/// <c>fisao-trainer calibrate</c> both write it this way).</summary>
public static class CalibrationFiles
{
    public static FiSAO.Rewards.Calibration ToCalibration(this FiSAO.Verifier.V1.Calibration c) => new()
    {
        MuGt = c.MuGt,
        MuHal = c.MuHal,
        SMin = c.SMin,
        SMax = c.SMax,
        CorrectCount = c.CorrectCount,
        HallucinatedCount = c.HallucinatedCount,
        ModelId = EmptyAsNull(c.ModelId),
        EntitySetHash = EmptyAsNull(c.EntitySetHash),
        MentionTemplate = EmptyAsNull(c.MentionTemplate),
        // Proto strings are never null; an answer without a creation time (an older verifier) is stamped now.
        CreatedUtc = DateTimeOffset.TryParse(c.CreatedUtc, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var created)
            ? created
            : DateTimeOffset.UtcNow,
    };

    static string? EmptyAsNull(string value) => value.Length == 0 ? null : value;
}
