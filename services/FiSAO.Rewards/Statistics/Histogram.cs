namespace FiSAO.Rewards.Statistics;

/// <summary>
/// Fixed-width histogram over [<see cref="Min"/>, <see cref="Max"/>] with <see cref="BinCount"/> bins.
/// Bin i covers [Min + i * w, Min + (i + 1) * w) with w = (Max - Min) / BinCount; the last bin also
/// holds values equal to <see cref="Max"/>. Values below Min / above Max are counted in
/// <see cref="Underflow"/> / <see cref="Overflow"/>, never dropped silently. NaN and infinities are
/// rejected. Not thread-safe.
/// </summary>
public sealed class Histogram
{
    private readonly long[] _counts;

    /// <exception cref="ArgumentOutOfRangeException">Bounds not finite, <paramref name="min"/> &gt;= <paramref name="max"/>, or <paramref name="binCount"/> &lt; 1.</exception>
    public Histogram(double min, double max, int binCount)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max))
        {
            throw new ArgumentOutOfRangeException(nameof(min), $"Histogram bounds must be finite; got [{min}, {max}].");
        }

        if (min >= max)
        {
            throw new ArgumentOutOfRangeException(nameof(min), $"Histogram needs min < max; got [{min}, {max}].");
        }

        if (binCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(binCount), $"Histogram needs at least one bin; got {binCount}.");
        }

        Min = min;
        Max = max;
        _counts = new long[binCount];
    }

    public double Min { get; }
    public double Max { get; }
    public int BinCount => _counts.Length;
    public double BinWidth => (Max - Min) / BinCount;

    /// <summary>Counts per bin (a live view).</summary>
    public IReadOnlyList<long> Counts => _counts;

    public long Underflow { get; private set; }
    public long Overflow { get; private set; }

    /// <summary>All values added, including under- and overflow.</summary>
    public long Total => _counts.Sum() + Underflow + Overflow;

    /// <summary>Histogram of <paramref name="values"/> over a given range.</summary>
    public static Histogram Of(IEnumerable<double> values, double min, double max, int binCount)
    {
        ArgumentNullException.ThrowIfNull(values);
        var histogram = new Histogram(min, max, binCount);
        foreach (var value in values)
        {
            histogram.Add(value);
        }

        return histogram;
    }

    public double BinLowerEdge(int bin) => Min + bin * BinWidth;

    public double BinUpperEdge(int bin) => bin == BinCount - 1 ? Max : Min + (bin + 1) * BinWidth;

    /// <summary>Bin of <paramref name="value"/>, -1 below the range, <see cref="BinCount"/> above it.</summary>
    public int BinIndex(double value)
    {
        if (double.IsNaN(value))
        {
            throw new ArgumentException("Cannot bin NaN.", nameof(value));
        }

        if (value < Min)
        {
            return -1;
        }

        if (value > Max)
        {
            return BinCount;
        }

        var index = (int)Math.Floor((value - Min) / (Max - Min) * BinCount);
        return Math.Clamp(index, 0, BinCount - 1);
    }

    public void Add(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"Histogram values must be finite; got {value}.", nameof(value));
        }

        var index = BinIndex(value);
        if (index < 0)
        {
            Underflow++;
        }
        else if (index >= BinCount)
        {
            Overflow++;
        }
        else
        {
            _counts[index]++;
        }
    }
}
