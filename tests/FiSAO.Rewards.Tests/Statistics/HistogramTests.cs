using FiSAO.Rewards.Statistics;

namespace FiSAO.Rewards.Tests;

public class HistogramTests
{
    [Fact]
    public void Values_fall_into_half_open_bins_and_max_into_the_last_bin()
    {
        var h = Histogram.Of([0, 2.49, 2.5, 5, 7.5, 9.99, 10], min: 0, max: 10, binCount: 4);
        Assert.Equal([2L, 1, 1, 3], h.Counts);   // [0,2.5): 0, 2.49; [2.5,5): 2.5; [5,7.5): 5; [7.5,10]: 7.5, 9.99, 10
        Assert.Equal(0, h.Underflow);
        Assert.Equal(0, h.Overflow);
        Assert.Equal(7, h.Total);
    }

    [Fact]
    public void Out_of_range_values_are_counted_not_dropped()
    {
        var h = Histogram.Of([-1, 11, 5], 0, 10, 2);
        Assert.Equal(1, h.Underflow);
        Assert.Equal(1, h.Overflow);
        Assert.Equal([0L, 1], h.Counts);
        Assert.Equal(-1, h.BinIndex(-0.1));
        Assert.Equal(2, h.BinIndex(10.1));
    }

    [Fact]
    public void Bin_edges_are_evenly_spaced()
    {
        var h = new Histogram(10, 20, 4);
        Assert.Equal(2.5, h.BinWidth);
        Assert.Equal(12.5, h.BinLowerEdge(1));
        Assert.Equal(15.0, h.BinUpperEdge(1));
        Assert.Equal(20.0, h.BinUpperEdge(3));
    }

    [Theory]
    [InlineData(1.0, 1.0, 3)]
    [InlineData(2.0, 1.0, 3)]
    [InlineData(0.0, 1.0, 0)]
    [InlineData(double.NaN, 1.0, 3)]
    public void Invalid_range_or_bin_count_is_rejected(double min, double max, int bins)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Histogram(min, max, bins));
    }

    [Fact]
    public void Non_finite_values_are_rejected()
    {
        var h = new Histogram(0, 1, 2);
        Assert.Throws<ArgumentException>(() => h.Add(double.NaN));
        Assert.Throws<ArgumentException>(() => h.Add(double.PositiveInfinity));
    }
}
