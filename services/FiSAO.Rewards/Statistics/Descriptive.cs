namespace FiSAO.Rewards.Statistics;

/// <summary>Count, mean, extremes and spread of a sample of finite values.</summary>
/// <param name="Count">Number of values (at least 1).</param>
/// <param name="Mean">Arithmetic mean.</param>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
/// <param name="PopulationStandardDeviation">sqrt(sum (x - mean)^2 / n); 0 for one value.</param>
/// <param name="SampleStandardDeviation">sqrt(sum (x - mean)^2 / (n - 1)); null for one value (undefined).</param>
public sealed record SampleSummary(
    long Count,
    double Mean,
    double Min,
    double Max,
    double PopulationStandardDeviation,
    double? SampleStandardDeviation);

/// <summary>
/// Mean and standard deviation with Welford's single-pass update (numerically stable for the
/// 10^4 to 10^6 scores a calibration run produces). All methods reject empty input and NaN or
/// infinite values with an <see cref="ArgumentException"/> that says which element is at fault.
/// </summary>
public static class Descriptive
{
    /// <summary>Summarises <paramref name="values"/>; throws on an empty or non-finite sample.</summary>
    public static SampleSummary Summarize(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var accumulator = new RunningMoments();
        foreach (var value in values)
        {
            accumulator.Add(value);
        }

        return accumulator.ToSummary();
    }

    /// <summary>Arithmetic mean of a non-empty sample of finite values.</summary>
    public static double Mean(IEnumerable<double> values) => Summarize(values).Mean;

    /// <summary>Population standard deviation (divides by n) of a non-empty sample.</summary>
    public static double PopulationStandardDeviation(IEnumerable<double> values) =>
        Summarize(values).PopulationStandardDeviation;

    /// <summary>Sample standard deviation (divides by n - 1); needs at least two values.</summary>
    public static double SampleStandardDeviation(IEnumerable<double> values)
    {
        var summary = Summarize(values);
        return summary.SampleStandardDeviation
            ?? throw new ArgumentException(
                "The sample standard deviation needs at least two values; got one.", nameof(values));
    }

    /// <summary>Welford accumulator. Not thread-safe.</summary>
    internal sealed class RunningMoments
    {
        private double _mean;
        private double _m2;

        public long Count { get; private set; }
        public double Min { get; private set; } = double.PositiveInfinity;
        public double Max { get; private set; } = double.NegativeInfinity;

        public void Add(double value)
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentException(
                    $"Value #{Count} is {value}; statistics need finite values.", nameof(value));
            }

            Count++;
            var delta = value - _mean;
            _mean += delta / Count;
            _m2 += delta * (value - _mean);
            if (value < Min)
            {
                Min = value;
            }

            if (value > Max)
            {
                Max = value;
            }
        }

        public SampleSummary ToSummary()
        {
            if (Count == 0)
            {
                throw new ArgumentException("Statistics need at least one value; the sample is empty.");
            }

            // Rounding can push the running mean a hair outside [min, max] when all values are equal.
            var mean = Math.Clamp(_mean, Min, Max);
            var m2 = Math.Max(0.0, _m2);
            return new SampleSummary(
                Count,
                mean,
                Min,
                Max,
                Math.Sqrt(m2 / Count),
                Count >= 2 ? Math.Sqrt(m2 / (Count - 1)) : null);
        }
    }
}
