using System.Text.Json.Serialization;

namespace FiSAO.Trainer.Demo;

/// <summary>Mean and spread of one metric over PPO seeds: the sample standard deviation (n - 1) and the range.</summary>
public sealed record SeedSpread(
    [property: JsonPropertyName("n")] int Count,
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("sd")] double StandardDeviation,
    [property: JsonPropertyName("min")] double Min,
    [property: JsonPropertyName("max")] double Max)
{
    public static SeedSpread Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("No values.", nameof(values));
        var mean = values.Average();
        var sd = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return new SeedSpread(values.Count, Math.Round(mean, 4), Math.Round(sd, 4), values.Min(), values.Max());
    }

    /// <summary>"12.3 ± 1.4" in percent (metrics that are shares) or plain (counts).</summary>
    public string Format(bool percent) => percent
        ? FormattableString.Invariant($"{Mean * 100:F1} ± {StandardDeviation * 100:F1}")
        : FormattableString.Invariant($"{Mean:F1} ± {StandardDeviation:F1}");
}
